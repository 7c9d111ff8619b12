import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  emailsTo,
  GOOD_PASSWORD,
  newEmail,
  signUpAndActivate,
  signUpBody,
  type MailboxEmail,
} from './helpers/accounts.ts';
import { csrfTokenOf, type HttpAnswer } from './helpers/http-client.ts';
import { DEMO_PASSWORD, startTestPlatform, type TestPlatform } from './helpers/platform.ts';
import { applicantWithDraft } from './helpers/requests.ts';

// Small limits, so that each one is reached in a few calls; each scenario uses client addresses of its own.
const LIMITS = {
  RATE_LIMIT_SIGN_UPS_PER_IP: '3/1h',
  RATE_LIMIT_EMAILS_PER_ADDRESS: '3/1h',
  RATE_LIMIT_EMAILS_PER_IP: '4/1h',
  RATE_LIMIT_MESSAGES_PER_PERSON: '2/1h',
};

let platform: TestPlatform;

before(async () => {
  platform = await startTestPlatform({ env: LIMITS });
});
after(async () => {
  await platform.stop();
});

let lastIp = 0;
const freshIp = () => `198.51.100.${(lastIp += 1)}`;

async function mailbox(to: string): Promise<MailboxEmail[]> {
  const answer = await platform.client().get('/dev/mails.json');
  return (answer.json as MailboxEmail[]).filter((email) => email.to === to);
}

function assertLimited(answer: HttpAnswer, windowSeconds: number) {
  assert.equal(answer.status, 429, answer.text);
  const retryAfter = Number(answer.headers.get('retry-after'));
  assert.ok(retryAfter > 0 && retryAfter <= windowSeconds, `Retry-After ${retryAfter}`);
}

async function accountExists(email: string): Promise<boolean> {
  const { rows } = await platform.services.db.query('SELECT 1 FROM users WHERE email = $1', [email]);
  return rows.length > 0;
}

describe('sign-up', () => {
  it('is limited per client address: the attempt past the limit creates nothing, another address goes on', async () => {
    const api = platform.client({ ip: freshIp() });
    for (let attempt = 0; attempt < 3; attempt++) {
      assert.equal((await api.send('POST', '/api/v1/accounts', signUpBody())).status, 201);
    }
    const refused = signUpBody();
    assertLimited(await api.send('POST', '/api/v1/accounts', refused), 3600);
    assert.equal(await accountExists(refused.email), false, 'no account for the refused sign-up');
    assert.equal((await mailbox(refused.email)).length, 0, 'no email either');

    const elsewhere = platform.client({ ip: freshIp() });
    assert.equal((await elsewhere.send('POST', '/api/v1/accounts', signUpBody())).status, 201);
  });

  it('the page keeps what was typed and says when to try again', async () => {
    const browser = platform.client({ ip: freshIp() });
    for (let attempt = 0; attempt < 3; attempt++) {
      assert.equal((await browser.send('POST', '/api/v1/accounts', signUpBody())).status, 201);
    }
    const form = await browser.get('/inscription');
    const body = signUpBody({ givenName: 'Camille' });
    const posted = await browser.postForm('/inscription', {
      _csrf: csrfTokenOf(form.text),
      ...(body as Record<string, string>),
    });
    // Post/redirect/get: the form's page, the browser sent back to it, says so with the status and delay.
    assert.equal(posted.status, 303, posted.text);
    const answer = await browser.get(posted.headers.get('location')!);
    assertLimited(answer, 3600);
    assert.match(answer.text, /Trop de demandes ont été faites en peu de temps/);
    assert.match(answer.text, /Veuillez réessayer dans (\d+ minutes?|environ 1 heure)\./);
    assert.match(answer.text, /value="Camille"/);
    assert.doesNotMatch(answer.text, new RegExp(body.password as string), 'the password is not shown back');
  });
});

describe('sign-in through the page', () => {
  it('after too many wrong passwords, the page the form goes back to answers 429 with the delay, even for the right one', async () => {
    const { email } = await signUpAndActivate(platform);
    const browser = platform.client({ ip: freshIp() });
    const attempt = async (password: string) => {
      const form = await browser.get('/connexion');
      const posted = await browser.postForm('/connexion', { _csrf: csrfTokenOf(form.text), email, password });
      assert.equal(posted.status, 303, posted.text);
      return browser.get(posted.headers.get('location')!);
    };
    // The account's limit (5 failures in 15 minutes by default): each refusal is a 401 until then.
    for (let failure = 0; failure < 5; failure++) {
      assert.equal((await attempt('pas le bon mot de passe')).status, 401);
    }
    const locked = await attempt(GOOD_PASSWORD);
    assertLimited(locked, 15 * 60);
    assert.match(locked.text, /Trop de tentatives de connexion/);
    assert.match(
      locked.text,
      new RegExp(`value="${email.replace(/[.+]/g, '\\$&')}"`),
      'the address typed is kept',
    );
    const dashboard = await browser.get('/tableau-de-bord');
    assert.notEqual(dashboard.status, 200, 'not signed in');
  });
});

