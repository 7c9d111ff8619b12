import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { ensureDemoProviderCredentials } from '../app/provider-credentials.ts';
import { signatureHeader } from '../app/webhook-secrets.ts';
import { demoWebhookSecret, ensureWebhookEndpoint } from '../app/webhooks.ts';
import { startDemoProvider, type RunningDemoProvider } from '../demo-provider/server.ts';
import { verifyWebhook, WebhookVerificationError } from '../packages/sesame-verify/index.ts';
import { newEmail, signUpAndActivate, SIRET } from './helpers/accounts.ts';
import { approvedRequest } from './helpers/habilitations.ts';
import { eventually, startTestPlatform, type TestPlatform } from './helpers/platform.ts';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const OTHER = 'whsec_' + Buffer.alloc(32, 7).toString('base64');
const body = JSON.stringify({ type: 'request.validated', timestamp: '2026-12-01T10:00:00.000Z', data: {} });

function signed(secrets: string[], id = 'b1a4c7d0-0000-4000-8000-000000000001', at = new Date()) {
  const timestamp = Math.floor(at.getTime() / 1000);
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signatureHeader(secrets, id, timestamp, body),
  };
}

describe('verifyWebhook (@sesame/verify)', () => {
  it('accepts what Sésame signs, and what the reference library signs, with the same secret', () => {
    const verified = verifyWebhook(SECRET, signed([SECRET]), body);
    assert.equal(verified.payload.type, 'request.validated');
    // Interoperability both ways with the Standard Webhooks reference implementation.
    const reference = new Webhook(SECRET);
    assert.doesNotThrow(() => reference.verify(body, signed([SECRET])));
    const id = 'msg_reference';
    const now = new Date();
    const signature = reference.sign(id, now, body);
    const headers = new Headers({
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': signature,
    });
    assert.equal(verifyWebhook(SECRET, headers, Buffer.from(body)).id, id);
  });

  it('accepts either signature during a rotation, and either secret the receiver holds', () => {
    const both = signed([OTHER, SECRET]);
    assert.equal(both['webhook-signature'].split(' ').length, 2);
    assert.doesNotThrow(() => verifyWebhook(SECRET, both, body));
    assert.doesNotThrow(() => verifyWebhook(OTHER, both, body));
    assert.doesNotThrow(() => verifyWebhook([OTHER, SECRET], signed([SECRET]), body));
  });

  it('refuses a wrong secret, a changed body or id, a stale or future timestamp, missing headers', () => {
    const refused = (fn: () => unknown, reason: string) =>
      assert.throws(fn, (error) => error instanceof WebhookVerificationError && error.reason === reason);
    refused(() => verifyWebhook(OTHER, signed([SECRET]), body), 'bad_signature');
    refused(
      () => verifyWebhook(SECRET, signed([SECRET]), body.replace('validated', 'refused')),
      'bad_signature',
    );
    refused(
      () => verifyWebhook(SECRET, { ...signed([SECRET]), 'webhook-id': 'autre' }, body),
      'bad_signature',
    );
    const sixMinutesAgo = new Date(Date.now() - 6 * 60_000);
    refused(() => verifyWebhook(SECRET, signed([SECRET], 'x', sixMinutesAgo), body), 'too_old');
    const inSixMinutes = new Date(Date.now() + 6 * 60_000);
    refused(() => verifyWebhook(SECRET, signed([SECRET], 'x', inSixMinutes), body), 'too_new');
    refused(() => verifyWebhook(SECRET, { 'webhook-id': 'x' }, body), 'missing_headers');
    refused(
      () => verifyWebhook(SECRET, { ...signed([SECRET]), 'webhook-timestamp': '12ab' }, body),
      'bad_timestamp',
    );
    // Within the tolerance, a delivery four minutes old is fine.
    assert.doesNotThrow(() =>
      verifyWebhook(SECRET, signed([SECRET], 'x', new Date(Date.now() - 4 * 60_000)), body),
    );
  });
});

describe('the demo provider receiving Sésame’s webhooks', () => {
  let platform: TestPlatform;
  let demo: RunningDemoProvider;

  before(async () => {
    platform = await startTestPlatform({ env: { WEBHOOK_ALLOW_LOCAL_HTTP: 'true' } });
    const secret = demoWebhookSecret(platform.services.keys.demoProvider);
    demo = await startDemoProvider({
      ...(await ensureDemoProviderCredentials(platform.services, platform.services.keys.demoProvider)),
      introspectionUrl: `${platform.url}/api/v1/introspect`,
      host: '127.0.0.1',
      port: 0,
      webhookSecret: secret,
    });
    const url = `${demo.url}/webhooks`;
    const first = await ensureWebhookEndpoint(platform.services, {
      definition: 'api-entreprise',
      url,
      secret,
    });
    assert.equal(
      await ensureWebhookEndpoint(platform.services, { definition: 'api-entreprise', url, secret }),
      first,
    );
  });
  after(async () => {
    await demo?.stop();
    await platform?.stop();
  });

  it('verifies each delivery and lists the events it accepted; refuses a forged one', async () => {
    const { client } = await signUpAndActivate(platform, {
      siret: SIRET.commune,
      email: newEmail('saint-exemple.fr'),
    });
    const { requestId } = await approvedRequest(platform, client, { definition: 'api-entreprise' });
    const listed = await eventually(async () => {
      const answer = (await (await fetch(`${demo.url}/webhooks`)).json()) as {
        webhooks: { id: string; type: string; data: { request_id?: string } }[];
      };
      const types = answer.webhooks.filter((w) => w.data.request_id === requestId).map((w) => w.type);
      return ['request.created', 'request.submitted', 'request.validated', 'token.issued'].every((t) =>
        types.includes(t),
      )
        ? answer.webhooks
        : undefined;
    }, 30_000);
    assert.equal(new Set(listed.map((w) => w.id)).size, listed.length, 'each event once');
    const forged = await fetch(`${demo.url}/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signed([OTHER]) },
      body,
    });
    assert.equal(forged.status, 401);
  });
});
