import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { emailsTo, newEmail, signUpAndActivate, SIRET } from './helpers/accounts.ts';
import { approvedTechnicalAccountRequest, introspect, providerCredentials } from './helpers/habilitations.ts';
import { csrfTokenOf } from './helpers/http-client.ts';
import { eventually, startTestPlatform, type TestPlatform } from './helpers/platform.ts';

let platform: TestPlatform;
type Member = Awaited<ReturnType<typeof signUpAndActivate>>;
/** The commune's main manager (who creates accounts), and an applicant (who made the request). */
let manager: Member;
let applicant: Member;
let chorus: Awaited<ReturnType<typeof providerCredentials>>;
let entreprise: Awaited<ReturnType<typeof providerCredentials>>;

const base = `/api/v1/organisations/${SIRET.commune}/technical-accounts`;
const basic = (login: string, password: string) => Buffer.from(`${login}:${password}`).toString('base64');

/**
 * A platform whose technical-account passwords expire seconds after they are set (TECH_ACCOUNT_PASSWORD_TTL),
 * and an account created there as the tests start, so that its password has expired when its test looks.
 */
let shortLived: {
  platform: TestPlatform;
  manager: Member;
  chorus: Awaited<ReturnType<typeof providerCredentials>>;
  account: { login: string; password: string };
  activeWhenCreated: boolean;
};

async function startShortLived(): Promise<typeof shortLived> {
  const short = await startTestPlatform({
    // Long enough for the account to be checked right after its creation on a loaded machine.
    env: { LAST_USED_FLUSH_INTERVAL: '1h', TECH_ACCOUNT_PASSWORD_TTL: '10s' },
  });
  const shortManager = await signUpAndActivate(short, {
    siret: SIRET.commune,
    email: newEmail('saint-exemple.fr', 'maire'),
  });
  await approvedTechnicalAccountRequest(short, shortManager.client, { scopes: ['factures_depot'] });
  const provider = await providerCredentials(short, 'chorus-pro');
  const created = await shortManager.client.send('POST', base);
  assert.equal(created.status, 201, created.text);
  const account = { login: created.json.login as string, password: created.json.password as string };
  const answer = await introspect(short, provider.basic, {
    token: basic(account.login, account.password),
    token_type_hint: 'basic_credentials',
  });
  return {
    platform: short,
    manager: shortManager,
    chorus: provider,
    account,
    activeWhenCreated: answer.json.active === true,
  };
}

before(async () => {
  const expiring = startShortLived();
  platform = await startTestPlatform({ env: { LAST_USED_FLUSH_INTERVAL: '1h' } });
  manager = await signUpAndActivate(platform, {
    siret: SIRET.commune,
    email: newEmail('saint-exemple.fr', 'maire'),
  });
  applicant = await signUpAndActivate(platform, {
    siret: SIRET.commune,
    email: newEmail('saint-exemple.fr', 'agent'),
  });
  // The applicant asks for every scope of the definition; the instructor grants two of them.
  await approvedTechnicalAccountRequest(platform, applicant.client, {
    scopes: ['factures_depot', 'factures_consultation', 'structures_gestion'],
    grantedScopes: ['factures_depot', 'factures_consultation'],
  });
  chorus = await providerCredentials(platform, 'chorus-pro');
  entreprise = await providerCredentials(platform, 'api-entreprise');
  shortLived = await expiring;
});
after(async () => {
  await Promise.all([platform?.stop(), shortLived?.platform.stop()]);
});

async function create(): Promise<{ id: string; login: string; password: string; passwordExpiresAt: string }> {
  const answer = await manager.client.send('POST', base);
  assert.equal(answer.status, 201, answer.text);
  return answer.json;
}

/** After the answer that showed it, the password is nowhere the main manager can look: list, pages, API. */
async function assertNotShownAgain(accountId: string, password: string) {
  const pages = `/organisations/${SIRET.commune}/comptes-techniques`;
  for (const [where, answer] of [
    ['the list', await manager.client.get(base)],
    ['the page', await manager.client.get(pages)],
    ['the reset page', await manager.client.get(`${pages}/${accountId}/reinitialisation`)],
  ] as const) {
    assert.equal(answer.status, 200, `${where}: ${answer.text}`);
    assert.ok(answer.text.includes(accountId), `${where} is about the account`);
    assert.ok(!answer.text.includes(password), `${where} does not show the password again`);
  }
}

