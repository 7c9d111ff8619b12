import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually, startTestPlatform, type TestPlatform } from './helpers/platform.ts';
import { startScript } from './helpers/processes.ts';
import { signInStaff } from './helpers/requests.ts';
import { WebhookReceiver } from './helpers/webhook-receiver.ts';

let platform: TestPlatform;
let target: WebhookReceiver;

before(async () => {
  platform = await startTestPlatform({
    worker: false,
    env: {
      WEBHOOK_ALLOW_LOCAL_HTTP: 'true',
      WEBHOOK_RETRY_SCHEDULE: '0,1s,1s,1s',
      // Long enough for the worker to be killed while the receiver holds the request.
      WEBHOOK_TIMEOUT: '4s',
      WEBHOOK_RELAY_INTERVAL: '1s',
      TEMPORAL_CALL_TIMEOUT: '60s',
    },
  });
  target = await WebhookReceiver.start();
});

after(async () => {
  await target?.stop();
  await platform?.stop();
});

describe('a webhook delivery whose worker dies in the middle of a POST', () => {
  it('is delivered by the next worker, with the same webhook-id, and signed as the reference library verifies', async () => {
    const workerEnv = { ...platform.env, LOG_LEVEL: 'info' };
    const first = await startScript('runtime/worker-main.ts', workerEnv, /worker started/);
    let second: Awaited<ReturnType<typeof startScript>> | undefined;
    try {
      const developer = await signInStaff(
        platform,
        [{ role: 'developpeur', definition: 'api-entreprise' }],
        'dev',
      );
      // The first POST is held open by the receiver: the worker is killed while it waits for the answer.
      target.script(['hang'], { status: 204 });
      const created = await developer.client.send('POST', '/api/v1/definitions/api-entreprise/webhooks', {
        url: target.url,
        events: ['request.validated'],
      });
      assert.equal(created.status, 201, created.text);
      target.secrets = [created.json.secret];
      await eventually(
        async () => (target.received.length >= 1 ? true : undefined),
        30_000,
        'the first POST',
      );
      first.child.kill('SIGKILL');
      await first.exited;

      second = await startScript('runtime/worker-main.ts', workerEnv, /worker started/);
      await eventually(
        async () => (target.received.some((delivery) => delivery.answered === 204) ? true : undefined),
        45_000,
        'the delivery taken over by the next worker',
      );
      assert.equal(new Set(target.received.map((delivery) => delivery.id)).size, 1, 'one webhook-id');
      for (const delivery of target.received) assert.deepEqual(delivery.verifiedWith, [created.json.secret]);
      const deliveries = await eventually(async () => {
        const answer = await developer.client.get(
          `/api/v1/definitions/api-entreprise/webhooks/${created.json.id}/deliveries`,
        );
        return answer.json.deliveries[0]?.status === 'delivered' ? answer.json.deliveries : undefined;
      });
      assert.equal(deliveries.length, 1);
      const endpoint = await developer.client.get(
        `/api/v1/definitions/api-entreprise/webhooks/${created.json.id}`,
      );
      assert.equal(endpoint.json.status, 'active');
    } finally {
      for (const worker of [first, second]) {
        if (!worker || worker.child.exitCode !== null || worker.child.signalCode !== null) continue;
        worker.child.kill('SIGTERM');
        await worker.exited;
      }
    }
  });
});
