import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { bundleWorkflowCode } from '@temporalio/worker';
import { findTemporalCli } from '../runtime/temporal-cli.ts';
import { startEphemeralDevServer } from '../runtime/temporal-dev-server.ts';
import { WORKFLOWS_PATH } from '../runtime/worker.ts';

/**
 * `node --import tsx test/record-webhook-histories.ts`: the webhook workflows' paths run once against a real
 * server, their histories kept in test/histories/ (deliver-webhook.*, webhook-relay.*) for
 * test/workflow-replay.test.ts, as test/record-histories.ts does for the others. Record again only for a new
 * path; an old history must keep replaying after any change.
 */
const OUTPUT = process.env.SESAME_HISTORIES_DIR || path.join(import.meta.dirname, 'histories');
const work = path.join(os.tmpdir(), `sesame-webhook-histories-${process.pid}`);
mkdirSync(work, { recursive: true });

const devServer = await startEphemeralDevServer(console.log);
const cli = findTemporalCli(process.env.TEMPORAL_CLI_PATH || undefined);
if (!cli) throw new Error('the temporal CLI exports histories: build it first (see README)');
const historyJson = (workflowId: string) =>
  execFileSync(
    cli,
    ['workflow', 'show', '--workflow-id', workflowId, '--address', devServer.address, '--output', 'json'],
    { encoding: 'utf8' },
  );
const bundlePath = path.join(work, 'bundle.js');
writeFileSync(bundlePath, (await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH })).code);
process.env.SESAME_TEST_TEMPORAL_ADDRESS = devServer.address;
process.env.SESAME_TEST_WORKFLOW_BUNDLE = bundlePath;

const { startTestPlatform, eventually } = await import('./helpers/platform.ts');
const { WebhookReceiver } = await import('./helpers/webhook-receiver.ts');
const { createWebhookEndpoint } = await import('../app/webhooks.ts');
const { webhookWorkflowId } = await import('../runtime/webhook-deliveries.ts');
const { ensureStaffAccount } = await import('../store/users.ts');
const { findUserById } = await import('../store/users.ts');

const platform = await startTestPlatform({
  http: false,
  env: {
    WEBHOOK_ALLOW_LOCAL_HTTP: 'true',
    WEBHOOK_RETRY_SCHEDULE: '0,300ms,300ms',
    WEBHOOK_TIMEOUT: '1s',
    WEBHOOK_RELAY_INTERVAL: '500ms',
  },
});
const receiver = await WebhookReceiver.start();
try {
  const developerId = await ensureStaffAccount(
    platform.services.db,
    {
      email: 'dev-historique@sesame.test',
      givenName: 'Dev',
      familyName: 'Historique',
      passwordHash: '!',
      staffRoles: [{ role: 'developpeur', definition: 'api-entreprise' }],
    },
    async () => false,
  );
  const developer = (await findUserById(platform.services.db, developerId))!;
  const scenarios: [string, Parameters<typeof receiver.script>[0], Parameters<typeof receiver.script>[1]][] =
    [
      ['delivered-first-time', [], { status: 204 }],
      [
        'delivered-after-retries',
        [{ status: 500 }, { status: 429, headers: { 'retry-after': '1' } }],
        { status: 200 },
      ],
      ['failed', [], { status: 503 }],
      ['gone', [], { status: 410 }],
    ];
  for (const [name, replies, then] of scenarios) {
    receiver.script(replies, then);
    const { endpoint } = await createWebhookEndpoint(platform.services, developer, 'api-entreprise', {
      url: receiver.url,
      events: ['technical_account.deleted'],
    });
    const { rows } = await platform.services.db.query<{ event_id: string }>(
      'SELECT event_id FROM webhook_deliveries WHERE endpoint_id = $1',
      [endpoint.id],
    );
    const workflowId = webhookWorkflowId({ endpointId: endpoint.id, eventId: rows[0]!.event_id, run: 1 });
    await eventually(async () => {
      try {
        await platform.services.temporal.client.workflow.getHandle(workflowId).result();
        return true;
      } catch {
        return undefined;
      }
    }, 30_000);
    writeFileSync(path.join(OUTPUT, `deliver-webhook.${name}.json`), historyJson(workflowId));
    console.log(`recorded ${name}`);
  }
  const relayId = `${platform.config.temporal.taskQueue}:webhook-relay`;
  writeFileSync(path.join(OUTPUT, 'webhook-relay.turns.json'), historyJson(relayId));
} finally {
  await receiver.stop();
  await platform.stop();
  await devServer.stop();
}
