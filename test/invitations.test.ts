import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { downloadCsv, parseCsv } from './helpers/csv.ts';
import { emailsTo, newEmail, signUpAndActivate, SIRET } from './helpers/accounts.ts';
import { csrfTokenOf, type HttpClient } from './helpers/http-client.ts';
import { createPerson } from './helpers/people.ts';
import { startTestPlatform, type TestPlatform } from './helpers/platform.ts';

let platform: TestPlatform;
/** The main manager of the commune, who creates the codes. */
let admin: { client: HttpClient; email: string; userId: string };

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const DAY = 24 * 60 * 60_000;
let ipCounter = 0;
/** A client address of its own, so that rate limits of one test do not spill into another. */
const freshIp = () => `198.51.100.${(ipCounter += 1)}`;

before(async () => {
  platform = await startTestPlatform();
  const signedUp = await signUpAndActivate(platform, {
    siret: SIRET.commune,
    givenName: 'Hélène',
    familyName: 'Garçon',
    email: newEmail('saint-exemple.fr', 'helene'),
  });
  admin = { client: signedUp.client, email: signedUp.email, userId: signedUp.activation.user.id };
});
after(async () => {
  await platform.stop();
});

const invitations = `/api/v1/organisations/${SIRET.commune}/invitations`;

async function createCodes(body: Record<string, unknown>, client = admin.client): Promise<string[]> {
  const answer = await client.send('POST', invitations, body);
  assert.equal(answer.status, 201, answer.text);
  return answer.json.codes.map((code: { code: string }) => code.code);
}

async function codeStatus(code: string): Promise<string> {
  const list = await admin.client.get(invitations);
  const found = list.json.find((item: { code: string }) => item.code.endsWith(code.slice(-4)));
  assert.ok(found, `code …${code.slice(-4)} is listed`);
  return found.status;
}

