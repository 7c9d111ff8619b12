import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { createRequestActivities } from '../activities/requests.ts';
import { isAllowedAddress } from '../app/webhook-sender.ts';
import { loadConfig } from '../runtime/config.ts';
import { revokeHabilitationOfRequest } from '../store/habilitations.ts';
import { withTransaction } from '../store/pool.ts';
import { emailsTo } from './helpers/accounts.ts';
import {
  approvedToken,
  providerCredentials,
  reopenAndApprove,
  revokeRequest,
  submitRequest,
  approve,
} from './helpers/habilitations.ts';
import { historyText } from './helpers/history.ts';
import type { HttpClient } from './helpers/http-client.ts';
import { eventually, startTestPlatform, type TestPlatform } from './helpers/platform.ts';
import { applicantWithDraft, signInStaff } from './helpers/requests.ts';
import { FAST_WEBHOOKS, WebhookReceiver } from './helpers/webhook-receiver.ts';
import { needsPostgresServer } from './helpers/worker-crash.ts';

let platform: TestPlatform;
let developer: { client: HttpClient; email: string };
const receivers: WebhookReceiver[] = [];

const BASE = '/api/v1/definitions/api-entreprise/webhooks';

async function receiver(): Promise<WebhookReceiver> {
  const started = await WebhookReceiver.start();
  receivers.push(started);
  return started;
}

/** An endpoint added by the developer; the receiver is given its secret. */
async function addEndpoint(target: WebhookReceiver, events?: string[]) {
  const created = await developer.client.send('POST', BASE, {
    url: target.url,
    ...(events ? { events } : {}),
  });
  assert.equal(created.status, 201, created.text);
  target.secrets = [created.json.secret];
  return created.json as { id: string; secret: string; status: string };
}

async function deliveriesOf(endpointId: string) {
  const answer = await developer.client.get(`${BASE}/${endpointId}/deliveries`);
  assert.equal(answer.status, 200, answer.text);
  return answer.json.deliveries as {
    eventId: string;
    type: string;
    status: string;
    attempts: { statusCode: number | null; error: string | null; durationMs: number }[];
  }[];
}

async function endpointStatus(endpointId: string): Promise<string> {
  return (await developer.client.get(`${BASE}/${endpointId}`)).json.status;
}

// Only events no test of this file causes: these endpoints receive their test events and nothing else.
const QUIET = ['technical_account.deleted'];

before(async () => {
  platform = await startTestPlatform({
    env: FAST_WEBHOOKS,
  });
  developer = await signInStaff(platform, [{ role: 'developpeur', definition: 'api-entreprise' }], 'dev');
});

after(async () => {
  for (const started of receivers) await started.stop();
  await platform?.stop();
});

