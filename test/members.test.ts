import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { downloadCsv, parseCsv } from './helpers/csv.ts';
import { newEmail, signUpAndActivate, SIRET } from './helpers/accounts.ts';
import { csrfTokenOf, type HttpClient } from './helpers/http-client.ts';
import { createPerson, type Person } from './helpers/people.ts';
import { DEMO_PASSWORD, startTestPlatform, type TestPlatform } from './helpers/platform.ts';

let platform: TestPlatform;

before(async () => {
  platform = await startTestPlatform();
});
after(async () => {
  await platform.stop();
});

const api = (siret: string, rest = '') => `/api/v1/organisations/${siret}${rest}`;

interface Organisation {
  siret: string;
  manager: { client: HttpClient; email: string; userId: string };
}

/** An organisation created by its main manager's sign-up. */
async function organisation(siret: string, domain: string): Promise<Organisation> {
  const signedUp = await signUpAndActivate(platform, {
    siret,
    givenName: 'Françoise',
    familyName: 'Lemaître',
    email: newEmail(domain, 'francoise'),
  });
  return { siret, manager: { ...signedUp, userId: signedUp.activation.user.id } };
}

/** Someone who joins through an invitation code the main manager created. */
async function invited(
  org: Organisation,
  roles: string[],
  names: { givenName?: string; familyName?: string } = {},
) {
  const created = await org.manager.client.send('POST', api(org.siret, '/invitations'), { count: 1, roles });
  assert.equal(created.status, 201, created.text);
  const person = await createPerson(platform, { ...names, ip: '192.0.2.10' });
  const redeemed = await person.client.send('POST', '/api/v1/invitations/redeem', {
    code: created.json.codes[0].code,
  });
  assert.equal(redeemed.status, 200, redeemed.text);
  return person;
}

const setRoles = (client: HttpClient, org: Organisation, userId: string, roles: unknown) =>
  client.send('PATCH', api(org.siret, `/members/${userId}`), { roles });

