import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as oauth from 'openid-client';
import { newEmail, signUpAndActivate, SIRET } from './helpers/accounts.ts';
import { approvedToken, introspect, providerCredentials } from './helpers/habilitations.ts';
import { startTestPlatform, type TestPlatform } from './helpers/platform.ts';

let platform: TestPlatform;
let provider: Awaited<ReturnType<typeof providerCredentials>>;
let token: string;
let habilitationId: string;

before(async () => {
  platform = await startTestPlatform();
  provider = await providerCredentials(platform, 'api-entreprise');
  const { client: holder } = await signUpAndActivate(platform, {
    siret: SIRET.commune,
    email: newEmail('saint-exemple.fr'),
  });
  const approved = await approvedToken(platform, holder, { definition: 'api-entreprise' });
  habilitationId = approved.habilitationId;
  const revealed = await holder.send('POST', `/api/v1/tokens/${approved.tokenId}/reveal`);
  assert.equal(revealed.status, 200);
  token = revealed.json.token as string;
});
after(async () => {
  await platform?.stop();
});

/** A provider's OAuth client, configured the way libraries do: from the server's metadata (RFC 8414). */
async function oauthClient(auth: (secret: string) => oauth.ClientAuth, secret = provider.clientSecret) {
  return oauth.discovery(new URL(platform.url), provider.clientId, undefined, auth(secret), {
    algorithm: 'oauth2',
    // The test platform listens on plain http at 127.0.0.1; a real provider reaches Sésame over https.
    execute: [oauth.allowInsecureRequests],
  });
}

describe('introspection through a standard OAuth client library (openid-client)', () => {
  it('publishes its metadata at /.well-known/oauth-authorization-server', async () => {
    const answer = await platform.client().get('/.well-known/oauth-authorization-server');
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.json, {
      issuer: platform.url,
      introspection_endpoint: `${platform.url}/api/v1/introspect`,
      introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      response_types_supported: [],
      grant_types_supported: [],
    });
  });

  for (const [method, auth] of [
    ['client_secret_basic', oauth.ClientSecretBasic],
    ['client_secret_post', oauth.ClientSecretPost],
  ] as const) {
    it(`${method}: an active token, and nothing for an unknown one`, async () => {
      const config = await oauthClient(auth);
      const active = await oauth.tokenIntrospection(config, token);
      assert.equal(active.active, true);
      assert.equal(active.sub, habilitationId);
      assert.equal(active.token_type, 'Bearer');
      const unknown = await oauth.tokenIntrospection(config, `${token.slice(0, -4)}AAAA`);
      assert.deepEqual(unknown, { active: false });
    });

    it(`${method}: a wrong secret is refused with 401`, async () => {
      const config = await oauthClient(auth, `${provider.clientSecret}x`);
      await assert.rejects(oauth.tokenIntrospection(config, token), (error: unknown) => {
        // The library reports the 401's Basic challenge (WWW-Authenticate) as such.
        assert.ok(error instanceof oauth.WWWAuthenticateChallengeError, String(error));
        assert.equal(error.status, 401);
        assert.equal(error.cause[0]?.scheme, 'basic');
        return true;
      });
    });
  }
});

describe('client credentials as RFC 6749 §2.3.1 encodes them', () => {
  const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
  const percentEncodeAll = (value: string) =>
    [...Buffer.from(value)].map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join('');

  it('form-urlencoded before Base64 (every byte escaped) or sent as they are: both are understood', async () => {
    for (const authorization of [
      basic(percentEncodeAll(provider.clientId), percentEncodeAll(provider.clientSecret)),
      provider.basic,
    ]) {
      const answer = await introspect(platform, authorization, { token });
      assert.equal(answer.status, 200, answer.text);
      assert.equal(answer.json.active, true);
    }
  });

  it('a malformed escape in the Basic credentials is a 401, not a 500', async () => {
    const answer = await introspect(platform, basic('%E0%A4%A', provider.clientSecret), { token });
    assert.equal(answer.status, 401);
    assert.equal(answer.json.error, 'invalid_client');
  });

  it('both methods at once is a 400 (RFC 6749 §2.3: one method per request)', async () => {
    const answer = await introspect(platform, provider.basic, {
      token,
      client_id: provider.clientId,
      client_secret: provider.clientSecret,
    });
    assert.equal(answer.status, 400);
    assert.equal(answer.json.error, 'invalid_request');
    assert.doesNotMatch(answer.text, new RegExp(provider.clientSecret), 'the secret is not echoed');
  });

  it('client_secret_post with a missing or empty secret is a 401', async () => {
    const cases: Record<string, string>[] = [
      { client_id: provider.clientId },
      { client_id: provider.clientId, client_secret: '' },
    ];
    for (const fields of cases) {
      const answer = await introspect(platform, undefined, { token, ...fields });
      assert.equal(answer.status, 401, JSON.stringify(fields));
    }
  });
});
