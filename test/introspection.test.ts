import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { formatToken } from '../domain/token-format.ts';
import { newEmail, signUpAndActivate, SIRET } from './helpers/accounts.ts';
import {
  afterValidity,
  approvedToken,
  introspect,
  providerCredentials,
  revokeRequest,
} from './helpers/habilitations.ts';
import type { HttpClient } from './helpers/http-client.ts';
import { DEMO_PASSWORD, eventually, startTestPlatform, type TestPlatform } from './helpers/platform.ts';

let platform: TestPlatform;
let holder: HttpClient;
let entreprise: Awaited<ReturnType<typeof providerCredentials>>;
let particulier: Awaited<ReturnType<typeof providerCredentials>>;

/**
 * A platform whose tokens expire seconds after their issuance (TOKEN_VALIDITY_OVERRIDE), and a token issued
 * there as the tests start, so that it has expired by the time the last test looks at it.
 */
const SHORT_VALIDITY = '10s';
let shortLived: {
  platform: TestPlatform;
  holder: HttpClient;
  entreprise: Awaited<ReturnType<typeof providerCredentials>>;
  expiring: Awaited<ReturnType<typeof newToken>>;
  activeWhenIssued: boolean;
};

before(async () => {
  const start = async (env: Record<string, string>) => {
    const started = await startTestPlatform({ env: { LAST_USED_FLUSH_INTERVAL: '1h', ...env } });
    const signedUp = await signUpAndActivate(started, {
      siret: SIRET.commune,
      email: newEmail('saint-exemple.fr'),
    });
    return { platform: started, holder: signedUp.client };
  };
  const [main, short] = await Promise.all([start({}), start({ TOKEN_VALIDITY_OVERRIDE: SHORT_VALIDITY })]);
  ({ platform, holder } = main);
  [entreprise, particulier] = await Promise.all([
    providerCredentials(platform, 'api-entreprise'),
    providerCredentials(platform, 'api-particulier'),
  ]);
  const shortEntreprise = await providerCredentials(short.platform, 'api-entreprise');
  const expiring = await newToken(undefined, short);
  const activeWhenIssued = (
    await introspect(short.platform, shortEntreprise.basic, { token: expiring.token })
  ).json.active as boolean;
  shortLived = { ...short, entreprise: shortEntreprise, expiring, activeWhenIssued };
});
after(async () => {
  await Promise.all([platform?.stop(), shortLived?.platform.stop()]);
});

const sortedScope = (scope: string) => scope.split(' ').sort().join(' ');

/** An API Entreprise request of the commune approved through the API, and its token, revealed. */
async function newToken(
  scopes = ['unites_legales_etablissements', 'effectifs'],
  on: { platform: TestPlatform; holder: HttpClient } = { platform, holder },
) {
  const { requestId, habilitationId, tokenId } = await approvedToken(on.platform, on.holder, {
    definition: 'api-entreprise',
    scopes,
  });
  const revealed = await on.holder.send('POST', `/api/v1/tokens/${tokenId}/reveal`);
  assert.equal(revealed.status, 200);
  return { habilitation: { id: habilitationId, requestId }, tokenId, token: revealed.json.token as string };
}

/**
 * Runs `work`, noting each token lookup the platform sends to Postgres meanwhile (how many tokens it asks about).
 * The queries run as usual: the pool's method is only watched, then put back.
 */
async function countingTokenLookups<T>(work: () => Promise<T>): Promise<{ result: T; lookups: number[] }> {
  const db = platform.services.db as unknown as { query: (...args: unknown[]) => unknown };
  const query = db.query;
  const lookups: number[] = [];
  db.query = function (this: unknown, ...args: unknown[]) {
    const [first, second] = args as [string | { text: string; values?: unknown[] }, unknown[] | undefined];
    const text = typeof first === 'string' ? first : first.text;
    const values = typeof first === 'string' ? second : first.values;
    if (/FROM tokens t\b/.test(text) && /secret_hash = ANY/.test(text))
      lookups.push((values![0] as string[]).length);
    return query.apply(this, args);
  };
  try {
    return { result: await work(), lookups };
  } finally {
    Reflect.deleteProperty(db, 'query');
  }
}