describe('the member list', () => {
  it('shows each member’s roles, status, how they joined and last sign-in, to administrators only', async () => {
    const org = await organisation(SIRET.department, 'loire-exemplaire.fr');
    const colleague = await signUpAndActivate(platform, {
      siret: SIRET.department,
      givenName: 'Noël',
      familyName: 'Ñúñez',
      email: newEmail('loire-exemplaire.fr', 'noel'),
    });
    const waiting = await signUpAndActivate(platform, {
      siret: SIRET.department,
      email: newEmail('orange.fr'),
    });
    const reader = await invited(org, ['lecteur'], { givenName: 'Zoé', familyName: 'Bâtard-Éluard' });

    const list = await org.manager.client.get(api(org.siret, '/members'));
    assert.equal(list.status, 200, list.text);
    const byEmail = new Map(list.json.map((member: { email: string }) => [member.email, member]));
    assert.equal(list.json.length, 4);
    const manager = byEmail.get(org.manager.email) as Record<string, unknown>;
    assert.deepEqual(
      [manager.roles, manager.status, manager.joinedVia],
      [['gestionnaire_principal'], 'active', 'creation'],
    );
    const domainMember = byEmail.get(colleague.email) as Record<string, unknown>;
    assert.deepEqual(
      [domainMember.givenName, domainMember.roles, domainMember.joinedVia],
      ['Noël', ['demandeur'], 'email_domain'],
    );
    const pending = byEmail.get(waiting.email) as Record<string, unknown>;
    assert.equal(pending.status, 'pending_support');
    const readerRow = byEmail.get(reader.email) as Record<string, unknown>;
    assert.deepEqual([readerRow.roles, readerRow.joinedVia], [['lecteur'], 'invitation']);
    assert.ok(Date.now() - Date.parse(readerRow.lastLoginAt as string) < 60_000, 'signed in just now');
    // Activation opens the person's session: it is their first sign-in (the list said "never" before).
    const activatedAt = Date.parse(domainMember.lastLoginAt as string);
    assert.ok(Date.now() - activatedAt < 60_000, 'signed in by the activation');

    // Last sign-in follows real sign-ins.
    await platform.client().signIn(colleague.email, 'une phrase de passe assez longue');
    const again = await org.manager.client.get(api(org.siret, '/members'));
    const signedIn = again.json.find((member: { email: string }) => member.email === colleague.email);
    assert.ok(Date.parse(signedIn.lastLoginAt as string) > activatedAt, 'moved by the sign-in');

    for (const client of [colleague.client, reader.client, (await createPerson(platform)).client]) {
      assert.equal((await client.get(api(org.siret, '/members'))).status, 404);
      assert.equal((await client.get(api(org.siret, '/members.csv'))).status, 404);
    }
    assert.equal((await platform.client().get(api(org.siret, '/members'))).status, 401);

    const csv = await downloadCsv(org.manager.client, api(org.siret, '/members.csv'));
    assert.equal(csv.status, 200);
    assert.equal(csv.headers.get('content-type'), 'text/csv; charset=utf-8');
    assert.match(
      csv.headers.get('content-disposition') ?? '',
      /^attachment; filename="membres-22450605500017-[\d-]+\.csv"$/,
    );
    const { bom, rows } = parseCsv(csv.text);
    assert.equal(bom, true);
    assert.deepEqual(rows[0], [
      'Nom',
      'Prénom',
      'Adresse électronique',
      'Rôles',
      'État',
      'Rattachement',
      'Membre depuis',
      'Dernière connexion',
    ]);
    assert.equal(rows.length, 5);
    const zoe = rows.find((row) => row[2] === reader.email)!;
    assert.deepEqual(zoe.slice(0, 6), [
      'Bâtard-Éluard',
      'Zoé',
      reader.email,
      'Lecteur',
      'Actif',
      'Code d’invitation',
    ]);
    assert.match(zoe[7]!, /^\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}$/);
    const noel = rows.find((row) => row[2] === colleague.email)!;
    assert.deepEqual(noel.slice(0, 2), ['Ñúñez', 'Noël']);
    assert.equal(rows.find((row) => row[2] === waiting.email)![4], 'En attente de validation par le support');
  });
});

