import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { findEmail } from '../store/outbox.ts';
import { DEMO_PASSWORD, eventually, startTestPlatform, type TestPlatform } from './helpers/platform.ts';
import { startScript } from './helpers/processes.ts';
import { startSmtpServer } from './helpers/smtp-server.ts';

describe('a worker killed while it delivers an email', () => {
  let platform: TestPlatform;
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;

  before(async () => {
    // The first hand-over never gets an answer: the worker is killed while it waits for the server.
    smtp = await startSmtpServer((attempt) => (attempt === 1 ? 'hang' : 'accept'));
    platform = await startTestPlatform({
      worker: false,
      env: { SMTP_URL: smtp.url, MAIL_SEND_TIMEOUT: '3s' },
    });
  });
  after(async () => {
    await platform.stop();
    await smtp.stop();
  });

  it('loses nothing: the email is sent once a worker is back', async () => {
    const workerEnv = { ...platform.env, LOG_LEVEL: 'info' };
    const first = await startScript('runtime/worker-main.ts', workerEnv, /worker started/);

    const admin = platform.client();
    await admin.signIn('admin@sesame.test', DEMO_PASSWORD);
    const queued = await admin.send('POST', '/api/v1/admin/test-email', { to: 'survivant@exemple.fr' });
    assert.equal(queued.status, 202);
    const emailId: string = queued.json.emailId;

    await smtp.attemptsReached(1);
    first.child.kill('SIGKILL');
    await first.exited;
    assert.equal(
      (await findEmail(platform.services.db, emailId))?.status,
      'pending',
      'not sent while no worker runs',
    );
    assert.equal(smtp.received.length, 0);

    const second = await startScript('runtime/worker-main.ts', workerEnv, /worker started/);
    try {
      const email = await eventually(
        async () => {
          const row = await findEmail(platform.services.db, emailId);
          return row?.status === 'sent' ? row : undefined;
        },
        30_000,
        'the email to be sent by the new worker',
      );
      assert.equal(email.recipient, 'survivant@exemple.fr');
      assert.equal(smtp.received.length, 1, 'delivered exactly once');
      assert.deepEqual(smtp.received[0]!.to, ['survivant@exemple.fr']);
    } finally {
      second.child.kill('SIGTERM');
      assert.equal(await second.exited, 0, 'the worker shuts down cleanly on SIGTERM');
    }
  });
});