describe('emails to an address the caller chose', () => {
  it('sign-up, new activation links and password resets share one limit per address, whoever asks', async () => {
    const email = newEmail('saint-exemple.fr');
    // Three callers from three addresses: the per-IP limits stay far away, the address's is reached.
    const created = await platform
      .client({ ip: freshIp() })
      .send('POST', '/api/v1/accounts', signUpBody({ email }));
    assert.equal(created.status, 201);
    await emailsTo(platform, email, { subject: /Activez votre compte/ });
    const resent = await platform
      .client({ ip: freshIp() })
      .send('POST', '/api/v1/accounts/resend-activation', { email });
    assert.equal(resent.status, 202);
    await emailsTo(platform, email, { subject: /Activez votre compte/, count: 2 });
    const reset = await platform.client({ ip: freshIp() }).send('POST', '/api/v1/password-resets', { email });
    assert.equal(reset.status, 202);

    const before = (await mailbox(email)).length;
    assertLimited(
      await platform.client({ ip: freshIp() }).send('POST', '/api/v1/accounts/resend-activation', { email }),
      3600,
    );
    assertLimited(
      await platform.client({ ip: freshIp() }).send('POST', '/api/v1/accounts', signUpBody({ email })),
      3600,
    );
    assertLimited(
      await platform.client({ ip: freshIp() }).send('POST', '/api/v1/password-resets', { email }),
      3600,
    );
    // Give a wrongly sent email the time to reach the mailbox before counting.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    assert.equal((await mailbox(email)).length, before, 'the refused calls sent nothing');
  });

  it('new activation links and password resets are limited per client address across addresses', async () => {
    const api = platform.client({ ip: freshIp() });
    for (let attempt = 0; attempt < 2; attempt++) {
      assert.equal(
        (await api.send('POST', '/api/v1/password-resets', { email: newEmail('exemple.fr') })).status,
        202,
      );
      assert.equal(
        (await api.send('POST', '/api/v1/accounts/resend-activation', { email: newEmail('exemple.fr') }))
          .status,
        202,
      );
    }
    assertLimited(await api.send('POST', '/api/v1/password-resets', { email: newEmail('exemple.fr') }), 3600);
  });

  it('the forgotten-password page answers 429 with the delay, and the form as typed', async () => {
    const browser = platform.client({ ip: freshIp() });
    const email = newEmail('exemple.fr');
    let answer: HttpAnswer | undefined;
    for (let attempt = 0; attempt < 4; attempt++) {
      const form = await browser.get('/mot-de-passe/oublie');
      const posted = await browser.postForm('/mot-de-passe/oublie', { _csrf: csrfTokenOf(form.text), email });
      assert.equal(posted.status, 303, posted.text);
      answer = await browser.get(posted.headers.get('location')!);
    }
    assertLimited(answer!, 3600);
    assert.match(answer!.text, /Veuillez réessayer dans/);
    assert.match(answer!.text, new RegExp(`value="${email.replace('.', '\\.')}"`));
  });

  it("a platform admin's test emails to one address are limited too", async () => {
    const admin = platform.client({ ip: freshIp() });
    assert.equal((await admin.signIn('admin@sesame.test', DEMO_PASSWORD)).status, 200);
    const to = newEmail('exemple.fr');
    for (let attempt = 0; attempt < 3; attempt++) {
      assert.equal((await admin.send('POST', '/api/v1/admin/test-email', { to })).status, 202);
    }
    assertLimited(await admin.send('POST', '/api/v1/admin/test-email', { to }), 3600);
  });
});

describe('messages on a request', () => {
  it('are limited per author; the refused message is not stored', async () => {
    const { client, requestId } = await applicantWithDraft(platform);
    for (const body of ['Première question', 'Deuxième question']) {
      assert.equal(
        (await client.send('POST', `/api/v1/requests/${requestId}/messages`, { body })).status,
        201,
      );
    }
    assertLimited(
      await client.send('POST', `/api/v1/requests/${requestId}/messages`, { body: 'Troisième question' }),
      3600,
    );
    const thread = await client.get(`/api/v1/requests/${requestId}/messages`);
    assert.deepEqual(
      (thread.json as { body: string }[]).map((message) => message.body),
      ['Première question', 'Deuxième question'],
    );
  });
});