async function check(login: string, password: string, provider = chorus) {
  const answer = await introspect(platform, provider.basic, {
    token: basic(login, password),
    token_type_hint: 'basic_credentials',
  });
  assert.equal(answer.status, 200);
  return answer.json;
}

describe('technical accounts', () => {
  it('are created by the main manager: login from the SIRET, password shown once, manager emailed without it', async () => {
    const account = await create();
    assert.match(account.login, new RegExp(`^TECH_${SIRET.commune}_\\d+$`));
    assert.ok(account.password.length >= 22, '≥ 128 bits');
    await assertNotShownAgain(account.id, account.password);
    assert.ok(new Date(account.passwordExpiresAt).getTime() > Date.now() + 300 * 86_400_000);
    const [email] = await emailsTo(platform, manager.email, {
      subject: new RegExp(`Compte technique ${account.login} créé`),
    });
    assert.ok(!email!.text.includes(account.password));
    const second = await create();
    assert.notEqual(second.login, account.login);
    assert.equal(Number(second.login.split('_').at(-1)), Number(account.login.split('_').at(-1)) + 1);
    const stored = await platform.services.db.query('SELECT * FROM technical_accounts WHERE id = $1', [
      account.id,
    ]);
    assert.ok(!JSON.stringify(stored.rows).includes(account.password), 'only a hash is stored');
    assert.match(stored.rows[0].password_hash, /^\$argon2id\$/);
  });

  it('answer introspection with the organisation’s technical-account scopes, and record use in batches', async () => {
    const account = await create();
    const answer = await check(account.login, account.password);
    assert.equal(answer.active, true);
    assert.equal(answer.scope.split(' ').sort().join(' '), 'factures_consultation factures_depot');
    assert.equal(answer.username, account.login);
    assert.equal(answer.token_type, 'basic_credentials');
    assert.equal(answer.organisation.siret, SIRET.commune);
    const listed = async () =>
      ((await manager.client.get(base)).json as { id: string; lastUse: { kind: string } }[]).find(
        (candidate) => candidate.id === account.id,
      )!;
    assert.equal((await listed()).lastUse.kind, 'never');
    await platform.services.introspection.flush();
    assert.equal((await listed()).lastUse.kind, 'at');
    // SQL on purpose: "unknown" is for accounts created before last use was tracked (usage_tracked = false, see
    // the credentials migration); nothing the platform does today creates one, so no API call reaches it.
    await platform.services.db.query('UPDATE technical_accounts SET usage_tracked = false WHERE id = $1', [
      account.id,
    ]);
    assert.equal((await listed()).lastUse.kind, 'unknown');
  });

  it('refuse a wrong password, another provider, an expired password and a deleted account', async () => {
    const account = await create();
    assert.deepEqual(await check(account.login, `${account.password}x`), { active: false });
    assert.deepEqual(await check('TECH_00000000000000_1', account.password), { active: false });
    assert.deepEqual(await check(account.login, account.password, entreprise), { active: false });
    for (const malformed of [
      'pas-du-base64!',
      basic(account.login, ''),
      Buffer.from('sans-deux-points').toString('base64'),
    ]) {
      const answer = await introspect(platform, chorus.basic, {
        token: malformed,
        token_type_hint: 'basic_credentials',
      });
      assert.deepEqual(answer.json, { active: false }, malformed);
    }
    assert.equal((await check(account.login, account.password)).active, true);

    // An expired password: the account created, seconds-valid, on the short-lived platform as the tests started.
    const expired = shortLived.account;
    assert.equal(shortLived.activeWhenCreated, true, 'it worked until its password expired');
    await eventually(
      async () => {
        const listed = (await shortLived.manager.client.get(base)).json as {
          login: string;
          status: string;
        }[];
        return listed.find((candidate) => candidate.login === expired.login)?.status === 'password_expired'
          ? true
          : undefined;
      },
      60_000,
      'the password’s expiry',
    );
    const refused = await introspect(shortLived.platform, shortLived.chorus.basic, {
      token: basic(expired.login, expired.password),
      token_type_hint: 'basic_credentials',
    });
    assert.deepEqual(refused.json, { active: false });

    const other = await create();
    assert.equal((await check(other.login, other.password)).active, true);
    assert.equal((await manager.client.send('DELETE', `${base}/${other.id}`)).status, 204);
    assert.deepEqual(await check(other.login, other.password), { active: false });
    assert.equal((await manager.client.send('DELETE', `${base}/${other.id}`)).status, 404);
  });

  it('reset their password only with confirmation: the old one dies at once, the new one is shown once', async () => {
    const account = await create();
    assert.equal((await check(account.login, account.password)).active, true); // now cached as verified
    for (const body of [{}, { confirm: false }, { confirm: 'oui' }]) {
      const refused = await manager.client.send('POST', `${base}/${account.id}/reset-password`, body);
      assert.equal(refused.status, 422, JSON.stringify(body));
      assert.equal(refused.json.errors[0].path, 'confirm');
    }
    const reset = await manager.client.send('POST', `${base}/${account.id}/reset-password`, {
      confirm: true,
    });
    assert.equal(reset.status, 200, reset.text);
    assert.notEqual(reset.json.password, account.password);
    assert.deepEqual(
      await check(account.login, account.password),
      { active: false },
      'the old password is dead',
    );
    assert.equal((await check(account.login, reset.json.password)).active, true);
    await assertNotShownAgain(account.id, reset.json.password);
    const [email] = await emailsTo(platform, manager.email, { subject: /réinitialisé/ });
    assert.ok(!email!.text.includes(reset.json.password));
  });

  it('reset through the page only when the box is ticked: without it the form comes back and the password still works', async () => {
    const account = await create();
    const page = `/organisations/${SIRET.commune}/comptes-techniques/${account.id}/reinitialisation`;
    const form = await manager.client.get(page);
    assert.equal(form.status, 200);
    for (const fields of [{}, { confirm: 'non' }] as Record<string, string>[]) {
      const posted = await manager.client.postForm(page, { _csrf: csrfTokenOf(form.text), ...fields });
      assert.equal(posted.status, 303, JSON.stringify(fields));
      assert.equal(posted.headers.get('location'), page);
      const refused = await manager.client.get(page);
      assert.equal(refused.status, 422);
      assert.match(refused.text, /id="confirmation-erreur"/);
    }
    assert.equal((await check(account.login, account.password)).active, true, 'the password was not reset');
  });

  it('exist for nobody but the main manager (404)', async () => {
    const account = await create();
    const outsider = await signUpAndActivate(platform, {
      siret: SIRET.region,
      email: newEmail('val-de-fiction.fr'),
    });
    for (const client of [applicant.client, outsider.client]) {
      assert.equal((await client.get(base)).status, 404);
      assert.equal((await client.send('POST', base)).status, 404);
      assert.equal(
        (await client.send('POST', `${base}/${account.id}/reset-password`, { confirm: true })).status,
        404,
      );
      assert.equal((await client.send('DELETE', `${base}/${account.id}`)).status, 404);
      // The pages that confirm a reset or a deletion name nothing either.
      const pages = `/organisations/${SIRET.commune}/comptes-techniques/${account.id}`;
      assert.equal((await client.get(`${pages}/reinitialisation`)).status, 404);
      assert.equal((await client.get(`${pages}/suppression`)).status, 404);
    }
    const managerPages = `/organisations/${SIRET.commune}/comptes-techniques`;
    for (const id of ['pas-un-id', '00000000-0000-4000-8000-000000000000']) {
      assert.equal((await manager.client.get(`${managerPages}/${id}/suppression`)).status, 404, id);
      assert.equal((await manager.client.get(`${managerPages}/${id}/reinitialisation`)).status, 404, id);
    }
    // The region's main manager has no habilitation using technical accounts.
    const refused = await outsider.client.send(
      'POST',
      `/api/v1/organisations/${SIRET.region}/technical-accounts`,
    );
    assert.equal(refused.status, 409);
    assert.equal(refused.json.error, 'no_technical_account_habilitation');
  });

  it('email whoever is the main manager at the time, not the account’s creator', async () => {
    const account = await create();
    const members = `/api/v1/organisations/${SIRET.commune}/members`;
    const handOver = async (from: Member, to: Member) => {
      const answer = await from.client.send('POST', `/api/v1/organisations/${SIRET.commune}/main-manager`, {
        userId: to.activation.user.id,
      });
      assert.equal(answer.status, 200, answer.text);
    };
    // The role is handed over (one main manager at a time), as the members page does it.
    await handOver(manager, applicant);
    try {
      const reset = await applicant.client.send('POST', `${base}/${account.id}/reset-password`, {
        confirm: true,
      });
      assert.equal(reset.status, 200);
      await emailsTo(platform, applicant.email, { subject: new RegExp(`${account.login} réinitialisé`) });
    } finally {
      // Handed back; the applicant, left an administrator by the hand-over, is an applicant again.
      await handOver(applicant, manager);
      const restored = await manager.client.send('PATCH', `${members}/${applicant.activation.user.id}`, {
        roles: ['demandeur'],
      });
      assert.equal(restored.status, 200, restored.text);
    }
  });

  it('export the connection information as a PDF only right after it was shown, and never log the password', async () => {
    const list = await manager.client.get(`/organisations/${SIRET.commune}/comptes-techniques`);
    const created = await manager.client.postForm(`/organisations/${SIRET.commune}/comptes-techniques`, {
      _csrf: csrfTokenOf(list.text),
    });
    // Post/redirect/get: the password is shown by the GET the creation redirects to, once.
    assert.equal(created.status, 303);
    const shownAt = created.headers.get('location')!;
    assert.match(shownAt, /\/comptes-techniques\/[0-9a-f-]{36}\/mot-de-passe$/);
    const sessions = await platform.services.db.query('SELECT sess::text AS text FROM sessions');
    const page = await manager.client.get(shownAt);
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('cache-control'), 'no-store');
    const shownPassword = /id="mot-de-passe" value="([^"]+)"/.exec(page.text)![1]!;
    assert.ok(
      sessions.rows.every((row: { text: string }) => !row.text.includes(shownPassword)),
      'the session held it sealed, never in clear',
    );
    const reloaded = await manager.client.get(shownAt);
    assert.equal(reloaded.status, 303, 'a refresh does not show it again');
    assert.equal(reloaded.headers.get('location'), `/organisations/${SIRET.commune}/comptes-techniques`);
    const download = /name="download" value="([^"]+)"/.exec(page.text)![1]!;
    const password = /id="mot-de-passe" value="([^"]+)"/.exec(page.text)![1]!;
    const accountId = /comptes-techniques\/([0-9a-f-]{36})\/informations-de-connexion/.exec(page.text)![1]!;
    const pdfPath = `/organisations/${SIRET.commune}/comptes-techniques/${accountId}/informations-de-connexion`;
    const csrf = csrfTokenOf(page.text);

    const pdf = await manager.client.postForm(pdfPath, { _csrf: csrf, download });
    assert.equal(pdf.status, 200);
    assert.equal(pdf.headers.get('content-type'), 'application/pdf');
    assert.match(
      pdf.headers.get('content-disposition') ?? '',
      /attachment; filename="informations-de-connexion-TECH_/,
    );
    assert.ok(pdf.text.startsWith('%PDF-'));

    // Someone else cannot use it, a forged id is refused, and a reset makes it useless.
    const otherPage = await applicant.client.get('/tableau-de-bord');
    const stolen = await applicant.client.postForm(pdfPath, { _csrf: csrfTokenOf(otherPage.text), download });
    assert.equal(stolen.status, 404);
    assert.equal(
      (await manager.client.postForm(pdfPath, { _csrf: csrf, download: 'v1.abc.def.ghi' })).status,
      410,
    );
    const reset = await manager.client.send('POST', `${base}/${accountId}/reset-password`, { confirm: true });
    assert.equal(reset.status, 200);
    assert.equal((await manager.client.postForm(pdfPath, { _csrf: csrf, download })).status, 410);

    for (const secret of [password, reset.json.password as string]) {
      assert.ok(!platform.logs.text.includes(secret), 'not in the logs');
      const outbox = await platform.services.db.query(
        'SELECT subject, text_body, html_body FROM outbox_emails',
      );
      assert.ok(!JSON.stringify(outbox.rows).includes(secret), 'not in the outbox');
    }
  });
});
