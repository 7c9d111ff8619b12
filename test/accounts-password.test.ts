import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { emailsTo, GOOD_PASSWORD, newEmail, signUpAndActivate, SIRET } from './helpers/accounts.ts';
import { csrfTokenOf, type HttpAnswer } from './helpers/http-client.ts';
import { DEMO_PASSWORD, startTestPlatform, type TestPlatform } from './helpers/platform.ts';

let platform: TestPlatform;

before(async () => {
  platform = await startTestPlatform();
});
after(async () => {
  await platform.stop();
});

async function resetTokenFor(to: string, count = 1): Promise<string> {
  const [latest] = await emailsTo(platform, to, { subject: /nouveau mot de passe/, count });
  const match = /\/mot-de-passe\/reinitialiser\/([A-Za-z0-9_-]{43})/.exec(latest!.text);
  assert.ok(match);
  return match[1]!;
}

describe('forgotten password', () => {
  it('a single-use link sets a new password and ends every session', async () => {
    const { client: oldSession, email } = await signUpAndActivate(platform, {
      siret: SIRET.commune,
      email: newEmail('saint-exemple.fr'),
    });
    const asked = await platform
      .client()
      .send('POST', '/api/v1/password-resets', { email: email.toUpperCase() });
    assert.equal(asked.status, 202);
    const token = await resetTokenFor(email);
    const [message] = await emailsTo(platform, email, { subject: /nouveau mot de passe/ });
    assert.match(message!.text, /expire le/);

    const page = await platform.client().get(`/mot-de-passe/reinitialiser/${token}`);
    assert.equal(page.status, 200);
    assert.match(page.text, /Choisir un nouveau mot de passe/);

    const weak = await platform
      .client()
      .send('POST', '/api/v1/password-resets/complete', { token, password: 'court' });
    assert.equal(weak.status, 422);
    assert.equal(weak.json.errors[0].path, 'password');

    const newPassword = 'un tout nouveau mot de passe';
    const done = await platform
      .client()
      .send('POST', '/api/v1/password-resets/complete', { token, password: newPassword });
    assert.equal(done.status, 204);
    assert.equal(
      (await oldSession.get('/api/v1/me')).status,
      401,
      'sessions opened before the reset are over',
    );
    assert.equal((await platform.client().signIn(email, GOOD_PASSWORD)).status, 401);
    assert.equal((await platform.client().signIn(email, newPassword)).status, 200);

    const reused = await platform
      .client()
      .send('POST', '/api/v1/password-resets/complete', { token, password: 'encore un autre mot de passe' });
    assert.equal(reused.status, 410);
    assert.equal(reused.json.error, 'link_used');
    assert.equal((await platform.client().get(`/mot-de-passe/reinitialiser/${token}`)).status, 410);
  });

  it('answers the same for an unknown address, and sends nothing', async () => {
    const unknown = 'personne.inconnue@exemple.fr';
    const asked = await platform.client().send('POST', '/api/v1/password-resets', { email: unknown });
    assert.equal(asked.status, 202);
    const { rows } = await platform.services.db.query(
      'SELECT count(*)::int AS n FROM outbox_emails WHERE recipient = $1',
      [unknown],
    );
    assert.equal(rows[0].n, 0);
  });

  it('refuses altered, malformed, expired and missing tokens', async () => {
    const email = 'admin@sesame.test';
    await platform.client({ ip: '198.51.100.31' }).send('POST', '/api/v1/password-resets', { email });
    const token = await resetTokenFor(email);
    const altered = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    const tampered = await platform
      .client()
      .send('POST', '/api/v1/password-resets/complete', { token: altered, password: GOOD_PASSWORD });
    assert.equal(tampered.status, 404);
    assert.equal(tampered.json.error, 'link_unknown');
    assert.equal(
      (
        await platform
          .client()
          .send('POST', '/api/v1/password-resets/complete', { token: 'x', password: GOOD_PASSWORD })
      ).status,
      404,
    );
    assert.equal(
      (await platform.client().send('POST', '/api/v1/password-resets/complete', { password: GOOD_PASSWORD }))
        .status,
      422,
    );

    await platform.services.db.query(`UPDATE password_resets SET expires_at = now() - interval '1 minute'`);
    const expired = await platform
      .client()
      .send('POST', '/api/v1/password-resets/complete', { token, password: GOOD_PASSWORD });
    assert.equal(expired.status, 410);
    assert.equal(expired.json.error, 'link_expired');
    assert.equal(
      (await platform.client().signIn(email, DEMO_PASSWORD)).status,
      200,
      'the password did not change',
    );
  });

  it('is rate-limited per address (the other limits: test/rate-limits.test.ts)', async () => {
    const client = platform.client({ ip: '198.51.100.40' });
    const email = 'support@sesame.test';
    for (let attempt = 0; attempt < platform.config.rateLimits.emailsPerAddress.max; attempt++) {
      assert.equal((await client.send('POST', '/api/v1/password-resets', { email })).status, 202);
    }
    const limited = await client.send('POST', '/api/v1/password-resets', { email });
    assert.equal(limited.status, 429);
    assert.ok(Number(limited.headers.get('retry-after')) > 0);
  });

  it('the pages: ask for a link, then a form that explains a bad password', async () => {
    const browser = platform.client({ ip: '198.51.100.50' });
    const form = await browser.get('/mot-de-passe/oublie');
    assert.equal(form.status, 200);
    // Post/redirect/get: each answer is a redirect; a refusal is shown by the form's page.
    const follow = async (posted: HttpAnswer) => {
      assert.equal(posted.status, 303, posted.text);
      return browser.get(posted.headers.get('location')!);
    };
    const malformed = await follow(
      await browser.postForm('/mot-de-passe/oublie', {
        _csrf: csrfTokenOf(form.text),
        email: 'pas-une-adresse',
      }),
    );
    assert.equal(malformed.status, 422);
    assert.match(malformed.text, /n’est pas valide/);
    const sent = await browser.postForm('/mot-de-passe/oublie', {
      _csrf: csrfTokenOf(form.text),
      email: 'instructeur@sesame.test',
    });
    assert.equal(sent.status, 303);
    const token = await resetTokenFor('instructeur@sesame.test');
    const page = await browser.get(`/mot-de-passe/reinitialiser/${token}`);
    const weakPosted = await browser.postForm('/mot-de-passe/reinitialiser', {
      _csrf: csrfTokenOf(page.text),
      token,
      password: 'azertyuiop123',
    });
    assert.equal(weakPosted.headers.get('location'), `/mot-de-passe/reinitialiser/${token}`);
    const weak = await follow(weakPosted);
    assert.equal(weak.status, 422);
    assert.doesNotMatch(weak.text, /azertyuiop123/);
    assert.match(weak.text, /trop courant/);
    const changed = await browser.postForm('/mot-de-passe/reinitialiser', {
      _csrf: csrfTokenOf(page.text),
      token,
      password: 'le nouveau mot de passe de test',
    });
    assert.equal(changed.status, 303);
    assert.equal(changed.headers.get('location'), '/connexion');
    // Its effect, through the sign-in form: the new password opens the account, the old one no longer does.
    const signIn = async (password: string) => {
      const visitor = platform.client({ ip: '198.51.100.51' });
      const page = await visitor.get('/connexion');
      const posted = await visitor.postForm('/connexion', {
        _csrf: csrfTokenOf(page.text),
        email: 'instructeur@sesame.test',
        password,
      });
      assert.equal(posted.status, 303, posted.text);
      return {
        location: posted.headers.get('location'),
        page: await visitor.get(posted.headers.get('location')!),
      };
    };
    const withNew = await signIn('le nouveau mot de passe de test');
    assert.equal(withNew.location, '/tableau-de-bord');
    const withOld = await signIn(DEMO_PASSWORD);
    assert.equal(withOld.location, '/connexion', 'the old password is refused');
    assert.equal(withOld.page.status, 401);
    assert.match(withOld.page.text, /Adresse électronique ou mot de passe incorrect/);
  });
});

