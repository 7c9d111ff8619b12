import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signUpWorkflowId } from '../workflows/sign-up.ts';
import {
  activationTokenFor,
  emailsTo,
  GOOD_PASSWORD,
  newEmail,
  signUpBody,
  SIRET,
} from './helpers/accounts.ts';
import { historyText } from './helpers/history.ts';
import { DEMO_PASSWORD, startTestPlatform, type TestPlatform } from './helpers/platform.ts';

let platform: TestPlatform;

before(async () => {
  platform = await startTestPlatform();
});
after(async () => {
  await platform.stop();
});

async function accountsWithEmail(email: string): Promise<number> {
  const { rows } = await platform.services.db.query('SELECT count(*)::int AS n FROM users WHERE email = $1', [
    email,
  ]);
  return rows[0].n;
}

/** Sends a sign-up that must be refused with 422 on `path`, creating nothing. */
async function refused(overrides: Record<string, unknown>, path: string, message?: RegExp) {
  const body = signUpBody(overrides);
  const answer = await platform.client().send('POST', '/api/v1/accounts', body);
  assert.equal(answer.status, 422, answer.text);
  const error = answer.json.errors.find((candidate: { path: string }) => candidate.path === path);
  assert.ok(error, `an error on ${path}: ${answer.text}`);
  if (message) assert.match(error.message, message);
  if (typeof body.email === 'string')
    assert.equal(await accountsWithEmail(body.email.toLowerCase()), 0, 'nothing created');
  return answer;
}

describe('signing up: bad input gets a clear answer and creates nothing', () => {
  it('a malformed SIRET', async () => {
    await refused({ siret: '2145795670001' }, 'siret', /14 chiffres/);
    await refused({ siret: '2145795670001A' }, 'siret', /14 chiffres/);
  });

  it('a SIRET with a wrong key', async () => {
    await refused({ siret: '21457956700015' }, 'siret', /clé de contrôle/);
  });

  it('a La Poste SIRET whose digit sum is not a multiple of 5', async () => {
    await refused({ siret: '35600000035289' }, 'siret', /clé de contrôle/);
  });

  it('a SIRET unknown to the directory', async () => {
    await refused({ siret: SIRET.unknown }, 'siret', /introuvable dans le répertoire Sirene/);
  });

  it('a closed establishment, and an establishment of a ceased organisation', async () => {
    await refused({ siret: SIRET.communeClosedEstablishment }, 'siret', /fermé/);
    await refused({ siret: SIRET.ceasedCommune }, 'siret', /fermé/);
  });

  it('passwords too short, too long or too common', async () => {
    await refused({ password: 'court' }, 'password', /au moins 12 caractères/);
    await refused({ password: 'p'.repeat(129) }, 'password', /au plus 128 caractères/);
    await refused({ password: 'qwerty123456' }, 'password', /trop courant/);
  });

  it('a malformed email address', async () => {
    await refused({ email: 'prenom.nom@' }, 'email', /n’est pas valide/);
  });

  it('missing fields and fields of the wrong type, all listed at once', async () => {
    const answer = await platform
      .client()
      .send('POST', '/api/v1/accounts', { givenName: 42, siret: 12345678901234 });
    assert.equal(answer.status, 422);
    const paths = answer.json.errors.map((error: { path: string }) => error.path).sort();
    assert.deepEqual(paths, ['email', 'familyName', 'givenName', 'password', 'siret']);
  });

  it('the directory down: told to try later, nothing created', async () => {
    platform.directory.failNext(10, 503);
    const body = signUpBody();
    const answer = await platform.client().send('POST', '/api/v1/accounts', body);
    platform.directory.reset();
    assert.equal(answer.status, 503);
    assert.equal(answer.json.error, 'directory_unavailable');
    assert.match(answer.json.message, /réessayer/);
    assert.equal(await accountsWithEmail(body.email), 0);
  });

  it('the directory too slow: the same', async () => {
    platform.directory.setLatency(5_000);
    const body = signUpBody();
    try {
      const answer = await platform.client().send('POST', '/api/v1/accounts', body);
      assert.equal(answer.status, 503);
      assert.equal(answer.json.error, 'directory_unavailable');
    } finally {
      platform.directory.reset();
    }
    assert.equal(await accountsWithEmail(body.email), 0);
  });

  it('the directory rate-limiting us once: retried, and the sign-up goes through', async () => {
    platform.directory.failNext(1, 429);
    const answer = await platform.client().send('POST', '/api/v1/accounts', signUpBody());
    assert.equal(answer.status, 201, answer.text);
  });
});

