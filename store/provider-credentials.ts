import type { Queryable } from './pool.ts';

/**
 * Client credentials of an API definition's provider. The client secret is 256 random bits made by the
 * platform, so its SHA-256 is stored rather than an argon2 hash: a slow hash protects guessable passwords,
 * while no dictionary or brute force reaches a 256-bit random value, and introspection (the hot path) can then
 * check it in microseconds instead of tens of milliseconds.
 */
export interface ProviderCredential {
  id: string;
  definition: string;
  clientId: string;
  secretHash: string;
  label: string;
  createdAt: Date;
  revokedAt: Date | null;
}

const COLUMNS = `id, definition, client_id, secret_hash, label, created_at, revoked_at`;

interface Row {
  id: string;
  definition: string;
  client_id: string;
  secret_hash: string;
  label: string;
  created_at: Date;
  revoked_at: Date | null;
}

const toCredential = (row: Row): ProviderCredential => ({
  id: row.id,
  definition: row.definition,
  clientId: row.client_id,
  secretHash: row.secret_hash,
  label: row.label,
  createdAt: row.created_at,
  revokedAt: row.revoked_at,
});

export async function findProviderCredential(
  db: Queryable,
  clientId: string,
): Promise<ProviderCredential | undefined> {
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM provider_credentials WHERE client_id = $1`, [
    clientId,
  ]);
  return rows[0] && toCredential(rows[0]);
}

export async function listProviderCredentials(
  db: Queryable,
  definition: string,
): Promise<ProviderCredential[]> {
  const { rows } = await db.query<Row>(
    `SELECT ${COLUMNS} FROM provider_credentials WHERE definition = $1 ORDER BY created_at DESC`,
    [definition],
  );
  return rows.map(toCredential);
}

export async function insertProviderCredential(
  db: Queryable,
  credential: {
    definition: string;
    clientId: string;
    secretHash: string;
    label: string;
    createdBy: string | null;
  },
): Promise<ProviderCredential> {
  const { rows } = await db.query<Row>(
    `INSERT INTO provider_credentials (definition, client_id, secret_hash, label, created_by)
     VALUES ($1, $2, $3, $4, $5)
     RETURNING ${COLUMNS}`,
    [
      credential.definition,
      credential.clientId,
      credential.secretHash,
      credential.label,
      credential.createdBy,
    ],
  );
  return toCredential(rows[0]!);
}

/** Creates or refreshes a credential with a fixed client id (the demo provider, outside production). */
export async function upsertProviderCredential(
  db: Queryable,
  credential: { definition: string; clientId: string; secretHash: string; label: string },
): Promise<void> {
  await db.query(
    `INSERT INTO provider_credentials (definition, client_id, secret_hash, label)
     VALUES ($1, $2, $3, $4)
     ON CONFLICT (client_id) DO UPDATE
       SET definition = EXCLUDED.definition, secret_hash = EXCLUDED.secret_hash, revoked_at = NULL`,
    [credential.definition, credential.clientId, credential.secretHash, credential.label],
  );
}

export async function revokeProviderCredential(
  db: Queryable,
  definition: string,
  id: string,
): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE provider_credentials SET revoked_at = now() WHERE id = $1 AND definition = $2 AND revoked_at IS NULL`,
    [id, definition],
  );
  return rowCount === 1;
}