describe('changing a member’s roles', () => {
  it('applies on the member’s very next request', async () => {
    const org = await organisation(SIRET.region, 'val-de-fiction.fr');
    const member = await invited(org, ['demandeur']);
    const members = api(org.siret, '/members');
    assert.equal((await member.client.get(members)).status, 404);

    const promoted = await setRoles(org.manager.client, org, member.userId, ['demandeur', 'administrateur']);
    assert.equal(promoted.status, 200, promoted.text);
    assert.deepEqual(promoted.json, { userId: member.userId, roles: ['administrateur', 'demandeur'] });
    assert.equal((await member.client.get(members)).status, 200, 'administrator at once, same session');
    const me = (await member.client.get('/api/v1/me')).json;
    assert.deepEqual(
      me.memberships.find((m: { organisation: { siret: string } }) => m.organisation.siret === org.siret)
        .roles,
      ['administrateur', 'demandeur'],
    );

    assert.equal((await setRoles(org.manager.client, org, member.userId, ['lecteur'])).status, 200);
    assert.equal((await member.client.get(members)).status, 404, 'no longer an administrator');
    assert.equal(
      (await member.client.send('POST', api(org.siret, '/invitations'), { count: 1, roles: ['demandeur'] }))
        .status,
      404,
    );
  });

  it('refuses empty, unknown and conflicting roles, and never gives or takes the main manager’s role', async () => {
    const org = await organisation(SIRET.university, 'univ-fiction.fr');
    const member = await invited(org, ['demandeur']);
    const outsiderOrg = await organisation(SIRET.portExemple, 'port-exemple.fr');

    const refused = async (roles: unknown, message: RegExp) => {
      const answer = await setRoles(org.manager.client, org, member.userId, roles);
      assert.equal(answer.status, 422, `${JSON.stringify(roles)}: ${answer.text}`);
      assert.equal(answer.json.errors[0].path.split('.')[0], 'roles');
      assert.match(answer.json.errors[0].message, message);
    };
    await refused([], /au moins un rôle/);
    await refused(undefined, /au moins un rôle/);
    await refused('administrateur', /au moins un rôle/);
    await refused(['superviseur'], /Rôle inconnu/);
    await refused(['lecteur', 'administrateur'], /« Lecteur » est exclusif.*« Administrateur »/);
    await refused(['gestionnaire_principal'], /ne s’attribue pas/);

    const demoted = await setRoles(org.manager.client, org, org.manager.userId, ['administrateur']);
    assert.equal(demoted.status, 409);
    assert.equal(demoted.json.error, 'main_manager_must_hand_over');
    // The main manager may add a role to their own, though.
    const widened = await setRoles(org.manager.client, org, org.manager.userId, [
      'gestionnaire_principal',
      'demandeur',
    ]);
    assert.equal(widened.status, 200);
    const conflicting = await setRoles(org.manager.client, org, org.manager.userId, [
      'gestionnaire_principal',
      'lecteur',
    ]);
    assert.equal(conflicting.status, 422);

    // Objects that are not this organisation's members, and people who are not its administrators.
    assert.equal(
      (await setRoles(org.manager.client, org, outsiderOrg.manager.userId, ['demandeur'])).status,
      404,
    );
    assert.equal((await setRoles(org.manager.client, org, crypto.randomUUID(), ['demandeur'])).status, 404);
    assert.equal(
      (await org.manager.client.send('PATCH', api(org.siret, '/members/pas-un-id'), { roles: ['demandeur'] }))
        .status,
      404,
    );
    assert.equal((await setRoles(member.client, org, member.userId, ['administrateur'])).status, 404);
    assert.equal(
      (await setRoles(outsiderOrg.manager.client, org, member.userId, ['administrateur'])).status,
      404,
    );
    const support = platform.client();
    await support.signIn('support@sesame.test', DEMO_PASSWORD);
    assert.equal((await setRoles(support, org, member.userId, ['administrateur'])).status, 404);

    const list = (await org.manager.client.get(api(org.siret, '/members'))).json;
    assert.deepEqual(list.find((m: { userId: string }) => m.userId === member.userId).roles, ['demandeur']);
  });
});

describe('removing members and leaving', () => {
  it('lets administrators remove members and members leave, but never the main manager', async () => {
    const org = await organisation(SIRET.otherCommune, 'autre-commune.fr');
    const admin = await invited(org, ['administrateur']);
    const applicant = await invited(org, ['demandeur']);
    const leaver = await invited(org, ['lecteur']);
    const remove = (client: HttpClient, person: { userId: string }) =>
      client.send('DELETE', api(org.siret, `/members/${person.userId}`));

    assert.equal((await remove(applicant.client, leaver)).status, 404, 'an applicant cannot remove others');
    assert.equal((await remove(admin.client, org.manager)).status, 409);
    const selfRemoval = await remove(org.manager.client, org.manager);
    assert.equal(selfRemoval.status, 409);
    assert.equal(selfRemoval.json.error, 'main_manager_must_hand_over');
    assert.match(selfRemoval.json.message, /transmettez d’abord ce rôle/);

    assert.equal((await remove(admin.client, applicant)).status, 204);
    assert.equal(
      (await applicant.client.get(api(org.siret))).status,
      404,
      'the organisation is gone for them',
    );
    assert.equal((await applicant.client.get('/api/v1/me')).json.currentOrganisation, null);
    assert.equal((await remove(admin.client, applicant)).status, 404, 'removing twice: no such member');

    assert.equal((await remove(leaver.client, leaver)).status, 204, 'a reader leaves on their own');
    assert.equal((await leaver.client.get(api(org.siret, '/events'))).status, 404);

    const left = (await org.manager.client.get(api(org.siret, '/members'))).json.map(
      (m: { userId: string }) => m.userId,
    );
    assert.deepEqual(new Set(left), new Set([org.manager.userId, admin.userId]));
  });
});

