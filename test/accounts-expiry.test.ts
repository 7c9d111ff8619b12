import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signUpWorkflowId } from '../workflows/sign-up.ts';
import { activationTokenFor, signUpBody } from './helpers/accounts.ts';
import { eventually, startTestPlatform, type TestPlatform } from './helpers/platform.ts';

let platform: TestPlatform;
/** ACTIVATION_LINK_TTL here: a test waits for half of it at most before acting, on a machine that may be slow. */
const LINK_TTL_MS = 6_000;

before(async () => {
  platform = await startTestPlatform({ env: { ACTIVATION_LINK_TTL: `${LINK_TTL_MS / 1000}s` } });
});

const sleepUntil = (time: number) =>
  new Promise((resolve) => setTimeout(resolve, Math.max(0, time - Date.now())));

/** When each activation link of a sign-up expires, oldest first. */
async function linkExpiries(signupId: string): Promise<number[]> {
  const { rows } = await platform.services.db.query<{ expires_at: Date }>(
    'SELECT expires_at FROM activation_links WHERE signup_id = $1 ORDER BY generation',
    [signupId],
  );
  return rows.map((row) => row.expires_at.getTime());
}
after(async () => {
  await platform.stop();
});

describe('an account never activated', () => {
  it('is purged when its link expires, and the link then says it expired', async () => {
    const body = signUpBody();
    const created = await platform.client().send('POST', '/api/v1/accounts', body);
    assert.equal(created.status, 201);
    const token = await activationTokenFor(platform, body.email);

    const outcome = await platform.services.temporal.client.workflow
      .getHandle(signUpWorkflowId(created.json.id))
      .result();
    assert.equal(outcome, 'expired');
    const { rows } = await platform.services.db.query(
      'SELECT count(*)::int AS n FROM users WHERE email = $1',
      [body.email],
    );
    assert.equal(rows[0].n, 0, 'the pending account is deleted');

    const late = await platform.client().send('POST', '/api/v1/accounts/activate', { token });
    assert.equal(late.status, 410);
    assert.equal(late.json.error, 'link_expired');
    assert.match(late.json.message, /expiré/);

    const again = await platform.client().send('POST', '/api/v1/accounts', body);
    assert.equal(again.status, 201, 'the address is free to sign up again');
  });

  it('a link expired but not yet purged is refused too', async () => {
    const body = signUpBody();
    const created = await platform.client().send('POST', '/api/v1/accounts', body);
    const token = await activationTokenFor(platform, body.email);
    // As if the clock had run past the link's expiry while the purge is still to come.
    await platform.services.db.query(
      `UPDATE activation_links SET expires_at = now() - interval '1 second' WHERE signup_id = $1`,
      [created.json.id],
    );
    const answer = await platform.client().send('POST', '/api/v1/accounts/activate', { token });
    assert.equal(answer.status, 410);
    assert.equal(answer.json.error, 'link_expired');
    await eventually(async () => {
      const { rows } = await platform.services.db.query('SELECT status FROM signups WHERE id = $1', [
        created.json.id,
      ]);
      return rows[0].status === 'expired' ? true : undefined;
    });
  });

  it('a link asked for again restarts the delay', async () => {
    const body = signUpBody();
    const created = await platform.client().send('POST', '/api/v1/accounts', body);
    assert.equal(created.status, 201);
    await activationTokenFor(platform, body.email);
    const [firstExpiry] = await linkExpiries(created.json.id);
    // Half-way through the first link's life, as far from its end as from the sign-up.
    await sleepUntil(firstExpiry! - LINK_TTL_MS / 2);
    const resent = await platform
      .client()
      .send('POST', '/api/v1/accounts/resend-activation', { email: body.email });
    assert.equal(resent.status, 202, resent.text);
    const second = await activationTokenFor(platform, body.email, 2);
    const [, secondExpiry] = await linkExpiries(created.json.id);
    assert.ok(
      secondExpiry! >= firstExpiry! + LINK_TTL_MS / 2 - 1_000,
      'the new link has a full delay of its own',
    );

    // Past the first link's end, where the account would have been purged had the delay not restarted.
    await sleepUntil(firstExpiry! + 500);
    const answer = await platform.client().send('POST', '/api/v1/accounts/activate', { token: second });
    assert.equal(answer.status, 200, answer.text);
    const outcome = await platform.services.temporal.client.workflow
      .getHandle(signUpWorkflowId(created.json.id))
      .result();
    assert.equal(outcome, 'activated');
  });
});
