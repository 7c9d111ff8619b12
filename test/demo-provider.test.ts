import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ensureDemoProviderCredentials } from '../app/provider-credentials.ts';
import { startDemoProvider, type RunningDemoProvider } from '../demo-provider/server.ts';
import {
  sesameVerify,
  type SesameCredential,
  type VerifiedResponse,
} from '../packages/sesame-verify/index.ts';
import { newEmail, signUpAndActivate, SIRET } from './helpers/accounts.ts';
import { approvedToken } from './helpers/habilitations.ts';
import type { HttpClient } from './helpers/http-client.ts';
import { eventually, startTestPlatform, type TestPlatform } from './helpers/platform.ts';

let platform: TestPlatform;
let demo: RunningDemoProvider;
let holder: HttpClient;

before(async () => {
  platform = await startTestPlatform();
  const credentials = await ensureDemoProviderCredentials(
    platform.services,
    platform.services.keys.demoProvider,
  );
  demo = await startDemoProvider({
    ...credentials,
    introspectionUrl: `${platform.url}/api/v1/introspect`,
    host: '127.0.0.1',
    port: 0,
    cacheTtlMs: 300,
    negativeCacheTtlMs: 100,
  });
  holder = (await signUpAndActivate(platform, { siret: SIRET.commune, email: newEmail('saint-exemple.fr') }))
    .client;
});
after(async () => {
  await demo?.stop();
  await platform.stop();
});

/** An API Entreprise request of the commune for `scopes`, approved through the API, and its token. */
async function tokenWith(scopes: string[]): Promise<{ tokenId: string; token: string }> {
  const { tokenId } = await approvedToken(platform, holder, { definition: 'api-entreprise', scopes });
  const revealed = await holder.send('POST', `/api/v1/tokens/${tokenId}/reveal`);
  assert.equal(revealed.status, 200, revealed.text);
  return { tokenId, token: revealed.json.token };
}

