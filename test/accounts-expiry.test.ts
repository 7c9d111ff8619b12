import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signUpWorkflowId } from '../workflows/sign-up';
import { activationTokenFor, signUpBody } from './helpers/accounts';
import { eventually, startTestPlatform, type TestPlatform } from './helpers/platform';

let platform: TestPlatform;

before(async () => {
  platform = await startTestPlatform({ env: { ACTIVATION_LINK_TTL: '3s' } });
});
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
    await activationTokenFor(platform, body.email);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await platform.client().send('POST', '/api/v1/accounts/resend-activation', { email: body.email });
    const second = await activationTokenFor(platform, body.email, 2);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const answer = await platform.client().send('POST', '/api/v1/accounts/activate', { token: second });
    assert.equal(answer.status, 200, 'still valid 3.5 s after sign-up: the new link has its own 3 s');
    const outcome = await platform.services.temporal.client.workflow
      .getHandle(signUpWorkflowId(created.json.id))
      .result();
    assert.equal(outcome, 'activated');
  });
});