describe('handing the main manager’s role over', () => {
  it('makes another member main manager; the former one stays an administrator and may then leave', async () => {
    const org = await organisation(SIRET.association, 'asso-fiction.org');
    const successor = await invited(org, ['lecteur']);
    const admin = await invited(org, ['administrateur']);
    const applicant = await invited(org, ['demandeur']);
    const handOver = (client: HttpClient, body: unknown) =>
      client.send('POST', api(org.siret, '/main-manager'), body);

    assert.equal(
      (await handOver(admin.client, { userId: admin.userId })).status,
      403,
      'administrators are told it is not theirs',
    );
    assert.equal((await handOver(applicant.client, { userId: applicant.userId })).status, 404);
    const self = await handOver(org.manager.client, { userId: org.manager.userId });
    assert.equal(self.status, 422);
    assert.equal(self.json.errors[0].path, 'userId');
    const stranger: Person = await createPerson(platform);
    assert.equal((await handOver(org.manager.client, { userId: stranger.userId })).status, 422);
    assert.equal((await handOver(org.manager.client, { userId: 'personne' })).status, 422);
    assert.equal((await handOver(org.manager.client, {})).status, 422);

    const done = await handOver(org.manager.client, { userId: successor.userId });
    assert.equal(done.status, 200, done.text);
    assert.deepEqual(done.json, {
      from: { userId: org.manager.userId, roles: ['administrateur'] },
      to: { userId: successor.userId, roles: ['gestionnaire_principal'] },
    });
    const roles = new Map(
      (await successor.client.get(api(org.siret, '/members'))).json.map(
        (m: { userId: string; roles: string[] }) => [m.userId, m.roles],
      ),
    );
    assert.deepEqual(roles.get(successor.userId), ['gestionnaire_principal']);
    assert.deepEqual(roles.get(org.manager.userId), ['administrateur']);

    assert.equal(
      (await handOver(org.manager.client, { userId: admin.userId })).status,
      403,
      'no longer theirs to give',
    );
    assert.equal(
      (await org.manager.client.send('DELETE', api(org.siret, `/members/${successor.userId}`))).status,
      409,
      'the new main manager cannot be removed',
    );
    assert.equal(
      (await org.manager.client.send('DELETE', api(org.siret, `/members/${org.manager.userId}`))).status,
      204,
      'the former main manager may leave',
    );
    const count = await platform.services.db.query(
      `SELECT count(*)::int AS n FROM memberships m JOIN organisations o ON o.id = m.organisation_id
        WHERE o.siret = $1 AND 'gestionnaire_principal' = ANY (m.roles)`,
      [org.siret],
    );
    assert.equal(count.rows[0].n, 1);
  });
});

