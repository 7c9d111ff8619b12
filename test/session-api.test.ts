import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SESSION_COOKIE } from '../http/session.ts';
import { DEMO_PASSWORD, startTestPlatform, type TestPlatform } from './helpers/platform.ts';

let platform: TestPlatform;

before(async () => {
  platform = await startTestPlatform({ worker: false });
});
after(async () => {
  await platform.stop();
});

describe('signing in through the JSON API', () => {
  it('a demo instructor signs in, gets a session cookie and a CSRF token, and is known to /me', async () => {
    const api = platform.client();
    const answer = await api.signIn('Instructeur@Sesame.test', DEMO_PASSWORD);
    assert.equal(answer.status, 200);
    assert.equal(answer.json.user.email, 'instructeur@sesame.test');
    assert.deepEqual(answer.json.user.staffRoles, [{ role: 'instructeur', definition: null }]);
    assert.match(answer.json.csrfToken, /^[0-9a-f]{64}$/);
    assert.equal(answer.json.user.passwordHash, undefined);

    const setCookie = answer.headers.getSetCookie().find((cookie) => cookie.startsWith(`${SESSION_COOKIE}=`));
    assert.ok(setCookie, 'a session cookie is set');
    assert.match(setCookie, /HttpOnly/i);
    assert.match(setCookie, /SameSite=Lax/i);
    assert.doesNotMatch(setCookie, /Secure/i, 'no Secure flag over plain http');

    const me = await api.get('/api/v1/me');
    assert.equal(me.status, 200);
    assert.equal(me.json.user.email, 'instructeur@sesame.test');
    assert.equal(me.json.csrfToken, answer.json.csrfToken);
  });

  it('moves the session’s expiry forward with use, writing it at most once a minute: reads do not write', async () => {
    const api = platform.client();
    const signedIn = await api.signIn('instructeur@sesame.test', DEMO_PASSWORD);
    const expiry = async () => {
      const { rows } = await platform.services.db.query<{ expire: Date }>(
        `SELECT expire FROM sessions WHERE sess ->> 'userId' = $1 ORDER BY expire DESC LIMIT 1`,
        [signedIn.json.user.id],
      );
      return rows[0]!.expire.getTime();
    };
    const atSignIn = await expiry();
    // The store keeps the expiry to the second: a write a second later shows.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    assert.equal((await api.get('/api/v1/me')).status, 200);
    const afterFirstRead = await expiry();
    assert.ok(afterFirstRead > atSignIn, 'the first read moves the expiry forward');
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    assert.equal((await api.get('/api/v1/me')).status, 200);
    assert.equal(await expiry(), afterFirstRead, 'the next reads within the minute write nothing');
  });

  it('gives a new session id at sign-in, so a planted session id is worthless', async () => {
    const api = platform.client();
    const page = await api.get('/connexion');
    assert.equal(page.status, 200);
    const before = api.cookie(SESSION_COOKIE);
    assert.ok(before, 'the sign-in page opens an anonymous session for its CSRF token');
    await api.signIn('support@sesame.test', DEMO_PASSWORD);
    const afterSignIn = api.cookie(SESSION_COOKIE);
    assert.ok(afterSignIn);
    assert.notEqual(afterSignIn, before);

    const intruder = platform.client();
    const stale = await intruder.request('GET', '/api/v1/me', {
      headers: { cookie: `${SESSION_COOKIE}=${before}` },
    });
    assert.equal(stale.status, 401);
  });

  it('answers an unknown email and a wrong password identically', async () => {
    const unknown = await platform.client().send('POST', '/api/v1/session', {
      email: 'personne@exemple.fr',
      password: 'un mot de passe quelconque',
    });
    const wrong = await platform.client().send('POST', '/api/v1/session', {
      email: 'admin@sesame.test',
      password: 'pas le bon mot de passe',
    });
    assert.equal(unknown.status, 401);
    assert.equal(wrong.status, 401);
    assert.deepEqual(unknown.json, wrong.json);
    assert.equal(unknown.json.error, 'invalid_credentials');
  });

  it('refuses /me without a session', async () => {
    const me = await platform.client().get('/api/v1/me');
    assert.equal(me.status, 401);
    assert.equal(me.json.error, 'unauthenticated');
  });

  it('signs out only with the CSRF token, then forgets the session', async () => {
    const api = platform.client();
    await api.signIn('admin@sesame.test', DEMO_PASSWORD);
    const token = api.csrfToken;

    api.csrfToken = undefined;
    const refused = await api.send('DELETE', '/api/v1/session');
    assert.equal(refused.status, 403);
    assert.equal(refused.json.error, 'csrf_invalid');

    const forged = await api.send('DELETE', '/api/v1/session', undefined, { 'x-csrf-token': 'f'.repeat(64) });
    assert.equal(forged.status, 403);
    assert.equal((await api.get('/api/v1/me')).status, 200, 'a refused sign-out changes nothing');

    api.csrfToken = token;
    const signedOut = await api.send('DELETE', '/api/v1/session');
    assert.equal(signedOut.status, 204);
    assert.equal((await api.get('/api/v1/me')).status, 401);
  });

  it('refuses state changes whose CSRF token belongs to another session', async () => {
    const alice = platform.client();
    const bob = platform.client();
    await alice.signIn('admin@sesame.test', DEMO_PASSWORD);
    await bob.signIn('support@sesame.test', DEMO_PASSWORD);
    const crossed = await alice.send('DELETE', '/api/v1/session', undefined, {
      'x-csrf-token': bob.csrfToken!,
    });
    assert.equal(crossed.status, 403);
  });
});