describe('a valid sign-up', () => {
  it('creates an account waiting for activation and emails a single-use link, whose token is stored nowhere in clear', async () => {
    const body = signUpBody({
      email: newEmail('Saint-Exemple.fr', 'Camille.Leroy'),
      siret: '214 579 567 00014',
    });
    const answer = await platform.client().send('POST', '/api/v1/accounts', body);
    assert.equal(answer.status, 201, answer.text);
    assert.equal(answer.json.status, 'pending_activation');
    assert.match(answer.json.id, /^[0-9a-f-]{36}$/);

    const email = body.email.toLowerCase();
    const { rows } = await platform.services.db.query('SELECT status FROM users WHERE email = $1', [email]);
    assert.deepEqual(rows, [{ status: 'pending_activation' }]);

    const token = await activationTokenFor(platform, email);
    const [message] = await emailsTo(platform, email);
    assert.match(message!.text, /expire le/);

    const stored = await platform.services.db.query(
      `SELECT o.text_body, o.html_body, o.sealed_secrets, l.token_hash
         FROM outbox_emails o, activation_links l WHERE o.recipient = $1 AND l.signup_id = $2`,
      [email, answer.json.id],
    );
    const row = stored.rows[0];
    assert.ok(row, 'the email and the link are stored');
    assert.ok(!JSON.stringify(row).includes(token), 'the token is in no stored column');
    assert.match(row.token_hash, /^[0-9a-f]{64}$/);

    const history = await platform.services.temporal.client.workflow
      .getHandle(signUpWorkflowId(answer.json.id))
      .fetchHistory();
    const recorded = historyText(history);
    assert.ok(!recorded.includes(token), 'the token never enters the workflow history');
    assert.ok(!recorded.includes('leroy'), 'nor the email address');
    assert.ok(!recorded.includes('Claude'), 'nor the name');
  });

  it('an address that already has an account gets the same answer, and its owner a warning', async () => {
    const answer = await platform
      .client()
      .send('POST', '/api/v1/accounts', signUpBody({ email: 'ADMIN@sesame.test' }));
    assert.equal(answer.status, 201);
    assert.equal(answer.json.status, 'pending_activation');
    assert.equal(await accountsWithEmail('admin@sesame.test'), 1);
    const [warning] = await emailsTo(platform, 'admin@sesame.test', { subject: /Tentative d’inscription/ });
    assert.match(warning!.text, /connectez-vous/);
    const signIn = await platform.client().signIn('admin@sesame.test', DEMO_PASSWORD);
    assert.equal(signIn.status, 200, 'the existing account is untouched');
  });

  it('the owner of an account that signs in with ProConnect only is sent to ProConnect, not to a password reset', async () => {
    const email = newEmail('saint-exemple.fr');
    await platform.services.db.query(
      `INSERT INTO users (email, given_name, family_name, password_hash, status, activated_at)
       VALUES ($1, 'Camille', 'Martin', NULL, 'active', now())`,
      [email],
    );
    assert.equal(
      (await platform.client().send('POST', '/api/v1/accounts', signUpBody({ email }))).status,
      201,
    );
    const [warning] = await emailsTo(platform, email, { subject: /Tentative d’inscription/ });
    assert.match(warning!.text, /votre compte se connecte avec ProConnect/);
    assert.doesNotMatch(warning!.text, /Mot de passe oublié/);
  });

  it('signing up again with a pending address sends a new link that replaces the first', async () => {
    const body = signUpBody();
    await platform.client().send('POST', '/api/v1/accounts', body);
    const first = await activationTokenFor(platform, body.email);
    const again = await platform
      .client()
      .send('POST', '/api/v1/accounts', { ...body, password: GOOD_PASSWORD + '!' });
    assert.equal(again.status, 201);
    const second = await activationTokenFor(platform, body.email, 2);
    assert.notEqual(second, first);
    const old = await platform.client().send('POST', '/api/v1/accounts/activate', { token: first });
    assert.equal(old.status, 410);
    assert.equal(old.json.error, 'link_replaced');
    const current = await platform.client().send('POST', '/api/v1/accounts/activate', { token: second });
    assert.equal(current.status, 200);
  });

  it('a new link on request replaces the previous one; any address gets the same answer', async () => {
    const body = signUpBody();
    await platform.client().send('POST', '/api/v1/accounts', body);
    const first = await activationTokenFor(platform, body.email);
    const resent = await platform
      .client()
      .send('POST', '/api/v1/accounts/resend-activation', { email: body.email });
    assert.equal(resent.status, 202);
    const unknown = await platform
      .client()
      .send('POST', '/api/v1/accounts/resend-activation', { email: 'personne@nulle-part.fr' });
    assert.equal(unknown.status, 202);
    const malformed = await platform
      .client()
      .send('POST', '/api/v1/accounts/resend-activation', { email: 'nope' });
    assert.equal(malformed.status, 422);

    const second = await activationTokenFor(platform, body.email, 2);
    assert.notEqual(second, first);
    assert.equal(
      (await platform.client().send('POST', '/api/v1/accounts/activate', { token: first })).status,
      410,
    );
    assert.equal(
      (await platform.client().send('POST', '/api/v1/accounts/activate', { token: second })).status,
      200,
    );
  });
});
