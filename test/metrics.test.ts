import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../runtime/config.ts';
import { freePort } from '../runtime/temporal-dev-server.ts';
import { insertEmail, markUndeliverable } from '../store/outbox.ts';
import { newEmail, signUpAndActivate, SIRET } from './helpers/accounts.ts';
import { approvedToken, introspect, providerCredentials } from './helpers/habilitations.ts';
import { DEMO_PASSWORD, eventually, startTestPlatform, type TestPlatform } from './helpers/platform.ts';
import { startScript } from './helpers/processes.ts';
import { proxyDatabase, type TcpProxy } from './helpers/tcp-proxy.ts';

/** The samples of Prometheus text as [name, labels, value]. */
function samples(text: string): [string, Record<string, string>, number][] {
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      assert.ok(match, `a sample line: ${line}`);
      const labels = Object.fromEntries(
        [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((label) => [label[1]!, label[2]!]),
      );
      return [match[1]!, labels, Number(match[3])];
    });
}

/** The sum of the samples named `name` whose labels include `labels`; undefined when there is none. */
function valueOf(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const matching = samples(text).filter(
    ([sampleName, sampleLabels]) =>
      sampleName === name && Object.entries(labels).every(([key, value]) => sampleLabels[key] === value),
  );
  return matching.length === 0 ? undefined : matching.reduce((sum, [, , value]) => sum + value, 0);
}

async function scrape(url: string): Promise<string> {
  const response = await fetch(url);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  return response.text();
}

const localMetrics = async () => {
  const port = await freePort();
  return {
    env: { METRICS_PORT: String(port), METRICS_HOST: '127.0.0.1' },
    url: `http://127.0.0.1:${port}/metrics`,
  };
};

describe('metrics settings', () => {
  it('serve /metrics on the public port outside production only, and on METRICS_PORT when set', () => {
    assert.deepEqual(loadConfig({}).metrics, { port: undefined, host: '127.0.0.1', public: true });
    const production = {
      NODE_ENV: 'production',
      APP_SECRET: 'x'.repeat(40),
      PUBLIC_URL: 'https://sesame.example.gouv.fr',
      SMTP_URL: 'smtp://relay.internal:25',
    };
    assert.deepEqual(loadConfig(production).metrics, { port: undefined, host: '0.0.0.0', public: false });
    assert.deepEqual(
      loadConfig({ ...production, METRICS_PORT: '9464', METRICS_HOST: '10.0.0.5', METRICS_PUBLIC: 'true' })
        .metrics,
      { port: 9464, host: '10.0.0.5', public: true },
    );
  });

  it('name a bad value', () => {
    const problemsOf = (env: Record<string, string>) => {
      try {
        loadConfig(env);
      } catch (error) {
        assert.ok(error instanceof ConfigError);
        return error.problems.join('\n');
      }
      assert.fail('the configuration was accepted');
    };
    assert.match(problemsOf({ METRICS_PORT: 'neuf' }), /METRICS_PORT: expected an integer from 1 to 65535/);
    assert.match(problemsOf({ METRICS_PORT: '0' }), /METRICS_PORT: expected an integer from 1 to 65535/);
    assert.match(problemsOf({ METRICS_PUBLIC: 'peut-être' }), /METRICS_PUBLIC: expected true or false/);
    assert.match(
      problemsOf({ PORT: '8080', METRICS_PORT: '8080' }),
      /METRICS_PORT: expected a port other than PORT \(8080\)/,
    );
  });
});