describe('creating invitation codes', () => {
  it('gives 1 to 10 UUID codes once, stores only their hashes and lists them masked afterwards', async () => {
    const before = Date.now();
    const answer = await admin.client.send('POST', invitations, {
      count: 3,
      validityDays: 5,
      roles: ['demandeur', 'administrateur'],
    });
    assert.equal(answer.status, 201, answer.text);
    assert.equal(answer.headers.get('cache-control'), 'no-store');
    const codes: { id: string; code: string; expiresAt: string }[] = answer.json.codes;
    assert.equal(codes.length, 3);
    assert.equal(new Set(codes.map((code) => code.code)).size, 3);
    for (const code of codes) {
      assert.match(code.code, UUID_V4);
      const expiresIn = Date.parse(code.expiresAt) - before;
      assert.ok(expiresIn >= 5 * DAY - 1000 && expiresIn <= 5 * DAY + 60_000, 'valid 5 days');
    }
    const [byDefault] = await createCodes({ count: 1, roles: ['lecteur'] });
    const defaultCode = (await admin.client.get(invitations)).json.find((item: { code: string }) =>
      item.code.endsWith(byDefault!.slice(-4)),
    );
    const expiresIn = Date.parse(defaultCode.expiresAt) - before;
    assert.ok(expiresIn >= 10 * DAY - 1000 && expiresIn <= 10 * DAY + 60_000, 'valid 10 days by default');

    const list = await admin.client.get(invitations);
    assert.equal(list.status, 200);
    const listed = list.json.filter((item: { id: string }) => codes.some((code) => code.id === item.id));
    assert.equal(listed.length, 3);
    for (const item of listed) {
      const original = codes.find((code) => code.id === item.id)!.code;
      assert.equal(item.code, `••••••••-••••-••••-••••-••••••••${original.slice(-4)}`);
      assert.equal(item.status, 'valid');
      assert.deepEqual(item.roles, ['administrateur', 'demandeur']);
      assert.equal(item.createdBy.name, 'Hélène Garçon');
      assert.equal(item.usedBy, null);
      assert.deepEqual(item.organisation, {
        siret: SIRET.commune,
        name: 'COMMUNE DE SAINT-EXEMPLE-SUR-LOIRE',
      });
    }

    // No table holds a code in clear, nor do the logs.
    const allCodes = [...codes.map((code) => code.code), byDefault!];
    for (const table of ['invitation_codes', 'organisation_events', 'outbox_emails', 'rate_limit_counters']) {
      const { rows } = await platform.services.db.query<{ row: string }>(
        `SELECT t::text AS row FROM ${table} t`,
      );
      for (const code of allCodes) {
        assert.ok(!rows.some((row) => row.row.includes(code)), `${table} does not hold a code in clear`);
      }
    }
    const hashes = await platform.services.db.query<{ code_hash: string }>(
      'SELECT code_hash FROM invitation_codes',
    );
    assert.ok(hashes.rows.every((row) => /^[0-9a-f]{64}$/.test(row.code_hash)));
    for (const code of allCodes) assert.ok(!platform.logs.text.includes(code), 'logs do not hold a code');
  });

  it('refuses counts, validities and roles out of bounds, naming each faulty field, and creates nothing', async () => {
    const countBefore = (await platform.services.db.query('SELECT count(*)::int AS n FROM invitation_codes'))
      .rows[0].n;
    const refused = async (body: unknown, path: string, message?: RegExp) => {
      const answer = await admin.client.send('POST', invitations, body);
      assert.equal(answer.status, 422, `${JSON.stringify(body)}: ${answer.text}`);
      const error = answer.json.errors.find((item: { path: string }) => item.path.startsWith(path));
      assert.ok(error, `${JSON.stringify(body)} names ${path}: ${answer.text}`);
      if (message) assert.match(error.message, message);
    };
    await refused({ count: 0, roles: ['demandeur'] }, 'count', /entre 1 et 10/);
    await refused({ count: 11, roles: ['demandeur'] }, 'count', /entre 1 et 10/);
    await refused({ count: 2.5, roles: ['demandeur'] }, 'count');
    await refused({ count: '3', roles: ['demandeur'] }, 'count');
    await refused({ count: 1, validityDays: 0, roles: ['demandeur'] }, 'validityDays', /entre 1 et 90/);
    await refused({ count: 1, validityDays: 91, roles: ['demandeur'] }, 'validityDays', /entre 1 et 90/);
    await refused({ count: 1, roles: [] }, 'roles', /au moins un rôle/);
    await refused({ count: 1 }, 'roles', /au moins un rôle/);
    await refused({ count: 1, roles: ['chef'] }, 'roles', /Rôle inconnu/);
    await refused({ count: 1, roles: ['gestionnaire_principal'] }, 'roles', /se transmet/);
    await refused(
      { count: 1, roles: ['lecteur', 'demandeur'] },
      'roles',
      /« Lecteur » est exclusif : il ne peut pas être combiné avec « Demandeur »/,
    );
    const both = await admin.client.send('POST', invitations, { count: 11, validityDays: 91, roles: ['x'] });
    assert.deepEqual(both.json.errors.map((error: { path: string }) => error.path.split('.')[0]).sort(), [
      'count',
      'roles',
      'validityDays',
    ]);
    const notJson = await admin.client.request('POST', invitations, {
      headers: { 'content-type': 'application/json', 'x-csrf-token': admin.client.csrfToken! },
      body: '{"count": 3,',
    });
    assert.equal(notJson.status, 400);
    const countAfter = (await platform.services.db.query('SELECT count(*)::int AS n FROM invitation_codes'))
      .rows[0].n;
    assert.equal(countAfter, countBefore);
  });

  it('is an administrators’ screen: members without the role and outsiders get 404, for every action', async () => {
    const [code] = await createCodes({ count: 1, roles: ['demandeur'] });
    const codeId = (await admin.client.get(invitations)).json[0].id;
    const applicant = await createPerson(platform, {
      invitedBy: { admin: admin.client, siret: SIRET.commune, roles: ['demandeur'] },
    });
    const reader = await createPerson(platform, {
      invitedBy: { admin: admin.client, siret: SIRET.commune, roles: ['lecteur'] },
    });
    const outsider = await createPerson(platform);
    for (const person of [applicant, reader, outsider]) {
      assert.equal(
        (await person.client.send('POST', invitations, { count: 1, roles: ['administrateur'] })).status,
        404,
      );
      // Bad input is refused before anything is looked up: the same answer as for a SIRET that does not exist.
      const malformed = await person.client.send('POST', invitations, { count: 99 });
      const nowhere = await person.client.send('POST', `/api/v1/organisations/${SIRET.unknown}/invitations`, {
        count: 99,
      });
      assert.deepEqual([malformed.status, malformed.json], [nowhere.status, nowhere.json]);
      assert.equal((await person.client.get(invitations)).status, 404);
      assert.equal((await person.client.get(`${invitations}.csv`)).status, 404);
      assert.equal((await person.client.send('POST', `${invitations}/${codeId}/deactivate`)).status, 404);
    }
    assert.equal(await codeStatus(code!), 'valid');
    assert.equal((await platform.client().get(invitations)).status, 401);
    assert.equal(
      (
        await admin.client.send(
          'POST',
          invitations,
          { count: 1, roles: ['demandeur'] },
          { 'x-csrf-token': 'x' },
        )
      ).status,
      403,
    );
  });
});

