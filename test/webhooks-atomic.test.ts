import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { emailsTo } from './helpers/accounts.ts';
import { eventually, startTestPlatform, type TestPlatform } from './helpers/platform.ts';
import { signInStaff } from './helpers/requests.ts';
import { FAST_WEBHOOKS, WebhookReceiver } from './helpers/webhook-receiver.ts';

let platform: TestPlatform;
let target: WebhookReceiver;

before(async () => {
  platform = await startTestPlatform({
    env: FAST_WEBHOOKS,
  });
  target = await WebhookReceiver.start();
});

after(async () => {
  await target?.stop();
  await platform?.stop();
});

describe('a webhook attempt that fails while disabling its endpoint', () => {
  it('settles nothing, so its retry disables the endpoint and tells the developers', async () => {
    // The first disabling fails as a worker dying at that moment would leave it (a sequence is not rolled back,
    // so only the first try fails): the delivery's settling must roll back with it.
    await platform.services.db.query(`
      CREATE SEQUENCE webhook_disable_fails_once;
      CREATE FUNCTION webhook_disable_fails_once() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.status = 'disabled' AND nextval('webhook_disable_fails_once') = 1 THEN
          RAISE EXCEPTION 'the worker died';
        END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER webhook_disable_fails_once BEFORE UPDATE ON webhook_endpoints
        FOR EACH ROW EXECUTE FUNCTION webhook_disable_fails_once();`);
    try {
      const developer = await signInStaff(
        platform,
        [{ role: 'developpeur', definition: 'api-entreprise' }],
        'dev',
      );
      target.script([], { status: 410 });
      const created = await developer.client.send('POST', '/api/v1/definitions/api-entreprise/webhooks', {
        url: target.url,
        events: ['technical_account.deleted'],
      });
      assert.equal(created.status, 201, created.text);
      target.secrets = [created.json.secret];
      const status = async () =>
        (await developer.client.get(`/api/v1/definitions/api-entreprise/webhooks/${created.json.id}`)).json
          .status as string;
      await eventually(async () => ((await status()) === 'disabled' ? true : undefined), 30_000);
      assert.equal(target.received.length, 2, 'the attempt whose disabling failed is made again');
      const [email] = await emailsTo(platform, developer.email, { subject: /désactivé/ });
      assert.match(email!.text, /410/);
      const deliveries = await developer.client.get(
        `/api/v1/definitions/api-entreprise/webhooks/${created.json.id}/deliveries`,
      );
      assert.equal(deliveries.json.deliveries[0]?.status, 'failed');
    } finally {
      await platform.services.db.query(`
        DROP TRIGGER webhook_disable_fails_once ON webhook_endpoints;
        DROP FUNCTION webhook_disable_fails_once();
        DROP SEQUENCE webhook_disable_fails_once;`);
    }
  });
});