describe('bad input to the session API', () => {
  it('malformed JSON gets 400 in JSON', async () => {
    const answer = await platform.client().request('POST', '/api/v1/session', {
      headers: { 'content-type': 'application/json' },
      body: '{"email": "admin@sesame.test", ',
    });
    assert.equal(answer.status, 400);
    assert.equal(answer.json.error, 'malformed_json');
    assert.doesNotMatch(answer.text, /at .*\.ts:\d+/, 'no stack trace');
  });

  it('missing and mistyped fields get 422 naming each field', async () => {
    const missing = await platform.client().send('POST', '/api/v1/session', {});
    assert.equal(missing.status, 422);
    assert.deepEqual(missing.json.errors.map((error: { path: string }) => error.path).sort(), [
      'email',
      'password',
    ]);

    const mistyped = await platform.client().send('POST', '/api/v1/session', { email: 42, password: ['x'] });
    assert.equal(mistyped.status, 422);
    assert.deepEqual(mistyped.json.errors.map((error: { path: string }) => error.path).sort(), [
      'email',
      'password',
    ]);

    const malformedEmail = await platform
      .client()
      .send('POST', '/api/v1/session', { email: 'pas-une-adresse', password: 'x' });
    assert.equal(malformedEmail.status, 422);
    assert.equal(malformedEmail.json.errors[0].path, 'email');
    assert.match(malformedEmail.json.errors[0].message, /adresse électronique/);

    const tooLong = await platform
      .client()
      .send('POST', '/api/v1/session', { email: 'a@b.fr', password: 'x'.repeat(2000) });
    assert.equal(tooLong.status, 422);
  });

  it('a body that is not JSON gets 415', async () => {
    const answer = await platform.client().request('POST', '/api/v1/session', {
      headers: { 'content-type': 'text/plain' },
      body: 'email=admin@sesame.test',
    });
    assert.equal(answer.status, 415);
    assert.equal(answer.json.error, 'unsupported_media_type');
  });

  it('a JSON body that is not an object is refused in JSON', async () => {
    const expected: Record<string, number> = { '[]': 422, '"text"': 400, null: 400, '12': 400 };
    for (const [body, status] of Object.entries(expected)) {
      const answer = await platform.client().request('POST', '/api/v1/session', {
        headers: { 'content-type': 'application/json' },
        body,
      });
      assert.equal(answer.status, status, body);
      assert.ok(answer.json.error);
    }
  });

  it('unknown API routes get 404 in JSON', async () => {
    for (const path of ['/api/v1/nothing-here', '/api/v2/session', '/api/']) {
      const answer = await platform.client().get(path);
      assert.equal(answer.status, 404, path);
      assert.equal(answer.json.error, 'not_found');
    }
  });

  it('an oversized body gets 413', async () => {
    const answer = await platform.client().request('POST', '/api/v1/session', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'a@b.fr', password: 'x'.repeat(2 * 1024 * 1024) }),
    });
    assert.equal(answer.status, 413);
  });
});