describe('redeeming an invitation code', () => {
  it('joins the organisation with the code’s roles, and its creator is told without the code', async () => {
    const [code, spare] = await createCodes({ count: 2, roles: ['administrateur', 'demandeur'] });
    const other = await signUpAndActivate(platform, {
      siret: SIRET.hospital,
      givenName: 'Aurélien',
      familyName: 'Dubœuf',
      email: newEmail('chu-exemple.fr', 'aurelien'),
    });
    const answer = await other.client.send('POST', '/api/v1/invitations/redeem', {
      code: ` ${code!.toUpperCase()} `,
    });
    assert.equal(answer.status, 200, answer.text);
    assert.deepEqual(answer.json, {
      organisation: { siret: SIRET.commune, name: 'COMMUNE DE SAINT-EXEMPLE-SUR-LOIRE' },
      roles: ['administrateur', 'demandeur'],
    });
    const me = (await other.client.get('/api/v1/me')).json;
    const joined = me.memberships.find(
      (membership: { organisation: { siret: string } }) => membership.organisation.siret === SIRET.commune,
    );
    assert.deepEqual(joined.roles, ['administrateur', 'demandeur']);
    assert.equal(joined.joinedVia, 'invitation');
    assert.equal(me.currentOrganisation.siret, SIRET.hospital, 'still acting for their own organisation');
    // As an administrator now, they see the commune's codes.
    assert.equal((await other.client.get(invitations)).status, 200);

    const list = (await admin.client.get(invitations)).json;
    const used = list.find((item: { code: string }) => item.code.endsWith(code!.slice(-4)));
    assert.equal(used.status, 'used');
    assert.equal(used.usedBy.name, 'Aurélien Dubœuf');
    assert.ok(Date.now() - Date.parse(used.usedAt) < 60_000);

    const [email] = await emailsTo(platform, admin.email, { subject: /a utilisé votre code d’invitation/ });
    assert.match(
      email!.subject,
      /Aurélien Dubœuf a utilisé votre code d’invitation pour COMMUNE DE SAINT-EXEMPLE-SUR-LOIRE/,
    );
    assert.match(email!.text, /Administrateur, Demandeur/);
    assert.match(email!.text, /\/organisations\/21457956700014\/membres/);
    assert.ok(
      !email!.text.includes(code!) && !email!.html.includes(code!),
      'the email does not hold the code',
    );
    assert.ok(!email!.text.includes(code!.slice(-4)), 'not even its visible end');

    // The same person again, with another code: already a member, and that code stays usable.
    const again = await other.client.send('POST', '/api/v1/invitations/redeem', { code: spare });
    assert.equal(again.status, 409);
    assert.equal(again.json.error, 'already_member');
    assert.equal(await codeStatus(spare!), 'valid');

    // Someone else with the used code.
    const late = await createPerson(platform, { ip: freshIp() });
    const reused = await late.client.send('POST', '/api/v1/invitations/redeem', { code });
    assert.equal(reused.status, 409);
    assert.equal(reused.json.error, 'invitation_used');
    assert.match(reused.json.message, /déjà été utilisé/);
  });

  it('lets someone waiting for support in, and makes it the organisation they act for', async () => {
    const [code] = await createCodes({ count: 1, roles: ['lecteur'] });
    const waiting = await signUpAndActivate(platform, { siret: SIRET.commune, email: newEmail('gmail.com') });
    assert.equal(waiting.activation.case, 'pending_support');
    assert.equal((await waiting.client.get('/api/v1/me')).json.currentOrganisation, null);
    const answer = await waiting.client.send('POST', '/api/v1/invitations/redeem', { code });
    assert.equal(answer.status, 200, answer.text);
    const me = (await waiting.client.get('/api/v1/me')).json;
    assert.equal(me.currentOrganisation.siret, SIRET.commune);
    assert.deepEqual(
      me.memberships.map((membership: { status: string; roles: string[]; joinedVia: string }) => [
        membership.status,
        membership.roles,
        membership.joinedVia,
      ]),
      [['active', ['lecteur'], 'invitation']],
    );
    const queue = await platform.services.db.query(
      `SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = $1 AND m.status = 'pending_support'`,
      [waiting.email],
    );
    assert.equal(queue.rowCount, 0, 'no longer in support’s queue');
  });

  it('says which case applies: unknown, malformed, expired, deactivated', async () => {
    const person = await createPerson(platform, { ip: freshIp() });
    const redeem = (code: unknown) => person.client.send('POST', '/api/v1/invitations/redeem', { code });

    const unknown = await redeem('0601152c-6aa0-4f6d-9e85-464249405207');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json.error, 'invitation_unknown');
    assert.match(unknown.json.message, /n’existe pas/);

    for (const malformed of ['abc', '', '0601152c6aa04f6d9e85464249405207', 'x'.repeat(300), 42, null]) {
      const answer = await redeem(malformed);
      assert.equal(answer.status, 422, `${JSON.stringify(malformed)}: ${answer.text}`);
      assert.equal(answer.json.errors[0].path, 'code');
    }
    assert.equal((await person.client.send('POST', '/api/v1/invitations/redeem', {})).status, 422);

    const [expiring, deactivating] = await createCodes({ count: 2, roles: ['demandeur'] });
    await platform.services.db.query(
      `UPDATE invitation_codes SET expires_at = now() - interval '1 minute' WHERE last_characters = $1`,
      [expiring!.slice(-4)],
    );
    const expired = await redeem(expiring);
    assert.equal(expired.status, 410);
    assert.equal(expired.json.error, 'invitation_expired');
    assert.match(expired.json.message, /a expiré/);
    assert.equal(await codeStatus(expiring!), 'expired');

    const id = (await admin.client.get(invitations)).json.find((item: { code: string }) =>
      item.code.endsWith(deactivating!.slice(-4)),
    ).id;
    assert.equal((await admin.client.send('POST', `${invitations}/${id}/deactivate`)).status, 200);
    const deactivated = await redeem(deactivating);
    assert.equal(deactivated.status, 410);
    assert.equal(deactivated.json.error, 'invitation_deactivated');
    assert.match(deactivated.json.message, /désactivé/);

    assert.equal(
      (await platform.client().send('POST', '/api/v1/invitations/redeem', { code: expiring })).status,
      401,
    );
  });

  it('lets exactly one of twenty people racing for one code in; the others are told it was used', async () => {
    const [code] = await createCodes({ count: 1, roles: ['demandeur'] });
    const people = await Promise.all(
      Array.from({ length: 20 }, (_, index) => createPerson(platform, { ip: `203.0.113.${index + 1}` })),
    );
    const answers = await Promise.all(
      people.map((person) => person.client.send('POST', '/api/v1/invitations/redeem', { code })),
    );
    const statuses = answers.map((answer) => answer.status).sort();
    assert.deepEqual(
      statuses,
      [200, ...Array(19).fill(409)],
      answers.map((answer) => answer.text).join('\n'),
    );
    assert.ok(
      answers
        .filter((answer) => answer.status === 409)
        .every((answer) => answer.json.error === 'invitation_used'),
    );
    const winner = people[answers.findIndex((answer) => answer.status === 200)]!;
    const { rows } = await platform.services.db.query(
      `SELECT m.user_id FROM memberships m JOIN organisations o ON o.id = m.organisation_id
        WHERE o.siret = $1 AND m.user_id = ANY ($2::uuid[])`,
      [SIRET.commune, people.map((person) => person.userId)],
    );
    assert.deepEqual(
      rows.map((row) => row.user_id),
      [winner.userId],
      'one membership, the winner’s',
    );
  });

  it('refuses further attempts after too many failures, per person and per address, even with a good code', async () => {
    const [good] = await createCodes({ count: 1, roles: ['demandeur'] });
    const unknownCode = () => crypto.randomUUID();

    const guesser = await createPerson(platform, { ip: freshIp() });
    for (
      let attempt = 0;
      attempt < platform.config.rateLimits.invitationFailuresPerPerson.max;
      attempt += 1
    ) {
      assert.equal(
        (await guesser.client.send('POST', '/api/v1/invitations/redeem', { code: unknownCode() })).status,
        404,
      );
    }
    const blocked = await guesser.client.send('POST', '/api/v1/invitations/redeem', { code: good });
    assert.equal(blocked.status, 429);
    assert.equal(blocked.json.error, 'too_many_requests');
    const retryAfter = Number(blocked.headers.get('retry-after'));
    assert.ok(
      retryAfter > 0 && retryAfter <= platform.config.rateLimits.invitationFailuresPerPerson.windowMs / 1000,
      `Retry-After ${retryAfter}`,
    );
    assert.equal(await codeStatus(good!), 'valid', 'the refused attempt did not use the code');

    // Several accounts from one address: the address is limited too; another address is not.
    const ip = freshIp();
    let failures = 0;
    while (failures < platform.config.rateLimits.invitationFailuresPerIp.max) {
      const person = await createPerson(platform, { ip });
      for (
        let attempt = 0;
        attempt < platform.config.rateLimits.invitationFailuresPerPerson.max - 1 &&
        failures < platform.config.rateLimits.invitationFailuresPerIp.max;
        attempt += 1
      ) {
        assert.equal(
          (await person.client.send('POST', '/api/v1/invitations/redeem', { code: unknownCode() })).status,
          404,
        );
        failures += 1;
      }
    }
    const sameAddress = await createPerson(platform, { ip });
    assert.equal(
      (await sameAddress.client.send('POST', '/api/v1/invitations/redeem', { code: good })).status,
      429,
    );
    const elsewhere = await createPerson(platform, { ip: freshIp() });
    assert.equal(
      (await elsewhere.client.send('POST', '/api/v1/invitations/redeem', { code: good })).status,
      200,
    );
  });
});