const call = (path: string, token?: string) =>
  fetch(`${demo.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

describe('the demo provider API, behind @sesame/verify', () => {
  it('answers a holder’s call with a valid token from the bundled directory data', async () => {
    const { token } = await tokenWith(['unites_legales_etablissements']);
    const answer = await call(`/v3/insee/sirene/etablissements/${SIRET.department}`, token);
    assert.equal(answer.status, 200);
    const body = (await answer.json()) as {
      data: { siret: string; unite_legale: { raison_sociale: string } };
    };
    assert.equal(body.data.siret, SIRET.department);
    assert.match(body.data.unite_legale.raison_sociale, /DEPARTEMENT/);
    assert.equal((await call('/v3/insee/sirene/etablissements/00000000000000', token)).status, 404);
  });

  it('answers 401 with a Bearer challenge without a token or with a bad one', async () => {
    const path = `/v3/insee/sirene/etablissements/${SIRET.commune}`;
    for (const token of [undefined, 'sesame_inconnu', `sesame_${'A'.repeat(38)}`]) {
      const answer = await call(path, token);
      assert.equal(answer.status, 401, String(token));
      assert.match(answer.headers.get('www-authenticate') ?? '', /^Bearer realm="api"/);
    }
    const basic = await fetch(`${demo.url}${path}`, { headers: { authorization: 'Basic Zm9vOmJhcg==' } });
    assert.equal(basic.status, 401);
  });

  it('answers 403 when the token lacks the route’s scope', async () => {
    const { token } = await tokenWith(['unites_legales_etablissements']);
    const answer = await call(
      `/v3/urssaf/unites_legales/${SIRET.commune.slice(0, 9)}/attestation_vigilance`,
      token,
    );
    assert.equal(answer.status, 403);
    assert.match(answer.headers.get('www-authenticate') ?? '', /insufficient_scope/);
    const { token: wider } = await tokenWith(['unites_legales_etablissements', 'attestations_sociales']);
    const allowed = await call(
      `/v3/urssaf/unites_legales/${SIRET.commune.slice(0, 9)}/attestation_vigilance`,
      wider,
    );
    assert.equal(allowed.status, 200);
  });

  it('stops accepting a revoked token once its short cache has passed', async () => {
    const { tokenId, token } = await tokenWith(['unites_legales_etablissements']);
    const path = `/v3/insee/sirene/etablissements/${SIRET.commune}`;
    assert.equal((await call(path, token)).status, 200);
    assert.equal((await holder.send('POST', `/api/v1/tokens/${tokenId}/revoke`)).status, 204);
    await eventually(
      async () => ((await call(path, token)).status === 401 ? true : undefined),
      5_000,
      'refusal',
    );
  });

  it('refuses a configuration without a positive cache duration or size', () => {
    assert.throws(
      () => sesameVerify({ introspectionUrl: 'http://x', clientId: 'a', clientSecret: 'b', cacheTtlMs: 0 }),
      /cacheTtlMs/,
    );
    for (const maxEntries of [0, -1, Number.NaN])
      assert.throws(
        () => sesameVerify({ introspectionUrl: 'http://x', clientId: 'a', clientSecret: 'b', maxEntries }),
        /maxEntries/,
      );
  });

  it('protects a plain node:http server as well as an Express one', async () => {
    const sesame = sesameVerify({
      introspectionUrl: `${platform.url}/api/v1/introspect`,
      ...(await ensureDemoProviderCredentials(platform.services, platform.services.keys.demoProvider)),
    });
    const etablissements = sesame.requireScopes('unites_legales_etablissements');
    const attestations = sesame.requireScopes('attestations_sociales');
    const server = http.createServer((req, res) =>
      (req.url === '/attestations' ? attestations : etablissements)(req, res, () => {
        const caller = (res as VerifiedResponse).locals?.sesame as SesameCredential;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ siret: caller.organisation.siret }));
      }),
    );
    const base = await listen(server);
    try {
      const { token } = await tokenWith(['unites_legales_etablissements']);
      const allowed = await fetch(`${base}/etablissements`, {
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(allowed.status, 200);
      assert.deepEqual(await allowed.json(), { siret: SIRET.commune });
      const missingScope = await fetch(`${base}/attestations`, {
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(missingScope.status, 403);
      assert.match(missingScope.headers.get('www-authenticate') ?? '', /error="insufficient_scope"/);
      assert.equal(missingScope.headers.get('content-type'), 'application/json; charset=utf-8');
      const anonymous = await fetch(`${base}/etablissements`);
      assert.equal(anonymous.status, 401);
      assert.equal(((await anonymous.json()) as { error: string }).error, 'unauthorized');
    } finally {
      server.close();
    }
  });

  it('makes room in a full cache by dropping its oldest answer, not by emptying it', async () => {
    let calls = 0;
    const introspection = http.createServer((req, res) => {
      calls += 1;
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            active: true,
            scope: 'unites_legales_etablissements',
            exp: Math.floor(Date.now() / 1000) + 3600,
            iat: Math.floor(Date.now() / 1000),
            sub: 'habilitation',
            organisation: { siret: SIRET.commune, name: 'COMMUNE' },
          }),
        );
      });
    });
    const base = await listen(introspection);
    try {
      const sesame = sesameVerify({
        introspectionUrl: base,
        clientId: 'a',
        clientSecret: 'b',
        maxEntries: 2,
      });
      for (const token of ['premier', 'deuxieme', 'troisieme']) assert.ok(await sesame.verify(token));
      assert.equal(calls, 3);
      // The two newest are still cached; the oldest was the one to go.
      assert.ok(await sesame.verify('deuxieme'));
      assert.ok(await sesame.verify('troisieme'));
      assert.equal(calls, 3);
      assert.ok(await sesame.verify('premier'));
      assert.equal(calls, 4);
    } finally {
      introspection.close();
    }
  });
});

function listen(server: http.Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    ),
  );
}