describe('repeated sign-in failures', () => {
  it('lock the account with 429 and Retry-After, even for the right password, without locking others', async () => {
    const api = platform.client();
    for (let attempt = 1; attempt <= platform.config.rateLimits.signInFailuresPerAccount.max; attempt++) {
      const answer = await api.send('POST', '/api/v1/session', {
        email: 'support@sesame.test',
        password: `faux-${attempt}`,
      });
      assert.equal(answer.status, 401, `attempt ${attempt}`);
    }
    const locked = await api.send('POST', '/api/v1/session', {
      email: 'support@sesame.test',
      password: DEMO_PASSWORD,
    });
    assert.equal(locked.status, 429);
    assert.equal(locked.json.error, 'too_many_requests');
    const retryAfter = Number(locked.headers.get('retry-after'));
    assert.ok(
      retryAfter > 0 && retryAfter <= platform.config.rateLimits.signInFailuresPerAccount.windowMs / 1000,
      `Retry-After ${retryAfter}`,
    );

    const other = await platform.client().signIn('admin@sesame.test', DEMO_PASSWORD);
    assert.equal(other.status, 200, 'another account is not locked');
  });

  it('limit one IP address across many accounts', async () => {
    const api = platform.client();
    let lastStatus = 0;
    // The per-account test above already spent some of this address's failures.
    for (let attempt = 1; attempt <= platform.config.rateLimits.signInFailuresPerIp.max + 1; attempt++) {
      const answer = await api.send('POST', '/api/v1/session', {
        email: `inconnu-${attempt}@exemple.fr`,
        password: 'nimportequoi',
      });
      lastStatus = answer.status;
      if (answer.status === 429) break;
    }
    assert.equal(lastStatus, 429);
    const fromSameAddress = await api.send('POST', '/api/v1/session', {
      email: 'admin@sesame.test',
      password: DEMO_PASSWORD,
    });
    assert.equal(fromSameAddress.status, 429);

    // Behind a trusted proxy, another client address is another counter.
    const elsewhere = await api.send(
      'POST',
      '/api/v1/session',
      { email: 'admin@sesame.test', password: DEMO_PASSWORD },
      { 'x-forwarded-for': '203.0.113.7' },
    );
    assert.equal(elsewhere.status, 200);
  });
});

describe('what the logs keep', () => {
  it('never a password, a session cookie or a CSRF token', async () => {
    const api = platform.client({ ip: '198.51.100.20' });
    const secretPassword = 'mot-de-passe-tres-secret-42';
    const failed = await api.send('POST', '/api/v1/session', {
      email: 'admin@sesame.test',
      password: secretPassword,
    });
    assert.equal(failed.status, 401);
    assert.equal((await api.signIn('instructeur@sesame.test', DEMO_PASSWORD)).status, 200);
    assert.equal((await api.get('/api/v1/me')).status, 200);
    const logs = platform.logs.text;
    assert.ok(logs.includes('/api/v1/session'), 'requests are logged');
    assert.ok(!logs.includes(secretPassword));
    assert.ok(!logs.includes(DEMO_PASSWORD));
    assert.ok(!logs.includes(api.cookie(SESSION_COOKIE)!));
    assert.ok(!logs.includes(api.csrfToken!));
    assert.match(logs, /"id":"[0-9a-f-]{36}"/, 'each request line carries its request id');
  });
});
