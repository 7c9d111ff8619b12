import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { deliveryWorkflowId } from '../runtime/email-deliveries.ts';
import { findEmail } from '../store/outbox.ts';
import { withTransaction } from '../store/pool.ts';
import { DEMO_PASSWORD, eventually, startTestPlatform, type TestPlatform } from './helpers/platform.ts';
import { historyText } from './helpers/history.ts';
import { startSmtpServer } from './helpers/smtp-server.ts';

async function emailStatus(platform: TestPlatform, id: string, status: string) {
  return eventually(
    async () => {
      const email = await findEmail(platform.services.db, id);
      return email?.status === status ? email : undefined;
    },
    20_000,
    `email ${id} to be ${status}`,
  );
}

async function sendTestEmailAsAdmin(platform: TestPlatform, to?: string): Promise<string> {
  const api = platform.client();
  assert.equal((await api.signIn('admin@sesame.test', DEMO_PASSWORD)).status, 200);
  const answer = await api.send('POST', '/api/v1/admin/test-email', to === undefined ? {} : { to });
  assert.equal(answer.status, 202, answer.text);
  return answer.json.emailId;
}

describe('the development mailbox, without SMTP', () => {
  let platform: TestPlatform;
  before(async () => {
    platform = await startTestPlatform();
  });
  after(async () => {
    await platform.stop();
  });

  it('receives every email, newest first, as JSON and as pages', async () => {
    const first = await sendTestEmailAsAdmin(platform);
    const second = await sendTestEmailAsAdmin(platform, 'Quelquun@Exemple.fr');
    await emailStatus(platform, second, 'sent');

    const mailbox = await platform.client().get('/dev/mails.json');
    assert.equal(mailbox.status, 200);
    assert.deepEqual(
      mailbox.json.slice(0, 2).map((email: { id: string }) => email.id),
      [second, first],
    );
    const latest = mailbox.json[0];
    assert.deepEqual(Object.keys(latest).sort(), [
      'createdAt',
      'html',
      'id',
      'status',
      'subject',
      'text',
      'to',
    ]);
    assert.equal(latest.to, 'quelquun@exemple.fr');
    assert.equal(latest.subject, 'Sésame — courriel de test');
    assert.match(latest.text, /à la demande de Camille Martin/);
    assert.match(latest.html, /<html lang="fr">/);
    assert.ok(!Number.isNaN(Date.parse(latest.createdAt)));

    const list = await platform.client().get('/dev/mails');
    assert.equal(list.status, 200);
    assert.match(list.text, /Boîte de réception de développement/);
    assert.match(list.text, new RegExp(`/dev/mails/${second}`));

    const page = await platform.client().get(`/dev/mails/${second}`);
    assert.equal(page.status, 200);
    assert.match(page.text, /à la demande de Camille Martin/);

    const html = await platform.client().get(`/dev/mails/${second}/html`);
    assert.equal(html.status, 200);
    assert.match(html.headers.get('content-security-policy') ?? '', /sandbox/);
  });

  it('answers 404 for unknown and malformed email ids', async () => {
    assert.equal(
      (await platform.client().get('/dev/mails/00000000-0000-4000-8000-000000000000')).status,
      404,
    );
    assert.equal((await platform.client().get('/dev/mails/pas-un-identifiant')).status, 404);
    assert.equal((await platform.client().get("/dev/mails/'%20OR%201=1/html")).status, 404);
  });

  it('keeps personal data out of the delivery workflow history', async () => {
    const id = await sendTestEmailAsAdmin(platform, 'destinataire.prive@exemple.fr');
    await emailStatus(platform, id, 'sent');
    const history = await platform.services.temporal.client.workflow
      .getHandle(deliveryWorkflowId(id))
      .fetchHistory();
    const recorded = historyText(history);
    assert.ok(recorded.includes(id), 'the history names the outbox row');
    assert.ok(!recorded.includes('destinataire.prive'), 'but not the recipient');
    assert.ok(!recorded.includes('Camille'), 'nor the content');
  });

  it('an email whose delivery was never started is delivered by the relay', async () => {
    // As if the process had died between committing the email and starting its workflow.
    const queued = await withTransaction(platform.services.db, (tx) =>
      platform.services.mailer.enqueue(tx, {
        to: 'orphelin@exemple.fr',
        template: 'test-email',
        data: { requestedBy: 'Un processus interrompu', requestedAt: new Date().toISOString() },
        idempotencyKey: `test:relay:${Date.now()}`,
      }),
    );
    const email = await emailStatus(platform, queued.id, 'sent');
    assert.equal(email.recipient, 'orphelin@exemple.fr');
  });

  it('queues an email only once per business event', async () => {
    const request = {
      to: 'une-fois@exemple.fr',
      template: 'test-email' as const,
      data: { requestedBy: 'Idempotence', requestedAt: new Date().toISOString() },
      idempotencyKey: `test:once:${Date.now()}`,
    };
    const [a, b] = await Promise.all([
      platform.services.mailer.send(request),
      platform.services.mailer.send(request),
    ]);
    assert.equal(a, b);
    await emailStatus(platform, a, 'sent');
    const { rows } = await platform.services.db.query(
      'SELECT count(*)::int AS n FROM outbox_emails WHERE recipient = $1',
      ['une-fois@exemple.fr'],
    );
    assert.equal(rows[0].n, 1);
  });
});