describe('webhooks', () => {
  it('deliver the test event and a request’s lifecycle, signed as the reference library verifies, without personal data', async () => {
    const target = await receiver();
    const endpoint = await addEndpoint(target);
    assert.match(endpoint.secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
    assert.equal(endpoint.status, 'pending');
    await eventually(async () => (target.ofType('webhook.test').length > 0 ? true : undefined));
    assert.deepEqual(target.ofType('webhook.test')[0]!.verifiedWith, [endpoint.secret]);
    assert.equal(
      await eventually(async () => ((await endpointStatus(endpoint.id)) === 'active' ? 'active' : undefined)),
      'active',
    );
    const listed = await developer.client.get(BASE);
    assert.equal(listed.status, 200);
    assert.ok(!listed.text.includes(endpoint.secret), 'the secret is shown once, at creation');

    const { client: applicant, email } = await applicantWithDraft(platform);
    const { requestId, habilitationId, tokenId } = await approvedToken(platform, applicant);
    const types = ['request.created', 'request.submitted', 'request.validated', 'token.issued'];
    await eventually(async () =>
      types.every((type) => target.ofType(type).some((d) => d.payload.data.request_id === requestId))
        ? true
        : undefined,
    );
    const mine = target.received.filter((d) => d.payload.data.request_id === requestId);
    for (const delivery of mine) {
      assert.deepEqual(delivery.verifiedWith, [endpoint.secret], `${delivery.payload.type} verifies`);
      assert.ok(!delivery.body.includes(email), 'no email address in a payload');
      assert.ok(!delivery.body.includes('Alix'), 'no person’s name in a payload');
      assert.ok(delivery.body.length < 20 * 1024);
    }
    // The applicant's own draft created before (applicantWithDraft) has its own request.created.
    const validated = target
      .ofType('request.validated')
      .find((d) => d.payload.data.request_id === requestId)!;
    assert.equal(validated.payload.data.state, 'validated');
    assert.equal(validated.payload.data.definition, 'api-entreprise');
    const organisation = validated.payload.data.organisation as { siret: string; name: string };
    assert.equal(organisation.siret, '21457956700014');
    assert.equal(typeof organisation.name, 'string');
    const token = target.ofType('token.issued').find((d) => d.payload.data.request_id === requestId)!;
    assert.equal(token.payload.data.credential_id, tokenId);
    assert.equal(token.payload.data.habilitation_id, habilitationId);
    assert.equal(typeof token.payload.data.prefix, 'string');
    // Per-request sequence numbers: created 1, submitted 2, validated 3, token 4.
    const sequences = types.map((type) => mine.find((d) => d.payload.type === type)!.payload.data.sequence);
    assert.deepEqual(sequences, [1, 2, 3, 4]);

    // No personal data nor secret in the delivery workflows' histories.
    const { rows } = await platform.services.db.query<{ event_id: string; run: number }>(
      `SELECT event_id, run FROM webhook_deliveries WHERE endpoint_id = $1`,
      [endpoint.id],
    );
    for (const row of rows) {
      const history = await platform.services.temporal.client.workflow
        .getHandle(`webhook-${endpoint.id}-${row.event_id}-${row.run}`)
        .fetchHistory();
      const text = historyText(history);
      for (const forbidden of [email, endpoint.secret, target.url, 'Alix', '21457956700014'])
        assert.ok(!text.includes(forbidden), `no ${forbidden} in a delivery workflow's history`);
    }
  });

  it('deliver again after a 500, with the same webhook-id, and log each attempt', async () => {
    const target = await receiver();
    target.script([{ status: 500, body: 'panne momentanée' }]);
    const endpoint = await addEndpoint(target, QUIET);
    await eventually(async () => (target.received.length >= 2 ? true : undefined));
    assert.equal(target.received[0]!.id, target.received[1]!.id, 'one webhook-id for every attempt');
    assert.deepEqual(
      target.received.map((d) => d.answered),
      [500, 204],
    );
    const [delivery] = await eventually(async () => {
      const list = await deliveriesOf(endpoint.id);
      return list[0]?.status === 'delivered' ? list : undefined;
    });
    assert.deepEqual(
      delivery!.attempts.map((a) => a.statusCode),
      [500, 204],
    );
    assert.equal((delivery!.attempts[0] as { responseExcerpt?: string }).responseExcerpt, 'panne momentanée');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    assert.equal(target.received.length, 2, 'delivered once: nothing after the 2xx');
  });

  it('disable an endpoint that answers 410, and tell the developers', async () => {
    const target = await receiver();
    target.script([], { status: 410 });
    const endpoint = await addEndpoint(target, QUIET);
    await eventually(async () => ((await endpointStatus(endpoint.id)) === 'disabled' ? true : undefined));
    assert.equal(target.received.length, 1, 'no retry after a 410');
    const [email] = await emailsTo(platform, developer.email, { subject: /désactivé/ });
    assert.match(email!.text, /410/);
    const test = await developer.client.send('POST', `${BASE}/${endpoint.id}/test`);
    assert.equal(test.status, 409, test.text);
    // Enabled again: pending, tested again.
    target.script([], { status: 204 });
    const enabled = await developer.client.send('PATCH', `${BASE}/${endpoint.id}`, { enabled: true });
    assert.equal(enabled.status, 200, enabled.text);
    assert.equal(enabled.json.status, 'pending');
    await eventually(async () => ((await endpointStatus(endpoint.id)) === 'active' ? true : undefined));
  });

  it('count a redirect as a failure without following it, and a receiver that hangs as a timeout; mark the event failed and email when the schedule is spent', async () => {
    const elsewhere = await receiver();
    const target = await receiver();
    target.script([{ status: 302, headers: { location: elsewhere.url } }, 'hang'], {
      status: 503,
      headers: { 'retry-after': '0' },
    });
    const endpoint = await addEndpoint(target, QUIET);
    const [delivery] = await eventually(
      async () => {
        const list = await deliveriesOf(endpoint.id);
        return list[0]?.status === 'failed' ? list : undefined;
      },
      30_000,
      'the event failed',
    );
    assert.equal(elsewhere.received.length, 0, 'the redirect was not followed');
    assert.equal(delivery!.attempts.length, 4, 'one attempt per step of the schedule');
    assert.equal(delivery!.attempts[0]!.statusCode, 302);
    assert.equal(delivery!.attempts[1]!.statusCode, null);
    assert.match(delivery!.attempts[1]!.error!, /pas de réponse/);
    assert.ok(delivery!.attempts[1]!.durationMs >= 900);
    assert.equal(new Set(target.received.map((d) => d.id)).size, 1, 'the same webhook-id on every attempt');
    await emailsTo(platform, developer.email, { subject: /n’a pas pu être livré/ });

    // Replayed: a new run, the same webhook-id, delivered.
    target.script([], { status: 200 });
    const replay = await developer.client.send(
      'POST',
      `${BASE}/${endpoint.id}/deliveries/${delivery!.eventId}/replay`,
    );
    assert.equal(replay.status, 202, replay.text);
    await eventually(async () =>
      (await deliveriesOf(endpoint.id))[0]?.status === 'delivered' ? true : undefined,
    );
    assert.equal(target.received.at(-1)!.id, delivery!.eventId);
  });

  it('replay every failed delivery since a date in one call, and nothing delivered or older', async () => {
    const target = await receiver();
    target.script([], { status: 500 });
    const endpoint = await addEndpoint(target, QUIET);
    const failedCount = async () =>
      (await deliveriesOf(endpoint.id)).filter((delivery) => delivery.status === 'failed').length;
    await eventually(
      async () => ((await failedCount()) === 1 ? true : undefined),
      30_000,
      'the creation’s test failed',
    );
    const creationTest = (await deliveriesOf(endpoint.id)).find((delivery) => delivery.status === 'failed')!;
    const since = new Date().toISOString();
    for (let sent = 0; sent < 3; sent++)
      assert.equal((await developer.client.send('POST', `${BASE}/${endpoint.id}/test`)).status, 202);
    await eventually(async () => ((await failedCount()) === 4 ? true : undefined), 30_000, 'four failed');
    // One delivered since the date: not replayed.
    target.script([], { status: 204 });
    assert.equal((await developer.client.send('POST', `${BASE}/${endpoint.id}/test`)).status, 202);
    await eventually(async () =>
      (await deliveriesOf(endpoint.id)).some((delivery) => delivery.status === 'delivered')
        ? true
        : undefined,
    );
    const before = target.received.length;

    const replay = await developer.client.send('POST', `${BASE}/${endpoint.id}/deliveries/replay-failed`, {
      since,
    });
    assert.equal(replay.status, 202, replay.text);
    assert.deepEqual(replay.json, { replayed: 3 }, 'the three failed since the date, not the one before it');
    const deliveredCount = async () =>
      (await deliveriesOf(endpoint.id)).filter((delivery) => delivery.status === 'delivered').length;
    await eventually(
      async () => ((await deliveredCount()) === 4 ? true : undefined),
      30_000,
      'three delivered',
    );
    const stillFailed = (await deliveriesOf(endpoint.id)).filter((delivery) => delivery.status === 'failed');
    assert.deepEqual(
      stillFailed.map((delivery) => delivery.eventId),
      [creationTest.eventId],
      'the one failed before the date is left as it was',
    );
    const replayed = target.received.slice(before);
    assert.equal(replayed.length, 3, 'each replayed once');
    assert.equal(new Set(replayed.map((delivery) => delivery.id)).size, 3);
    assert.ok(!replayed.some((delivery) => delivery.id === creationTest.eventId));
    const again = await developer.client.send('POST', `${BASE}/${endpoint.id}/deliveries/replay-failed`, {
      since,
    });
    assert.deepEqual(again.json, { replayed: 0 }, 'nothing failed left since the date');
  });

  it('wait as long as a 429’s Retry-After says before the next attempt', async () => {
    const target = await receiver();
    target.script([{ status: 429, headers: { 'retry-after': '2' } }], { status: 204 });
    await addEndpoint(target, QUIET);
    await eventually(async () => (target.received.length >= 2 ? true : undefined));
    const gap = target.received[1]!.receivedAt - target.received[0]!.receivedAt;
    assert.ok(gap >= 1_900, `the second attempt came ${gap} ms after the first, not 300 ms`);
    assert.equal(target.received[0]!.id, target.received[1]!.id);
  });

  it('disable an endpoint failing for longer than WEBHOOK_DISABLE_AFTER, and tell the developers', async () => {
    const target = await receiver();
    const endpoint = await addEndpoint(target, QUIET);
    await eventually(async () => ((await endpointStatus(endpoint.id)) === 'active' ? true : undefined));
    // Failing for six days already (the default limit is five).
    await platform.services.db.query(
      `UPDATE webhook_endpoints SET failing_since = now() - interval '6 days' WHERE id = $1`,
      [endpoint.id],
    );
    target.script([], { status: 500 });
    assert.equal((await developer.client.send('POST', `${BASE}/${endpoint.id}/test`)).status, 202);
    await eventually(async () => ((await endpointStatus(endpoint.id)) === 'disabled' ? true : undefined));
    const answer = await developer.client.get(`${BASE}/${endpoint.id}`);
    assert.equal(answer.json.disabledReason, 'failing');
    await emailsTo(platform, developer.email, { subject: /désactivé/, count: 2 });
  });

  it('deliver an event whose delivery was never started (the relay)', async () => {
    const target = await receiver();
    const endpoint = await addEndpoint(target, QUIET);
    await eventually(async () => (target.received.length >= 1 ? true : undefined));
    // Committed, then the process died before starting the delivery: the dispatches are dropped.
    const { withTransaction } = await import('../store/pool.ts');
    const { eventId } = await withTransaction(platform.services.db, (tx) =>
      platform.services.webhooks.recordTestEvent(tx, { id: endpoint.id, definition: 'api-entreprise' }),
    );
    await eventually(async () => (target.received.some((d) => d.id === eventId) ? true : undefined), 20_000);
  });

  it('sign with the old and the new secret after a rotation', async () => {
    const target = await receiver();
    const endpoint = await addEndpoint(target, QUIET);
    await eventually(async () => (target.received.length >= 1 ? true : undefined));
    const rotated = await developer.client.send('POST', `${BASE}/${endpoint.id}/rotate-secret`);
    assert.equal(rotated.status, 200, rotated.text);
    assert.notEqual(rotated.json.secret, endpoint.secret);
    assert.ok(rotated.json.previousSecretUntil);
    target.secrets = [endpoint.secret, rotated.json.secret];
    const test = await developer.client.send('POST', `${BASE}/${endpoint.id}/test`);
    assert.equal(test.status, 202, test.text);
    await eventually(async () => (target.received.length >= 2 ? true : undefined));
    const last = target.received.at(-1)!;
    assert.equal(last.id, test.json.eventId);
    assert.equal(last.signature.split(' ').length, 2, 'two signatures during the overlap');
    assert.deepEqual(last.verifiedWith, [endpoint.secret, rotated.json.secret]);
    assert.throws(() =>
      new Webhook(rotated.json.secret).verify(last.body, { ...headersOf(last), 'webhook-id': 'autre' }),
    );
  });

  it('record exactly one event per transition when the transition’s activity runs again', async () => {
    const { client: applicant } = await applicantWithDraft(platform);
    const requestId = await submitRequest(applicant, { definition: 'api-entreprise' });
    await approve(platform, requestId);
    const { rows } = await platform.services.db.query<{ version: number }>(
      'SELECT version FROM access_requests WHERE id = $1',
      [requestId],
    );
    const services = platform.services;
    const activities = createRequestActivities({
      db: services.db,
      mailer: services.mailer,
      publicUrl: services.publicUrl,
      definitions: services.definitions,
      directory: services.directory,
      credentials: services.credentials,
      webhooks: services.webhooks,
    });
    const again = await activities.transitionRequest({
      requestId,
      fromVersion: rows[0]!.version - 1,
      event: 'approve',
      to: 'validated',
      actorId: null,
    });
    assert.equal(again.outcome, 'applied');
    const counted = await services.db.query<{ type: string; count: number }>(
      `SELECT type, count(*)::int AS count FROM webhook_events WHERE request_id = $1 GROUP BY type ORDER BY type`,
      [requestId],
    );
    assert.deepEqual(
      counted.rows.filter((row) => row.type.startsWith('request.')),
      [
        { type: 'request.created', count: 1 },
        { type: 'request.submitted', count: 1 },
        { type: 'request.validated', count: 1 },
      ],
    );
    // The event found already there took no number: the request's events are numbered 1, 2, 3… with no gap a
    // provider would read as an event missed, and the next event continues from the last.
    const numbers = async () =>
      (
        await services.db.query<{ sequence: number }>(
          'SELECT sequence FROM webhook_events WHERE request_id = $1 ORDER BY sequence',
          [requestId],
        )
      ).rows.map((row) => row.sequence);
    // A step retried after its transaction committed records its event again: found there, it takes no number.
    for (let attempt = 0; attempt < 2; attempt++)
      await withTransaction(services.db, (tx) =>
        services.webhooks.recordRequestEvent(tx, requestId, 'request.reopened', 'retried-step'),
      );
    const before = await numbers();
    assert.deepEqual(
      before,
      before.map((_, index) => index + 1),
    );
    await revokeRequest(platform, requestId);
    const after = await eventually(async () => {
      const now = await numbers();
      return now.length > before.length ? now : undefined;
    });
    assert.deepEqual(
      after,
      after.map((_, index) => index + 1),
    );
  });

  it('refuse bad endpoints with 422, and hide other definitions’ endpoints with 404', async () => {
    const target = await receiver();
    const cases: [unknown, string][] = [
      [{ url: 'pas une adresse' }, 'url'],
      [{ url: 'ftp://example.fr/hook' }, 'url'],
      [{ url: 'http://10.0.0.7/hook' }, 'url'],
      [{ url: 'http://169.254.169.254/latest/meta-data' }, 'url'],
      [{ url: 'http://[::ffff:10.1.2.3]/hook' }, 'url'],
      [{ url: 'http://192.168.1.1/hook' }, 'url'],
      [{ url: 'https://user:pass@example.fr/hook' }, 'url'],
      [{ url: target.url, events: [] }, 'events'],
      [{ url: target.url, events: ['request.teleported'] }, 'events.0'],
      [{ url: target.url, events: 'request.created' }, 'events'],
      [{ url: 42 }, 'url'],
    ];
    for (const [body, path] of cases) {
      const answer = await developer.client.send('POST', BASE, body);
      assert.equal(answer.status, 422, `${JSON.stringify(body)}: ${answer.text}`);
      assert.ok(
        (answer.json.errors as { path: string }[]).some((error) => error.path === path),
        `${JSON.stringify(body)} names ${path}: ${answer.text}`,
      );
    }
    const endpoint = await addEndpoint(target, QUIET);
    const patched = await developer.client.send('PATCH', `${BASE}/${endpoint.id}`, {
      url: 'http://127.0.0.1.nip.invalid/x',
    });
    assert.equal(patched.status, 422, patched.text);

    // Another definition's developer, or a route naming the wrong definition: 404.
    const other = await signInStaff(
      platform,
      [{ role: 'developpeur', definition: 'chorus-pro' }],
      'dev-chorus',
    );
    for (const path of [BASE, `${BASE}/${endpoint.id}`, `${BASE}/${endpoint.id}/deliveries`]) {
      assert.equal((await other.client.get(path)).status, 404, path);
    }
    const wrongDefinition = await other.client.get(`/api/v1/definitions/chorus-pro/webhooks/${endpoint.id}`);
    assert.equal(wrongDefinition.status, 404);
    const unknownEvent = await developer.client.send(
      'POST',
      `${BASE}/${endpoint.id}/deliveries/00000000-0000-4000-8000-000000000000/replay`,
    );
    assert.equal(unknownEvent.status, 404);
    const instructor = await signInStaff(
      platform,
      [{ role: 'instructeur', definition: 'api-entreprise' }],
      'instr',
    );
    assert.equal((await instructor.client.get(BASE)).status, 404);
    const badQuery = await developer.client.get(`${BASE}/${endpoint.id}/deliveries?status=lost`);
    assert.equal(badQuery.status, 422);
    const badSince = await developer.client.send('POST', `${BASE}/${endpoint.id}/deliveries/replay-failed`, {
      since: 'hier',
    });
    assert.equal(badSince.status, 422);
  });

  it('answer odd inputs on every webhook route with a 4xx, never a 5xx', async () => {
    const target = await receiver();
    const endpoint = await addEndpoint(target, QUIET);
    const calls: [string, string, unknown?][] = [
      ['POST', BASE, []],
      ['POST', BASE, { url: null }],
      ['POST', BASE, { url: target.url, events: [null] }],
      ['POST', BASE, { url: target.url, extra: true }],
      ['POST', BASE, { url: 'http://[fe80::1%25eth0]/x' }],
      ['POST', BASE, { url: 'http://localhost:1/x'.padEnd(2_100, 'x') }],
      ['PATCH', `${BASE}/${endpoint.id}`, { enabled: 'oui' }],
      ['PATCH', `${BASE}/${endpoint.id}`, { events: [] }],
      ['PATCH', `${BASE}/${endpoint.id}`, { url: 'http://0.0.0.0/x' }],
      ['GET', `${BASE}/pas-un-id`],
      ['GET', `${BASE}/${endpoint.id}/deliveries?limit=-1`],
      ['GET', `${BASE}/${endpoint.id}/deliveries?limit=abc`],
      ['GET', `${BASE}/${endpoint.id}/deliveries?after=pas-un-id`],
      ['POST', `${BASE}/${endpoint.id}/deliveries/replay-failed`, { since: '2026-13-45T00:00:00Z' }],
      ['POST', `${BASE}/${endpoint.id}/deliveries/replay-failed`, {}],
      ['POST', `${BASE}/00000000-0000-4000-8000-000000000000/test`],
      ['POST', '/api/v1/definitions/inconnue/webhooks', { url: target.url }],
      ['GET', '/api/v1/definitions/INCONNUE!/webhooks'],
    ];
    for (const [method, path, body] of calls) {
      const answer = await developer.client.send(method, path, body);
      assert.ok(
        answer.status >= 400 && answer.status < 500,
        `${method} ${path}: ${answer.status} ${answer.text}`,
      );
    }
    const unknownCursor = await developer.client.get(
      `${BASE}/${endpoint.id}/deliveries?after=00000000-0000-4000-8000-000000000000`,
    );
    assert.deepEqual(unknownCursor.json, { deliveries: [] }, 'an unknown cursor has nothing after it');
    const upper = await developer.client.send('PATCH', `${BASE}/${endpoint.id.toUpperCase()}`, {
      events: ['request.created'],
    });
    assert.equal(upper.status, 200, 'an id in capitals names the same endpoint');
    const feed = platform.client();
    for (const query of [
      '?limit=0',
      '?limit=5000',
      '?after=pas-un-id',
      '?after=00000000-0000-4000-8000-000000000000',
    ])
      assert.equal(
        (await feed.get(`/api/v1/provider/events${query}`, { authorization: 'Basic Og==' })).status < 500,
        true,
      );
    const long = `Basic ${Buffer.from(`${'x'.repeat(300)}:${'y'.repeat(600)}`).toString('base64')}`;
    assert.equal((await feed.get('/api/v1/provider/events', { authorization: long })).status, 401);
  });

  it('serve the catch-up feed of the provider’s own definition, oldest first, 401 on wrong credentials', async () => {
    const entreprise = await providerCredentials(platform, 'api-entreprise');
    const chorus = await providerCredentials(platform, 'chorus-pro');
    const client = platform.client();
    const page = async (auth: string, query = '') =>
      client.get(`/api/v1/provider/events${query}`, { authorization: auth });
    const first = await page(entreprise.basic, '?limit=1000');
    assert.equal(first.status, 200, first.text);
    const events = first.json.events as { id: string; type: string; data: { definition: string } }[];
    assert.ok(events.length > 0);
    assert.ok(events.every((event) => event.data.definition === 'api-entreprise'));
    assert.ok(events.every((event) => event.type !== 'webhook.test'));
    const chorusEvents = await page(chorus.basic);
    assert.equal(chorusEvents.status, 200);
    assert.ok(
      !(chorusEvents.json.events as { id: string }[]).some((event) => events.some((e) => e.id === event.id)),
    );
    // Paging with `after` gives the same events, in the same order.
    const second = await page(entreprise.basic, `?after=${events[0]!.id}&limit=1000`);
    assert.deepEqual(
      (second.json.events as { id: string }[]).map((e) => e.id),
      events.slice(1).map((e) => e.id),
    );
    // Another definition's event is no cursor here.
    if (chorusEvents.json.events.length > 0)
      assert.equal((await page(entreprise.basic, `?after=${chorusEvents.json.events[0].id}`)).status, 422);
    const wrong = `Basic ${Buffer.from(`${entreprise.clientId}:faux`).toString('base64')}`;
    for (const auth of [wrong, 'Basic !!!', '']) {
      const answer = await page(auth);
      assert.equal(answer.status, 401, answer.text);
      assert.ok(!answer.text.includes('request'), 'no event in a refusal');
    }
    const habilitations = await client.get(
      '/api/v1/provider/habilitations?updated_since=2020-01-01T00:00:00Z',
      {
        authorization: entreprise.basic,
      },
    );
    assert.equal(habilitations.status, 200, habilitations.text);
    assert.ok(
      (habilitations.json.habilitations as { definition: string }[]).every(
        (h) => h.definition === 'api-entreprise',
      ),
    );
    assert.ok(habilitations.json.habilitations.length > 0);
    assert.equal((await client.get('/api/v1/provider/habilitations', { authorization: wrong })).status, 401);
    assert.equal(
      (
        await client.get('/api/v1/provider/habilitations?updated_since=hier', {
          authorization: entreprise.basic,
        })
      ).status,
      422,
    );
  });
  it('page the habilitation changes by cursor, each once', async () => {
    const entreprise = await providerCredentials(platform, 'api-entreprise');
    const client = platform.client();
    const read = (query: string) =>
      client.get(`/api/v1/provider/habilitations${query}`, { authorization: entreprise.basic });
    type Change = { id: string; status: string; createdAt: string; updatedAt: string };
    const listed = async (query: string) => {
      const answer = await read(query);
      assert.equal(answer.status, 200, answer.text);
      return answer.json as { habilitations: Change[]; next: string | null };
    };
    // A new revision's approval supersedes the habilitation before and creates the next in one transaction.
    const { client: applicant } = await applicantWithDraft(platform);
    const { requestId, habilitationId: first } = await approvedToken(platform, applicant);
    const second = await reopenAndApprove(platform, applicant, requestId);
    const all = await eventually(async () => {
      const { habilitations } = await listed('?updated_since=2020-01-01T00:00:00Z&limit=1000');
      return [first, second].every((id) => habilitations.some((h) => h.id === id))
        ? habilitations
        : undefined;
    });
    const superseded = all.find((h) => h.id === first)!;
    assert.equal(superseded.status, 'superseded');
    assert.equal(
      superseded.updatedAt,
      all.find((h) => h.id === second)!.updatedAt,
      'one instant for the pair',
    );

    // One change per page: a reader paging by date would get the first of the pair again and again.
    const seen: string[] = [];
    let next: string | null = null;
    for (let call = 0; call <= all.length + 1; call++) {
      const page = await listed(
        next === null ? '?updated_since=2020-01-01T00:00:00Z&limit=1' : `?after=${next}&limit=1`,
      );
      if (page.habilitations.length === 0) {
        assert.equal(page.next, next, 'an empty page keeps the cursor');
        break;
      }
      seen.push(...page.habilitations.map((h) => h.id));
      next = page.next;
    }
    assert.deepEqual(
      seen,
      all.map((h) => h.id),
      'every change once, in the order of one big page',
    );
    // `after` wins over `updated_since`.
    assert.deepEqual((await listed(`?updated_since=2020-01-01T00:00:00Z&after=${next}`)).habilitations, []);

    for (const odd of [
      'abc',
      '12.pas-un-id',
      `${first}`,
      `-1.${first}`,
      `1.${first.toUpperCase()}`,
      '9'.repeat(20) + `.${first}`,
    ]) {
      const answer = await read(`?after=${encodeURIComponent(odd)}`);
      assert.equal(answer.status, 422, `${odd}: ${answer.text}`);
      assert.match(answer.text, /Curseur attendu/);
    }
    // The largest transaction id the cursor takes is still a cursor: answered, not refused as a server error.
    assert.equal((await read(`?after=${'9'.repeat(19)}.${first}`)).status, 200);
  });

  // Holds a transaction open while the platform works: a single-backend PGlite would wait on it.
  it('never page past a change still being committed', needsPostgresServer, async () => {
    const entreprise = await providerCredentials(platform, 'api-entreprise');
    const client = platform.client();
    const listed = async (query: string) => {
      const answer = await client.get(`/api/v1/provider/habilitations${query}`, {
        authorization: entreprise.basic,
      });
      assert.equal(answer.status, 200, answer.text);
      return answer.json as { habilitations: { id: string; status: string }[]; next: string | null };
    };
    const { client: applicant } = await applicantWithDraft(platform);
    const earlier = await approvedToken(platform, applicant);
    const later = await approvedToken(platform, applicant);
    // The cursor past every change so far, both approvals included.
    let next: string | null = null;
    let laterListed = false;
    await eventually(async () => {
      const page = await listed(next === null ? '?limit=1000' : `?after=${next}&limit=1000`);
      next = page.next;
      laterListed ||= page.habilitations.some((h) => h.id === later.habilitationId);
      return page.habilitations.length === 0 && laterListed ? true : undefined;
    });

    // A change whose transaction began before another's and commits after it: while it runs, the later one is
    // held back, so that no cursor passes the earlier one; once it commits, both come, the earlier first.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let begun!: () => void;
    const hasBegun = new Promise<void>((resolve) => (begun = resolve));
    const slow = withTransaction(platform.services.db, async (tx) => {
      await tx.query('SELECT pg_current_xact_id()');
      begun();
      await released;
      await revokeHabilitationOfRequest(tx, earlier.requestId);
    });
    await hasBegun;
    try {
      await revokeRequest(platform, later.requestId);
      const { rows } = await platform.services.db.query<{ status: string }>(
        'SELECT status FROM habilitations WHERE id = $1',
        [later.habilitationId],
      );
      assert.equal(rows[0]!.status, 'revoked', 'the later change is committed');
      assert.deepEqual((await listed(`?after=${next}`)).habilitations, [], 'and held back');
    } finally {
      release();
      await slow;
    }
    const after = await eventually(async () => {
      const page = await listed(`?after=${next}`);
      return page.habilitations.length === 2 ? page.habilitations : undefined;
    });
    assert.deepEqual(
      after.map((h) => [h.id, h.status]),
      [
        [earlier.habilitationId, 'revoked'],
        [later.habilitationId, 'revoked'],
      ],
    );
  });
});

describe('webhook targets', () => {
  it('refuse loopback, private, link-local, metadata and reserved addresses; loopback only where allowed', () => {
    const strict = { allowLocalHttp: false };
    for (const address of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.0.10',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '::1',
      '::',
      'fe80::1',
      'fd00:ec2::254',
      '::ffff:10.0.0.1',
      '::ffff:127.0.0.1',
    ])
      assert.equal(isAllowedAddress(address, strict), false, address);
    for (const address of ['203.0.114.7', '8.8.8.8', '2001:4860:4860::8888'])
      assert.equal(isAllowedAddress(address, strict), true, address);
    assert.equal(isAllowedAddress('127.0.0.1', { allowLocalHttp: true }), true);
    assert.equal(isAllowedAddress('10.1.2.3', { allowLocalHttp: true }), false);
  });

  it('are never local in production: the setting that allows it is refused there', () => {
    assert.throws(
      () =>
        loadConfig({
          NODE_ENV: 'production',
          APP_SECRET: 'x'.repeat(40),
          PUBLIC_URL: 'https://sesame.example.gouv.fr',
          SMTP_URL: 'smtp://smtp.example.fr:587',
          WEBHOOK_ALLOW_LOCAL_HTTP: 'true',
        }),
      /WEBHOOK_ALLOW_LOCAL_HTTP/,
    );
    assert.throws(() => loadConfig({ WEBHOOK_RETRY_SCHEDULE: '5m,5s' }), /WEBHOOK_RETRY_SCHEDULE/);
    assert.deepEqual(
      loadConfig({}).webhooks.retryScheduleMs,
      [0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 50_400_000, 72_000_000, 86_400_000],
    );
  });
});

function headersOf(delivery: { id: string; timestamp: string; signature: string }) {
  return {
    'webhook-id': delivery.id,
    'webhook-timestamp': delivery.timestamp,
    'webhook-signature': delivery.signature,
  };
}