describe('metrics of a web process in development (/metrics on its port)', () => {
  let platform: TestPlatform;
  before(async () => {
    platform = await startTestPlatform({ env: { LAST_USED_FLUSH_INTERVAL: '1h' } });
  });
  after(async () => {
    await platform?.stop();
  });

  it('counts requests under their route pattern and status, never their URL or ids', async () => {
    const client = platform.client();
    const requestId = randomUUID();
    const logId = `trace-${randomUUID()}`;
    const stray = `nulle-part-${randomUUID()}`;
    assert.equal((await client.get(`/api/v1/requests/${requestId}`, { 'x-request-id': logId })).status, 401);
    assert.equal((await client.get(`/${stray}?email=personne@example.fr`)).status, 404);
    assert.equal((await client.get('/static/sesame.css')).status, 200);
    assert.equal((await client.get('/healthz')).status, 200);

    const text = await scrape(`${platform.url}/metrics`);
    const route = { method: 'GET', route: '/api/v1/requests/:id' };
    assert.equal(valueOf(text, 'sesame_http_requests_total', { ...route, status: '401' }), 1);
    assert.equal(valueOf(text, 'sesame_http_request_duration_seconds_count', route), 1);
    assert.ok(valueOf(text, 'sesame_http_request_duration_seconds_sum', route)! > 0);
    assert.equal(valueOf(text, 'sesame_http_requests_total', { route: 'unmatched', status: '404' }), 1);
    assert.equal(valueOf(text, 'sesame_http_requests_total', { route: '/static/*', status: '200' }), 1);
    assert.equal(valueOf(text, 'sesame_http_requests_total', { route: '/healthz', status: '200' }), 1);
    for (const secret of [requestId, logId, stray, 'personne@example.fr'])
      assert.ok(!text.includes(secret), `${secret} is not in the metrics`);
    // Node's own, collected once per process.
    assert.notEqual(valueOf(text, 'nodejs_eventloop_lag_seconds'), undefined);
    assert.notEqual(valueOf(text, 'process_cpu_user_seconds_total'), undefined);
    assert.equal(text.match(/^# TYPE nodejs_eventloop_lag_seconds /gm)?.length, 1);
  });

  it('counts introspection answers by outcome and by whether the caches answered', async () => {
    const holder = (
      await signUpAndActivate(platform, { siret: SIRET.commune, email: newEmail('exemple.fr') })
    ).client;
    const { tokenId } = await approvedToken(platform, holder, { definition: 'api-entreprise' });
    const token = (await holder.send('POST', `/api/v1/tokens/${tokenId}/reveal`)).json.token as string;
    const provider = await providerCredentials(platform, 'api-entreprise');
    const before = await scrape(`${platform.url}/metrics`);
    const answers = (outcome: string, cache: string, text: string) =>
      valueOf(text, 'sesame_introspection_answers_total', { outcome, cache }) ?? 0;

    assert.equal((await introspect(platform, undefined, { token })).status, 401);
    // The provider's credentials are read once, then answered from the cache.
    assert.equal((await introspect(platform, provider.basic, {})).status, 400);
    assert.equal((await introspect(platform, provider.basic, { token: `${token}x` })).json.active, false);
    assert.equal((await introspect(platform, provider.basic, { token })).json.active, true);
    assert.equal((await platform.client().get('/api/v1/introspect')).status, 405);

    const text = await scrape(`${platform.url}/metrics`);
    const moved = (outcome: string, cache: string) =>
      answers(outcome, cache, text) - answers(outcome, cache, before);
    assert.equal(moved('unauthorised_client', 'none'), 1);
    assert.equal(moved('invalid_request', 'miss'), 1);
    assert.equal(moved('inactive', 'hit'), 1);
    assert.equal(moved('active', 'hit'), 1);
    assert.equal(moved('invalid_request', 'none'), 1);
    // Answered outside Express, counted with the other requests all the same.
    const route = { route: '/api/v1/introspect' };
    assert.equal(valueOf(text, 'sesame_http_requests_total', { ...route, method: 'POST', status: '200' }), 2);
    assert.equal(valueOf(text, 'sesame_http_requests_total', { ...route, method: 'GET', status: '405' }), 1);
    for (const secret of [token, provider.clientId, provider.clientSecret])
      assert.ok(!text.includes(secret), 'no credential in the metrics');
  });
});

describe('metrics of a web process in production', () => {
  let platform: TestPlatform;
  let proxy: TcpProxy;
  let metricsUrl: string;
  before(async () => {
    const metrics = await localMetrics();
    metricsUrl = metrics.url;
    platform = await startTestPlatform({
      worker: false,
      env: { NODE_ENV: 'production', HOST: '127.0.0.1', SMTP_URL: 'smtp://127.0.0.1:25', ...metrics.env },
      databaseUrl: async (actual) => {
        const proxied = await proxyDatabase(actual);
        proxy = proxied.proxy;
        return proxied.url;
      },
    });
  });
  after(async () => {
    await proxy?.restore();
    await platform?.stop();
    await proxy?.close();
  });

  it('/metrics is not on the public port: METRICS_PORT serves it, and nothing else', async () => {
    const client = platform.client();
    assert.equal((await client.get('/metrics')).status, 404);
    assert.equal((await client.get('/healthz')).status, 200);
    const text = await scrape(metricsUrl);
    assert.equal(valueOf(text, 'sesame_http_requests_total', { route: 'unmatched', status: '404' }), 1);
    assert.equal(valueOf(text, 'sesame_http_requests_total', { route: '/healthz', status: '200' }), 1);
    assert.equal((await fetch(new URL('/', metricsUrl))).status, 404);
  });

  it('the outbox and session gauges count the rows in Postgres', async () => {
    const { db } = platform.services;
    const email = (key: string) =>
      insertEmail(db, {
        idempotencyKey: `metrics-test:${key}`,
        template: 'test',
        recipient: 'destinataire@example.fr',
        subject: 'Essai',
        text: 'Essai',
        html: '<p>Essai</p>',
        sealedSecrets: null,
      });
    await email('pending-1');
    await email('pending-2');
    await markUndeliverable(db, (await email('failed')).id);
    await db.query(
      `UPDATE outbox_emails SET created_at = now() - interval '90 seconds' WHERE status = 'pending'`,
    );
    const admin = platform.client();
    assert.equal((await admin.signIn('admin@sesame.test', DEMO_PASSWORD)).status, 200);

    const text = await scrape(metricsUrl);
    assert.equal(valueOf(text, 'sesame_email_outbox_pending'), 2);
    assert.equal(valueOf(text, 'sesame_email_outbox_failed'), 1);
    const age = valueOf(text, 'sesame_email_outbox_oldest_pending_age_seconds')!;
    assert.ok(age >= 90 && age < 150, `oldest pending email: ${age} s`);
    assert.equal(valueOf(text, 'sesame_sessions'), 1);
    assert.ok(!text.includes('destinataire@example.fr'));
  });

  it('a scrape while Postgres is down still answers, without the figures it could not read', async () => {
    await proxy.cut();
    const started = Date.now();
    const text = await scrape(metricsUrl);
    assert.ok(Date.now() - started < 10_000, 'the query has a deadline');
    assert.equal(valueOf(text, 'sesame_email_outbox_pending'), undefined, 'no stale value');
    assert.equal(valueOf(text, 'sesame_sessions'), undefined);
    assert.equal(valueOf(text, 'sesame_metrics_database_errors_total'), 1);
    assert.notEqual(valueOf(text, 'sesame_http_requests_total'), undefined);
    assert.notEqual(valueOf(text, 'process_cpu_user_seconds_total'), undefined);

    await proxy.restore();
    await eventually(async () =>
      valueOf(await scrape(metricsUrl), 'sesame_email_outbox_pending') === 2 ? true : undefined,
    );
  });
});

describe('METRICS_PUBLIC=true in production', () => {
  let platform: TestPlatform;
  before(async () => {
    platform = await startTestPlatform({
      worker: false,
      env: {
        NODE_ENV: 'production',
        HOST: '127.0.0.1',
        SMTP_URL: 'smtp://127.0.0.1:25',
        METRICS_PUBLIC: 'true',
      },
    });
  });
  after(async () => {
    await platform?.stop();
  });

  it('serves /metrics on the public port', async () => {
    const text = await scrape(`${platform.url}/metrics`);
    assert.notEqual(valueOf(text, 'sesame_email_outbox_pending'), undefined);
  });
});

describe('metrics of a worker process', () => {
  let platform: TestPlatform;
  before(async () => {
    platform = await startTestPlatform({ worker: false, http: false });
  });
  after(async () => {
    await platform?.stop();
  });

  it('METRICS_PORT serves the Temporal SDK’s metrics and Node’s, until the worker stops', async () => {
    const metrics = await localMetrics();
    const worker = await startScript(
      'runtime/worker-main.ts',
      { ...platform.env, ...metrics.env },
      /metrics served/,
    );
    try {
      // The SDK's gauges appear once its pollers have started.
      const slots = { worker_type: 'WorkflowWorker', task_queue: platform.config.temporal.taskQueue };
      const text = await eventually(async () => {
        const scraped = await scrape(metrics.url);
        return valueOf(scraped, 'temporal_worker_task_slots_available', slots) === undefined
          ? undefined
          : scraped;
      });
      assert.ok(valueOf(text, 'temporal_worker_task_slots_available', slots)! > 0);
      assert.notEqual(valueOf(text, 'temporal_num_pollers', { poller_type: 'workflow_task' }), undefined);
      assert.notEqual(valueOf(text, 'nodejs_eventloop_lag_seconds'), undefined);
      assert.notEqual(valueOf(text, 'process_resident_memory_bytes'), undefined);
    } finally {
      worker.child.kill('SIGTERM');
      assert.equal(await worker.exited, 0, worker.output());
    }
    await assert.rejects(fetch(metrics.url), 'the listener is closed');
  });
});