describe('the development mailbox does not exist', () => {
  it('in production', async () => {
    const platform = await startTestPlatform({
      worker: false,
      env: { NODE_ENV: 'production', SMTP_URL: 'smtp://127.0.0.1:2525' },
    });
    try {
      assert.equal((await platform.client().get('/dev/mails')).status, 404);
      assert.equal((await platform.client().get('/dev/mails.json')).status, 404);
    } finally {
      await platform.stop();
    }
  });

  it('when SMTP is configured', async () => {
    const platform = await startTestPlatform({ worker: false, env: { SMTP_URL: 'smtp://127.0.0.1:2525' } });
    try {
      assert.equal((await platform.client().get('/dev/mails.json')).status, 404);
    } finally {
      await platform.stop();
    }
  });
});

describe('delivery through an SMTP server', () => {
  it('retries with back-off while the server fails, then delivers once it recovers', async () => {
    const smtp = await startSmtpServer((attempt) => (attempt <= 2 ? 'temporary-failure' : 'accept'));
    const platform = await startTestPlatform({ env: { SMTP_URL: smtp.url } });
    try {
      const id = await sendTestEmailAsAdmin(platform, 'agent@exemple.fr');
      const email = await emailStatus(platform, id, 'sent');
      assert.equal(email.attempts, 3);
      assert.match(email.lastError ?? '', /451/);
      assert.equal(email.sealedSecrets, null);
      assert.deepEqual(smtp.attempts, ['temporary-failure', 'temporary-failure', 'accept']);
      assert.equal(smtp.received.length, 1);
      const [message] = smtp.received;
      assert.deepEqual(message!.to, ['agent@exemple.fr']);
      assert.equal(message!.subject, 'Sésame — courriel de test');
      assert.equal(message!.messageId, `<${id}@127.0.0.1>`);

      const overview = platform.client();
      await overview.signIn('admin@sesame.test', DEMO_PASSWORD);
      const listed = await overview.get('/api/v1/admin/emails');
      assert.equal(listed.json.recent[0].attempts, 3);
      assert.equal(listed.json.counts.sent, 1);
    } finally {
      await platform.stop();
      await smtp.stop();
    }
  });

  it('stops at a permanent refusal and shows the email as failed', async () => {
    const smtp = await startSmtpServer(() => 'permanent-failure');
    const platform = await startTestPlatform({ env: { SMTP_URL: smtp.url } });
    try {
      const id = await sendTestEmailAsAdmin(platform, 'inconnu@exemple.fr');
      const email = await emailStatus(platform, id, 'failed');
      assert.equal(email.attempts, 1);
      assert.match(email.lastError ?? '', /550/);
      const outcome = await platform.services.temporal.client.workflow
        .getHandle(deliveryWorkflowId(id))
        .result();
      assert.equal(outcome, 'failed');

      const admin = platform.client();
      await admin.signIn('admin@sesame.test', DEMO_PASSWORD);
      const page = await admin.get('/admin');
      assert.match(page.text, /En échec : 1/);
      assert.match(page.text, /550/);
    } finally {
      await platform.stop();
      await smtp.stop();
    }
  });

  it('gives up when MAIL_GIVE_UP_AFTER is spent and keeps the email, marked failed', async () => {
    const smtp = await startSmtpServer(() => 'temporary-failure');
    const platform = await startTestPlatform({ env: { SMTP_URL: smtp.url, MAIL_GIVE_UP_AFTER: '3s' } });
    try {
      const id = await sendTestEmailAsAdmin(platform, 'patient@exemple.fr');
      // Polled from the start: the first time it reads failed is when it failed, to a poll's interval. Times
      // are the database's, as the email's are.
      const failed = await eventually(
        async () => {
          const { rows } = await platform.services.db.query<{
            status: string;
            attempts: number;
            created_at: Date;
            now: Date;
          }>(
            'SELECT status, attempts, created_at, clock_timestamp() AS now FROM outbox_emails WHERE id = $1',
            [id],
          );
          return rows[0]?.status === 'failed' ? rows[0] : undefined;
        },
        30_000,
        'the email marked failed',
      );
      // Temporal retries while the next attempt can start within MAIL_GIVE_UP_AFTER: the email fails once
      // the time is spent, at most one retry interval before its end.
      const { giveUpAfterMs, retryMaxIntervalMs } = platform.config.mail;
      const failedAfter = failed.now.getTime() - failed.created_at.getTime();
      assert.ok(
        failedAfter >= giveUpAfterMs - retryMaxIntervalMs,
        `retried through MAIL_GIVE_UP_AFTER (${giveUpAfterMs} ms): failed ${failedAfter} ms after being queued`,
      );
      assert.ok(
        failedAfter <= giveUpAfterMs + 15_000,
        `then gave up: failed ${failedAfter} ms after being queued`,
      );
      assert.ok(failed.attempts >= 3, `${failed.attempts} attempts`);
      assert.equal(smtp.received.length, 0);
    } finally {
      await platform.stop();
      await smtp.stop();
    }
  });
});