describe('profile', () => {
  it('names can be changed; bad names are refused', async () => {
    const { client } = await signUpAndActivate(platform, {
      siret: SIRET.commune,
      email: newEmail('saint-exemple.fr'),
    });
    assert.equal(
      (await client.send('PATCH', '/api/v1/me', { givenName: 'Dominique', familyName: 'Martin' })).status,
      204,
    );
    const me = await client.get('/api/v1/me');
    assert.equal(me.json.user.givenName, 'Dominique');
    const bad = await client.send('PATCH', '/api/v1/me', { givenName: '', familyName: 'x'.repeat(101) });
    assert.equal(bad.status, 422);
    assert.deepEqual(bad.json.errors.map((error: { path: string }) => error.path).sort(), [
      'familyName',
      'givenName',
    ]);
  });

  it('the password changes with the current one only, and other sessions end', async () => {
    const { client, email } = await signUpAndActivate(platform, {
      siret: SIRET.commune,
      email: newEmail('saint-exemple.fr'),
    });
    const other = platform.client();
    assert.equal((await other.signIn(email, GOOD_PASSWORD)).status, 200);

    const wrong = await client.send('POST', '/api/v1/me/password', {
      currentPassword: 'pas le bon',
      newPassword: 'mon nouveau mot de passe',
    });
    assert.equal(wrong.status, 422);
    assert.equal(wrong.json.errors[0].path, 'currentPassword');
    const weak = await client.send('POST', '/api/v1/me/password', {
      currentPassword: GOOD_PASSWORD,
      newPassword: '123',
    });
    assert.equal(weak.status, 422);

    const changed = await client.send('POST', '/api/v1/me/password', {
      currentPassword: GOOD_PASSWORD,
      newPassword: 'mon nouveau mot de passe',
    });
    assert.equal(changed.status, 204);
    assert.equal((await client.get('/api/v1/me')).status, 200, 'this session goes on');
    assert.equal((await other.get('/api/v1/me')).status, 401, 'the other one is over');
  });
});