describe('introspection (RFC 7662)', () => {
  it('describes an active token to its definition’s provider', async () => {
    const approvedFrom = new Date();
    const { habilitation, token } = await newToken();
    const approvedBy = new Date();
    const answer = await introspect(platform, entreprise.basic, { token });
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get('cache-control'), 'no-store');
    const body = answer.json;
    assert.equal(body.active, true);
    assert.equal(sortedScope(body.scope), sortedScope('unites_legales_etablissements effectifs'));
    assert.equal(body.sub, habilitation.id);
    assert.equal(body.token_type, 'Bearer');
    assert.equal(body.organisation.siret, SIRET.commune);
    assert.ok(body.organisation.name);
    // Valid for the definition's validityMonths (definitions/api-entreprise.json) from the approval; an hour
    // either way for a database whose time zone changes offset in between.
    const hour = 3_600;
    assert.ok(body.exp >= afterValidity('api-entreprise', approvedFrom).getTime() / 1000 - hour, body.exp);
    assert.ok(body.exp <= afterValidity('api-entreprise', approvedBy).getTime() / 1000 + hour, body.exp);
    assert.ok(Math.abs(body.iat - Date.now() / 1000) < 60);
  });

  it('answers 401 with a Basic challenge to wrong or missing client credentials', async () => {
    const { token } = await newToken();
    const wrongSecret = `Basic ${Buffer.from(`${entreprise.clientId}:${entreprise.clientSecret}x`).toString('base64')}`;
    const unknownClient = `Basic ${Buffer.from(`inconnu:${entreprise.clientSecret}`).toString('base64')}`;
    for (const authorization of [
      undefined,
      wrongSecret,
      unknownClient,
      'Basic !!!',
      'Bearer abc',
      'Basic Og==',
    ]) {
      const answer = await introspect(platform, authorization, { token });
      assert.equal(answer.status, 401, String(authorization));
      assert.match(answer.headers.get('www-authenticate') ?? '', /^Basic /);
    }
  });

  it('answers only {"active": false} for malformed, truncated, wrong-checksum, unknown or revoked tokens', async () => {
    const { tokenId, token } = await newToken();
    const body = token.slice(7, 39);
    const wrongChecksum = `${token.slice(0, -6)}${token.endsWith('AAAAAA') ? 'BBBBBB' : 'AAAAAA'}`;
    const unknown = formatToken(`${body.slice(0, -1)}${body.endsWith('a') ? 'b' : 'a'}`);
    for (const candidate of [
      'nimportequoi',
      token.slice(0, -1),
      `${token}0`,
      wrongChecksum,
      unknown,
      ' '.repeat(45),
      'é'.repeat(45),
    ]) {
      const answer = await introspect(platform, entreprise.basic, { token: candidate });
      assert.equal(answer.status, 200, candidate);
      assert.deepEqual(answer.json, { active: false }, candidate);
    }
    assert.equal((await introspect(platform, entreprise.basic, { token })).json.active, true, tokenId);

    const second = await newToken();
    assert.equal((await holder.send('POST', `/api/v1/tokens/${second.tokenId}/revoke`)).status, 204);
    assert.deepEqual((await introspect(platform, entreprise.basic, { token: second.token })).json, {
      active: false,
    });
  });

  it('rejects a token whose checksum is wrong without touching the database', async () => {
    const { token } = await newToken();
    await introspect(platform, entreprise.basic, { token }); // the provider's credentials are now cached
    const { db } = platform.services;
    const original = db.query.bind(db);
    // The worker of this test shares the pool (outbox relay, lifecycles): only credential lookups count.
    let queries = 0;
    db.query = ((...args: Parameters<typeof db.query>) => {
      const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string }).text;
      if (/secret_hash|provider_credentials/.test(text ?? '')) queries++;
      return original(...args);
    }) as typeof db.query;
    try {
      const answer = await introspect(platform, entreprise.basic, {
        token: `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`,
      });
      assert.deepEqual(answer.json, { active: false });
      assert.equal(queries, 0);
      await introspect(platform, entreprise.basic, { token });
      assert.equal(queries, 1, 'a well-formed token costs one query');
    } finally {
      db.query = original as typeof db.query;
    }
  });

  it('tells a provider nothing about another definition’s tokens', async () => {
    const { token } = await newToken();
    assert.deepEqual((await introspect(platform, particulier.basic, { token })).json, { active: false });
    // And the other way round: an API Particulier request's token.
    const { tokenId } = await approvedToken(platform, holder, {
      definition: 'api-particulier',
      scopes: ['quotient_familial'],
    });
    const revealed = await holder.send('POST', `/api/v1/tokens/${tokenId}/reveal`);
    assert.equal(revealed.status, 200, revealed.text);
    const theirs = revealed.json.token as string;
    const answer = (await introspect(platform, particulier.basic, { token: theirs })).json;
    assert.equal(answer.active, true);
    assert.equal(answer.scope, 'quotient_familial');
    assert.deepEqual((await introspect(platform, entreprise.basic, { token: theirs })).json, {
      active: false,
    });
  });

  it('requires the token parameter (400) and never answers 500 to odd input', async () => {
    assert.equal((await introspect(platform, entreprise.basic, {})).status, 400);
    const odd = await platform.client().request('POST', '/api/v1/introspect', {
      headers: { authorization: entreprise.basic, 'content-type': 'application/json' },
      body: '{"token": 12}',
    });
    assert.equal(odd.status, 400);
    const huge = await introspect(platform, entreprise.basic, { token: 'x'.repeat(20_000) });
    assert.equal(huge.status, 413);
    const get = await platform.client().get('/api/v1/introspect', { authorization: entreprise.basic });
    assert.equal(get.status, 405);
    const unknownHint = await introspect(platform, entreprise.basic, {
      token: 'abc',
      token_type_hint: 'refresh_token',
    });
    assert.deepEqual(unknownHint.json, { active: false });
  });

  it('writes last-use times in batches, never per call', async () => {
    const { tokenId, token } = await newToken();
    await introspect(platform, entreprise.basic, { token });
    const before = await platform.services.db.query('SELECT last_used_at FROM tokens WHERE id = $1', [
      tokenId,
    ]);
    assert.equal(before.rows[0].last_used_at, null, 'not written by the call itself');
    await platform.services.introspection.flush();
    const after = await platform.services.db.query('SELECT last_used_at FROM tokens WHERE id = $1', [
      tokenId,
    ]);
    assert.ok(Math.abs((after.rows[0].last_used_at as Date).getTime() - Date.now()) < 10_000);
    const view = await holder.get('/api/v1/habilitations');
    const listed = (view.json as { tokens: { id: string; lastUsedAt: string | null }[] }[])
      .flatMap((habilitation) => habilitation.tokens)
      .find((candidate) => candidate.id === tokenId);
    assert.ok(listed?.lastUsedAt);
  });

  it('treats the tokens of a revoked request as inactive (the request workflow revokes them)', async () => {
    const { habilitation, tokenId, token } = await newToken();
    assert.equal((await introspect(platform, entreprise.basic, { token })).json.active, true);
    await revokeRequest(platform, habilitation.requestId, 'Usage non conforme.');
    assert.deepEqual((await introspect(platform, entreprise.basic, { token })).json, { active: false });
    const view = await holder.get(`/api/v1/habilitations/${habilitation.id}`);
    assert.equal(view.json.status, 'revoked');
    assert.equal(view.json.tokens[0].status, 'revoked');
    // Marked revoked in the revoking transaction too (for the dashboard, and so that no reminder is sent).
    const { rows } = await platform.services.db.query('SELECT revoked_at FROM tokens WHERE id = $1', [
      tokenId,
    ]);
    assert.ok(rows[0].revoked_at, 'the token itself is marked revoked');
  });

  it('answers each of many simultaneous calls about its own token', async () => {
    const active = await newToken(['effectifs']);
    const other = await newToken(['unites_legales_etablissements']);
    const revoked = await newToken();
    assert.equal((await holder.send('POST', `/api/v1/tokens/${revoked.tokenId}/revoke`)).status, 204);
    const unknown = formatToken('Z'.repeat(32));
    const cases = Array.from(
      { length: 60 },
      (_, index) => [active, other, revoked, { token: unknown }][index % 4]!,
    );
    const answers = await Promise.all(
      cases.map((candidate) => introspect(platform, entreprise.basic, { token: candidate.token })),
    );
    answers.forEach((answer, index) => {
      const expected = [
        { active: true, scope: 'effectifs' },
        { active: true, scope: 'unites_legales_etablissements' },
        { active: false },
        { active: false },
      ][index % 4]!;
      assert.equal(answer.json.active, expected.active, `call ${index}`);
      if (expected.active) assert.equal(answer.json.scope, expected.scope, `call ${index}`);
    });
  });

  it('looks the tokens of calls arriving at the same moment up in one query, each call getting its own answer', async () => {
    const active = await newToken(['effectifs']);
    const other = await newToken(['unites_legales_etablissements']);
    const unknown = formatToken('Y'.repeat(32));
    const authorization = entreprise.basic;
    // Through the function the route calls, so that the calls arrive in the same turn of the event loop, as they
    // do under load; the first call puts the provider's credentials in their cache.
    const call = (token: string) =>
      platform.services.introspection.introspect({ authorization, token, tokenTypeHint: undefined });
    assert.equal((await call(active.token)).body.active, true);
    const tokens = Array.from({ length: 30 }, (_, index) => [active.token, other.token, unknown][index % 3]!);
    const { result: answers, lookups } = await countingTokenLookups(() => Promise.all(tokens.map(call)));
    assert.deepEqual(lookups, [3], 'one query for the three different tokens of the thirty calls');
    answers.forEach((answer, index) => {
      assert.equal(answer.status, 200);
      assert.deepEqual(
        [answer.body.active, answer.body.scope],
        [
          [true, 'effectifs'],
          [true, 'unites_legales_etablissements'],
          [false, undefined],
        ][index % 3],
        `call ${index}`,
      );
    });
  });

  it('lets platform admins list and revoke provider credentials, never showing a secret again', async () => {
    const admin = platform.client();
    await admin.signIn('admin@sesame.test', DEMO_PASSWORD);
    const list = await admin.get('/api/v1/admin/definitions/api-entreprise/provider-credentials');
    assert.equal(list.status, 200);
    const listed = (list.json as { id: string; clientId: string }[]).find(
      (item) => item.clientId === entreprise.clientId,
    );
    assert.ok(listed);
    assert.ok(!list.text.includes(entreprise.clientSecret));
    assert.equal(
      (await holder.get('/api/v1/admin/definitions/api-entreprise/provider-credentials')).status,
      403,
    );
    assert.equal((await admin.get('/api/v1/admin/definitions/inconnue/provider-credentials')).status, 404);
    const created = await admin.send(
      'POST',
      '/api/v1/admin/definitions/api-entreprise/provider-credentials',
      {},
    );
    assert.equal(created.status, 201);
    const id = (
      (await admin.get('/api/v1/admin/definitions/api-entreprise/provider-credentials')).json as {
        id: string;
        clientId: string;
      }[]
    ).find((item) => item.clientId === created.json.clientId)!.id;
    const path = `/api/v1/admin/definitions/api-entreprise/provider-credentials/${id}`;
    assert.equal((await holder.send('DELETE', path)).status, 403);
    assert.equal((await admin.send('DELETE', path)).status, 204);
    assert.equal((await admin.send('DELETE', path)).status, 404);
    // Never cached in this process: refused at once.
    const basic = `Basic ${Buffer.from(`${created.json.clientId}:${created.json.clientSecret}`).toString('base64')}`;
    assert.equal((await introspect(platform, basic, { token: 'x' })).status, 401);
  });

  // Last, so that the token issued seconds-valid as the tests started has had the time to expire.
  it('answers only {"active": false} for an expired token', async () => {
    const { expiring } = shortLived;
    assert.equal(shortLived.activeWhenIssued, true, 'it worked when it was issued');
    await eventually(
      async () => {
        const view = await shortLived.holder.get(`/api/v1/habilitations/${expiring.habilitation.id}`);
        return view.json.tokens[0].status === 'expired' ? true : undefined;
      },
      60_000,
      'the token’s expiry',
    );
    assert.deepEqual(
      (await introspect(shortLived.platform, shortLived.entreprise.basic, { token: expiring.token })).json,
      { active: false },
    );
  });
});