describe('the code list', () => {
  it('filters by status, deactivates only its own organisation’s unused codes, and exports a spreadsheet', async () => {
    const [toDeactivate, toUse] = await createCodes({ count: 2, roles: ['demandeur'] });
    const idOf = async (code: string) =>
      (await admin.client.get(invitations)).json.find((item: { code: string }) =>
        item.code.endsWith(code.slice(-4)),
      ).id;
    const deactivateId = await idOf(toDeactivate!);
    const usedId = await idOf(toUse!);
    const user = await createPerson(platform, { ip: freshIp(), givenName: 'Maëlle', familyName: 'Crépin' });
    assert.equal((await user.client.send('POST', '/api/v1/invitations/redeem', { code: toUse })).status, 200);

    const first = await admin.client.send('POST', `${invitations}/${deactivateId}/deactivate`);
    assert.equal(first.status, 200);
    assert.equal(first.json.status, 'deactivated');
    const again = await admin.client.send('POST', `${invitations}/${deactivateId}/deactivate`);
    assert.equal(again.status, 200, 'deactivating twice changes nothing');
    const used = await admin.client.send('POST', `${invitations}/${usedId}/deactivate`);
    assert.equal(used.status, 409);
    assert.equal(used.json.error, 'invitation_used');

    // The main manager of another organisation cannot touch the commune's codes, even knowing an id.
    const university = await signUpAndActivate(platform, {
      siret: SIRET.university,
      email: newEmail('univ-exemple.fr'),
    });
    const elsewhere = `/api/v1/organisations/${SIRET.university}/invitations`;
    assert.equal(
      (await university.client.send('POST', `${elsewhere}/${deactivateId}/deactivate`)).status,
      404,
    );
    assert.equal(
      (await university.client.send('POST', `${invitations}/${deactivateId}/deactivate`)).status,
      404,
    );
    assert.equal(
      (await admin.client.send('POST', `${invitations}/${crypto.randomUUID()}/deactivate`)).status,
      404,
    );
    assert.equal((await admin.client.send('POST', `${invitations}/pas-un-id/deactivate`)).status, 404);

    for (const status of ['valid', 'used', 'expired', 'deactivated']) {
      const answer = await admin.client.get(`${invitations}?status=${status}`);
      assert.equal(answer.status, 200);
      assert.ok(answer.json.length > 0, `some ${status} codes`);
      assert.ok(answer.json.every((item: { status: string }) => item.status === status));
    }
    assert.ok(
      (await admin.client.get(`${invitations}?status=deactivated`)).json.some(
        (item: { id: string }) => item.id === deactivateId,
      ),
    );
    const bogus = await admin.client.get(`${invitations}?status=perdu`);
    assert.equal(bogus.status, 422);
    assert.equal(bogus.json.errors[0].path, 'status');

    const csv = await downloadCsv(admin.client, `${invitations}.csv`);
    assert.equal(csv.status, 200);
    assert.equal(csv.headers.get('content-type'), 'text/csv; charset=utf-8');
    assert.match(
      csv.headers.get('content-disposition') ?? '',
      /^attachment; filename="codes-invitation-21457956700014-\d{4}-\d{2}-\d{2}\.csv"$/,
    );
    assert.deepEqual([...csv.bytes.slice(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 byte-order mark');
    const { bom, rows } = parseCsv(csv.text);
    assert.equal(bom, true);
    assert.deepEqual(rows[0], [
      'Créé par',
      'Code',
      'Organisation',
      'SIRET',
      'Rôles',
      'Créé le',
      'Expire le',
      'Statut',
      'Utilisé par',
      'Utilisé le',
      'Désactivé le',
    ]);
    const usedRow = rows.find((row) => row[1]!.endsWith(toUse!.slice(-4)))!;
    assert.equal(usedRow[0], 'Hélène Garçon');
    assert.equal(usedRow[1], `••••••••-••••-••••-••••-••••••••${toUse!.slice(-4)}`);
    assert.equal(usedRow[7], 'Utilisé');
    assert.match(usedRow[8]!, /^Maëlle Crépin \(/);
    assert.match(usedRow[9]!, /^\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}$/);
    const deactivatedRow = rows.find((row) => row[1]!.endsWith(toDeactivate!.slice(-4)))!;
    assert.equal(deactivatedRow[7], 'Désactivé');
    assert.ok(!csv.text.includes(toUse!) && !csv.text.includes(toDeactivate!), 'codes stay masked');
  });
});

describe('the invitation pages', () => {
  it('re-show the creation form with each error, and tell the person at the redemption form what went wrong', async () => {
    const form = await admin.client.get(`/organisations/${SIRET.commune}/codes-invitation/creer`);
    assert.equal(form.status, 200);
    const csrf = csrfTokenOf(form.text);
    const creationPath = `/organisations/${SIRET.commune}/codes-invitation/creer`;
    // Post/redirect/get: a refused form goes back to its page, which shows each error once.
    const bad = await admin.client.postForm(creationPath, {
      _csrf: csrf,
      count: '11',
      validityDays: '0',
    });
    assert.equal(bad.status, 303);
    assert.equal(bad.headers.get('location'), creationPath);
    const badPage = await admin.client.get(creationPath);
    assert.equal(badPage.status, 422);
    assert.match(badPage.text, /Le formulaire contient 3 erreurs/);
    assert.match(badPage.text, /Indiquez un nombre de codes entre 1 et 10/);
    assert.match(badPage.text, /Indiquez une validité entre 1 et 90 jours/);
    assert.match(badPage.text, /Choisissez au moins un rôle/);
    assert.match(badPage.text, /value="11"/, 'what was typed stays');
    assert.equal((await admin.client.get(creationPath)).status, 200, 'once');

    const created = await admin.client.postForm(creationPath, {
      _csrf: csrf,
      count: '2',
      validityDays: '3',
      roles: 'demandeur',
    });
    assert.equal(created.status, 303);
    const shownAt = created.headers.get('location')!;
    assert.equal(shownAt, `/organisations/${SIRET.commune}/codes-invitation/crees`);
    const createdPage = await admin.client.get(shownAt);
    assert.equal(createdPage.status, 200);
    assert.equal(createdPage.headers.get('cache-control'), 'no-store');
    const shown = [
      ...createdPage.text.matchAll(/<code class="sesame-codes__code"[^>]*>([^<]+)<\/code>/g),
    ].map((match) => match[1]!);
    assert.equal(shown.length, 2);
    assert.match(createdPage.text, /<script src="\/static\/invitation-codes.js" defer><\/script>/);
    assert.match(
      createdPage.text,
      /data-copy="Code d’invitation : [0-9a-f-]{36}\nOrganisation : COMMUNE DE SAINT-EXEMPLE-SUR-LOIRE/,
    );
    const refreshed = await admin.client.get(shownAt);
    assert.equal(refreshed.status, 303, 'a refresh shows them no more');
    assert.equal(refreshed.headers.get('location'), `/organisations/${SIRET.commune}/codes-invitation`);
    const script = await platform.client().get('/static/invitation-codes.js');
    assert.equal(script.status, 200);
    assert.match(script.headers.get('content-type') ?? '', /javascript/);
    const list = await admin.client.get(`/organisations/${SIRET.commune}/codes-invitation`);
    assert.ok(
      shown.every((code) => !list.text.includes(code)),
      'listed masked afterwards',
    );
    assert.ok(shown.every((code) => list.text.includes(`••••••••-••••-••••-••••-••••••••${code.slice(-4)}`)));

    const person = await createPerson(platform, { ip: freshIp() });
    const redeemPath = '/invitations/utiliser';
    const redeemPage = await person.client.get(redeemPath);
    assert.equal(redeemPage.status, 200);
    const token = csrfTokenOf(redeemPage.text);
    /** Each refused code goes back to the form (303), which tells what went wrong. */
    const refused = async (code: string) => {
      const answer = await person.client.postForm(redeemPath, { _csrf: token, code });
      assert.equal(answer.status, 303);
      assert.equal(answer.headers.get('location'), redeemPath);
      const page = await person.client.get(redeemPath);
      assert.equal(page.status, 422, 'the refused form answers 422 once the redirect is followed');
      return page.text;
    };
    assert.match(await refused('1234'), /n’a pas le bon format/);
    assert.match(await refused(crypto.randomUUID()), /Ce code d’invitation n’existe pas/);
    const joined = await person.client.postForm(redeemPath, { _csrf: token, code: shown[0]! });
    assert.equal(joined.status, 303);
    assert.equal(joined.headers.get('location'), `/organisations/${SIRET.commune}`);
    assert.match(await refused(shown[0]!), /déjà été utilisé/);

    const anonymous = await platform.client().get('/invitations/utiliser');
    assert.equal(anonymous.status, 302);
    assert.match(anonymous.headers.get('location') ?? '', /^\/connexion\?retour=/);
  });

  it('ask before deactivating, and answer odd choices with a redirect or a 404, never a 500', async () => {
    const list = `/organisations/${SIRET.commune}/codes-invitation`;
    const created = await admin.client.send('POST', `/api/v1/organisations/${SIRET.commune}/invitations`, {
      count: 2,
      roles: ['demandeur'],
    });
    const ids = (created.json.codes as { id: string }[]).map((code) => code.id);
    const confirm = await admin.client.get(`${list}/desactiver?code=${ids[0]}&code=${ids[1]!.toUpperCase()}`);
    assert.equal(confirm.status, 200);
    assert.match(confirm.text, /Désactiver 2 codes d’invitation/);
    const stillValid = await admin.client.get(
      `/api/v1/organisations/${SIRET.commune}/invitations?status=valid`,
    );
    assert.ok(
      ids.every((id) => JSON.stringify(stillValid.json).includes(id)),
      'asking changes nothing',
    );

    for (const query of ['', '?code=', '?code[a]=b'])
      assert.equal((await admin.client.get(`${list}/desactiver${query}`)).status, 303, query);
    // A value that is no code's id names nothing, as an unknown id does (and is never dropped from a choice).
    for (const query of ['?code=pas-un-id', '?code=1&code=2'])
      assert.equal((await admin.client.get(`${list}/desactiver${query}`)).status, 404, query);
    assert.equal((await admin.client.get(`${list}/desactiver?code=${crypto.randomUUID()}`)).status, 404);
    const csrf = csrfTokenOf(confirm.text);
    assert.equal((await admin.client.postForm(`${list}/desactiver`, { _csrf: csrf })).status, 404);
    assert.equal(
      (await admin.client.postForm(`${list}/desactiver`, { _csrf: csrf, code: crypto.randomUUID() })).status,
      404,
    );
    const done = await admin.client.postForm(`${list}/desactiver`, { _csrf: csrf, code: ids.join(',') });
    assert.equal(done.status, 303);
    assert.match((await admin.client.get(list)).text, /Les 2 codes sont désactivés/);
    // Nothing left to deactivate: the confirmation page says so instead.
    const again = await admin.client.get(`${list}/desactiver?code=${ids[0]}`);
    assert.equal(again.status, 303);
    assert.equal((await admin.client.get(`${list}/crees`)).status, 303, 'no codes to show once');
  });
});
