import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ensureDemoProviderCredentials } from '../app/provider-credentials';
import { startDemoProvider, type RunningDemoProvider } from '../demo-provider/server';
import { sesameVerify } from '../packages/sesame-verify/index';
import { newEmail, signUpAndActivate, SIRET } from './helpers/accounts';
import { grantHabilitation, issueCredentialsFor } from './helpers/habilitations';
import type { HttpClient } from './helpers/http-client';
import { eventually, startTestPlatform, type TestPlatform } from './helpers/platform';

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

async function tokenWith(scopes: string[]): Promise<{ tokenId: string; token: string }> {
  const habilitation = await grantHabilitation(platform, {
    siret: SIRET.commune,
    definition: 'api-entreprise',
    scopes,
  });
  const [tokenId] = await issueCredentialsFor(platform, habilitation.id);
  const revealed = await holder.send('POST', `/api/v1/tokens/${tokenId}/reveal`);
  return { tokenId: tokenId!, token: revealed.json.token };
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

  it('refuses a configuration without a positive cache duration', () => {
    assert.throws(
      () => sesameVerify({ introspectionUrl: 'http://x', clientId: 'a', clientSecret: 'b', cacheTtlMs: 0 }),
      /cacheTtlMs/,
    );
  });
});