describe('the member pages', () => {
  it('change roles, hand over, remove and leave through forms, and do not exist for other members', async () => {
    const org = await organisation(SIRET.communeAnnex, 'annexe-exemple.fr');
    const member = await invited(org, ['demandeur'], { givenName: 'Élodie', familyName: 'Carré' });
    const leaver = await invited(org, ['lecteur']);
    const page = await org.manager.client.get(`/organisations/${org.siret}/membres`);
    assert.equal(page.status, 200);
    assert.match(page.text, /Élodie Carré/);
    assert.match(page.text, /Transmettre le rôle de gestionnaire principal/);
    const csrf = csrfTokenOf(page.text);
    const post = (client: HttpClient, path: string, fields: Record<string, string>) =>
      client.request('POST', path, {
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(Object.entries(fields)).toString(),
      });

    const form = new URLSearchParams([
      ['_csrf', csrf],
      ['roles', 'administrateur'],
      ['roles', 'demandeur'],
    ]);
    const changed = await org.manager.client.request(
      'POST',
      `/organisations/${org.siret}/membres/${member.userId}/roles`,
      {
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
      },
    );
    assert.equal(changed.status, 303);
    const after = await org.manager.client.get(`/organisations/${org.siret}/membres`);
    assert.match(after.text, /Les rôles sont enregistrés/);
    assert.equal(
      (await member.client.get(`/organisations/${org.siret}/membres`)).status,
      200,
      'now an administrator',
    );

    const none = await post(
      org.manager.client,
      `/organisations/${org.siret}/membres/${member.userId}/roles`,
      {
        _csrf: csrf,
      },
    );
    assert.equal(none.status, 303);
    assert.match(
      (await org.manager.client.get(`/organisations/${org.siret}/membres`)).text,
      /Choisissez au moins un rôle/,
    );

    const leave = await post(org.manager.client, `/organisations/${org.siret}/quitter`, { _csrf: csrf });
    assert.equal(leave.headers.get('location'), `/organisations/${org.siret}`);
    assert.match(
      (await org.manager.client.get(`/organisations/${org.siret}`)).text,
      /transmettez d’abord ce rôle/,
    );

    const readerPage = await leaver.client.get(`/organisations/${org.siret}`);
    assert.match(readerPage.text, /Fil d’événements/);
    assert.match(readerPage.text, /Élodie Carré/);
    assert.doesNotMatch(readerPage.text, /Codes d’invitation/, 'no administration links for a reader');
    assert.equal((await leaver.client.get(`/organisations/${org.siret}/membres`)).status, 404);
    assert.equal((await leaver.client.get(`/organisations/${org.siret}/codes-invitation`)).status, 404);
    assert.equal((await leaver.client.get(`/organisations/${org.siret}/codes-invitation/creer`)).status, 404);
    const leaving = await leaver.client.get(`/organisations/${org.siret}/quitter`);
    assert.equal(leaving.status, 200);
    assert.match(leaving.text, /<h1>Quitter [^<]+ \?<\/h1>/);
    assert.equal(
      (await leaver.client.get(`/organisations/${org.siret}`)).status,
      200,
      'asking changes nothing',
    );
    const readerLeaves = await post(leaver.client, `/organisations/${org.siret}/quitter`, {
      _csrf: csrfTokenOf(readerPage.text),
    });
    assert.equal(readerLeaves.headers.get('location'), '/tableau-de-bord');
    assert.equal((await leaver.client.get(`/organisations/${org.siret}`)).status, 404);

    const handedOver = await post(org.manager.client, `/organisations/${org.siret}/gestionnaire-principal`, {
      _csrf: csrf,
      userId: member.userId,
    });
    assert.equal(handedOver.status, 303);
    assert.match(
      (await org.manager.client.get(`/organisations/${org.siret}/membres`)).text,
      /Le rôle de gestionnaire principal a été transmis/,
    );
    // The list's button leads to a confirmation page naming the member; the page itself changes nothing.
    const confirmation = await member.client.get(
      `/organisations/${org.siret}/membres/${org.manager.userId}/retirer`,
    );
    assert.equal(confirmation.status, 200);
    assert.match(confirmation.text, /<h1>Retirer [^<]+ de [^<]+ \?<\/h1>/);
    assert.match(confirmation.text, /Cette action est définitive/);
    assert.equal(
      (await org.manager.client.get(`/organisations/${org.siret}/membres`)).status,
      200,
      'still there',
    );
    const removed = await post(
      member.client,
      `/organisations/${org.siret}/membres/${org.manager.userId}/retirer`,
      {
        _csrf: csrfTokenOf((await member.client.get(`/organisations/${org.siret}/membres`)).text),
      },
    );
    assert.equal(removed.status, 303);
    assert.equal(
      (await org.manager.client.get(`/organisations/${org.siret}/membres`)).status,
      404,
      'removed by the new main manager',
    );
    assert.equal(
      (await member.client.get(`/organisations/${org.siret}/membres/pas-un-id/retirer`)).status,
      404,
    );
    assert.equal((await member.client.get(`/organisations/123/membres`)).status, 404);
  });
});
