import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { hashSecret } from '../security/token-secrets.ts';
import { findTokensBySecretHashes } from '../store/tokens.ts';
import { newEmail, signUpAndActivate, SIRET } from './helpers/accounts.ts';
import { approvedToken, introspect, providerCredentials } from './helpers/habilitations.ts';
import { startTestPlatform, type TestPlatform } from './helpers/platform.ts';

let platform: TestPlatform;
let token: string;
let tokenId: string;

before(async () => {
  platform = await startTestPlatform();
  const holder = (
    await signUpAndActivate(platform, { siret: SIRET.commune, email: newEmail('saint-exemple.fr') })
  ).client;
  ({ tokenId } = await approvedToken(platform, holder, {
    definition: 'api-entreprise',
    scopes: ['unites_legales_etablissements'],
  }));
  token = (await holder.send('POST', `/api/v1/tokens/${tokenId}/reveal`)).json.token;
});
after(async () => {
  await platform.stop();
});

const STATEMENT = '"introspection-tokens-by-secret-hashes"';

/** A new connection of its own, so that each case starts with one on which pg has prepared nothing. */
async function withConnection(work: (client: pg.Client) => Promise<void>) {
  const client = new pg.Client({ connectionString: platform.database.url });
  await client.connect();
  try {
    // Embedded PGlite shares one session between connections: start, and leave it, without the statement.
    await client.query(`DEALLOCATE ${STATEMENT}`).catch(() => undefined);
    await work(client);
  } finally {
    await client.query(`DEALLOCATE ${STATEMENT}`).catch(() => undefined);
    await client.end();
  }
}

describe('the introspection lookup, a prepared statement', () => {
  it('finds a token by the hash of its secret, with the facts introspection needs', async () => {
    await withConnection(async (client) => {
      const found = (await findTokensBySecretHashes(client, [hashSecret(token), hashSecret('inconnu')])).get(
        hashSecret(token),
      );
      assert.equal(found?.id, tokenId);
      assert.equal(found.scope, 'unites_legales_etablissements');
      assert.equal(found.organisation.siret, SIRET.commune);
      assert.equal(found.revokedAt, null);
      const { rows } = await client.query<{ created_at: Date; expires_at: Date }>(
        'SELECT created_at, expires_at FROM tokens WHERE id = $1',
        [tokenId],
      );
      // Times travel as epoch milliseconds: they come back to the millisecond.
      assert.equal(found.createdAt.getTime(), rows[0]!.created_at.getTime());
      assert.equal(found.expiresAt.getTime(), rows[0]!.expires_at.getTime());
    });
  });

  it('still answers where the statement’s name is already taken in the session (embedded PGlite)', async () => {
    await withConnection(async (client) => {
      await client.query(`PREPARE ${STATEMENT} AS SELECT 1`);
      const found = await findTokensBySecretHashes(client, [hashSecret(token)]);
      assert.equal(found.get(hashSecret(token))?.id, tokenId);
      // Switched to unnamed statements: it keeps answering.
      assert.equal((await findTokensBySecretHashes(client, [hashSecret(token)])).size, 1);
    });
  });

  it('still answers where the prepared statement vanished from the session (PgBouncer in transaction mode)', async () => {
    await withConnection(async (client) => {
      assert.equal((await findTokensBySecretHashes(client, [hashSecret(token)])).size, 1);
      // Gone from the server's session, while pg still believes it prepared.
      await client.query(`DEALLOCATE ${STATEMENT}`);
      assert.equal((await findTokensBySecretHashes(client, [hashSecret(token)])).size, 1);
    });
  });

  it('serves introspection through the platform’s pool', async () => {
    const entreprise = await providerCredentials(platform, 'api-entreprise');
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => introspect(platform, entreprise.basic, { token })),
    );
    for (const answer of answers) assert.equal(answer.json.active, true);
  });
});
