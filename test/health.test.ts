import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../runtime/temporal-dev-server.ts';
import { csrfTokenOf } from './helpers/http-client.ts';
import { DEMO_PASSWORD, startTestPlatform, type TestPlatform } from './helpers/platform.ts';
import { proxyDatabase, type TcpProxy } from './helpers/tcp-proxy.ts';

describe('health of a platform whose services are up', () => {
  let platform: TestPlatform;
  before(async () => {
    platform = await startTestPlatform({ worker: false });
  });
  after(async () => {
    await platform.stop();
  });

  it('/healthz says the process is alive', async () => {
    const answer = await platform.client().get('/healthz');
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.json, { status: 'ok' });
  });

  it('/readyz says Postgres and Temporal both answer', async () => {
    const answer = await platform.client().get('/readyz');
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.json, { status: 'ok', checks: { postgres: 'ok', temporal: 'ok' } });
  });
});

describe('health when Postgres goes down', () => {
  let platform: TestPlatform;
  let proxy: TcpProxy;
  before(async () => {
    platform = await startTestPlatform({
      worker: false,
      databaseUrl: async (actual) => {
        const proxied = await proxyDatabase(actual);
        proxy = proxied.proxy;
        return proxied.url;
      },
    });
  });
  after(async () => {
    await proxy.restore();
    await platform.stop();
    await proxy.close();
  });

  it('/readyz answers 503 naming Postgres, /healthz stays 200, pages say the service is unavailable', async () => {
    assert.equal((await platform.client().get('/readyz')).status, 200);
    const signedIn = platform.client();
    assert.equal((await signedIn.signIn('admin@sesame.test', DEMO_PASSWORD)).status, 200);
    assert.equal((await signedIn.get('/tableau-de-bord')).status, 200);
    const visitor = platform.client();
    const form = await visitor.get('/connexion');
    const signingIn = () =>
      visitor.postForm('/connexion', {
        _csrf: csrfTokenOf(form.text),
        email: 'admin@sesame.test',
        password: DEMO_PASSWORD,
      });
    await proxy.cut();

    const started = Date.now();
    const ready = await platform.client().get('/readyz');
    assert.equal(ready.status, 503);
    assert.deepEqual(ready.json, {
      status: 'unavailable',
      checks: { postgres: 'unreachable', temporal: 'ok' },
    });
    assert.ok(Date.now() - started < 10_000, 'the probe has a deadline');
    assert.equal((await platform.client().get('/healthz')).status, 200);

    const api = await platform
      .client()
      .send('POST', '/api/v1/session', { email: 'admin@sesame.test', password: 'x' });
    assert.equal(api.status, 503);
    assert.equal(api.json.error, 'service_unavailable');
    // The pages: one read by someone signed in, one sent by the sign-in form (both opened before the cut).
    for (const page of [await signedIn.get('/tableau-de-bord'), await signingIn()]) {
      assert.equal(page.status, 503, page.text);
      assert.match(page.headers.get('content-type') ?? '', /text\/html/);
      assert.match(page.text, /Service momentanément indisponible/);
      assert.match(page.text, /Veuillez réessayer dans quelques instants/);
    }
    await proxy.restore();
    assert.equal((await platform.client().get('/readyz')).status, 200, 'ready again once Postgres is back');
  });
});

describe('health when Temporal cannot be reached', () => {
  let platform: TestPlatform;
  before(async () => {
    const deadPort = await freePort();
    platform = await startTestPlatform({ worker: false, env: { TEMPORAL_ADDRESS: `127.0.0.1:${deadPort}` } });
  });
  after(async () => {
    await platform.stop();
  });

  it('/readyz answers 503 naming Temporal', async () => {
    const started = Date.now();
    const ready = await platform.client().get('/readyz');
    assert.equal(ready.status, 503);
    assert.deepEqual(ready.json, {
      status: 'unavailable',
      checks: { postgres: 'ok', temporal: 'unreachable' },
    });
    assert.ok(Date.now() - started < 10_000, 'the probe has a deadline');
  });
});
