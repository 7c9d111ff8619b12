import type { GrantStatus, TokenFacts } from '../domain/token-status.ts';
import type { Queryable } from './pool.ts';

export type RevocationReason = 'holder' | 'instructor' | 'habilitation_revoked';

/** A bearer token as stored: never its secret, only its hash and (for a while) a sealed copy. */
export interface Token extends TokenFacts {
  id: string;
  habilitationId: string;
  issueKey: string;
  rotatedFrom: string | null;
  visiblePart: string;
  /** Still waiting to be revealed: the sealed copy exists and has not passed its date. */
  sealedUntil: Date | null;
  hasSealedSecret: boolean;
  revealedAt: Date | null;
  createdAt: Date;
  revocationReason: RevocationReason | null;
  renewedAt: Date | null;
  lastUsedAt: Date | null;
  remindersSent: number[];
  expiryNotifiedAt: Date | null;
  scopes: string[];
  definition: string;
  organisationId: string;
  /** The token that replaced this one by rotation, if any. */
  rotatedTo: string | null;
}

const COLUMNS = `t.id, t.habilitation_id, t.issue_key, t.rotated_from, t.visible_part, t.sealed_until,
  (t.sealed_secret IS NOT NULL) AS has_sealed_secret, t.revealed_at, t.created_at, t.expires_at, t.retires_at,
  t.revoked_at, t.revocation_reason, t.renewed_at, t.last_used_at, t.reminders_sent::float8[] AS reminders_sent,
  t.expiry_notified_at, h.scopes, h.definition, h.organisation_id, h.status AS habilitation_status,
  h.ended_at AS habilitation_ended_at,
  (SELECT n.id FROM tokens n WHERE n.rotated_from = t.id) AS rotated_to`;
const FROM = `tokens t JOIN habilitations h ON h.id = t.habilitation_id`;

interface Row {
  id: string;
  habilitation_id: string;
  issue_key: string;
  rotated_from: string | null;
  visible_part: string;
  sealed_until: Date | null;
  has_sealed_secret: boolean;
  revealed_at: Date | null;
  created_at: Date;
  expires_at: Date;
  retires_at: Date | null;
  revoked_at: Date | null;
  revocation_reason: RevocationReason | null;
  renewed_at: Date | null;
  last_used_at: Date | null;
  reminders_sent: number[];
  expiry_notified_at: Date | null;
  scopes: string[];
  definition: string;
  organisation_id: string;
  habilitation_status: GrantStatus;
  habilitation_ended_at: Date | null;
  rotated_to: string | null;
}

const toToken = (row: Row): Token => ({
  id: row.id,
  habilitationId: row.habilitation_id,
  issueKey: row.issue_key,
  rotatedFrom: row.rotated_from,
  visiblePart: row.visible_part,
  sealedUntil: row.sealed_until,
  hasSealedSecret: row.has_sealed_secret,
  revealedAt: row.revealed_at,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
  retiresAt: row.retires_at,
  revokedAt: row.revoked_at,
  revocationReason: row.revocation_reason,
  renewedAt: row.renewed_at,
  lastUsedAt: row.last_used_at,
  remindersSent: row.reminders_sent,
  expiryNotifiedAt: row.expiry_notified_at,
  scopes: row.scopes,
  definition: row.definition,
  organisationId: row.organisation_id,
  habilitationStatus: row.habilitation_status,
  habilitationEndedAt: row.habilitation_ended_at,
  rotatedTo: row.rotated_to,
});

/**
 * Locks a habilitation's row for the rest of the transaction, so that its credentials are issued after any
 * change of it still in flight (and two issuances for it run one after the other).
 */
export async function lockHabilitationForCredentials(tx: Queryable, habilitationId: string): Promise<void> {
  await tx.query('SELECT id FROM habilitations WHERE id = $1 FOR UPDATE', [habilitationId]);
}

export async function findToken(
  db: Queryable,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<Token | undefined> {
  const { rows } = await db.query<Row>(
    `SELECT ${COLUMNS} FROM ${FROM} WHERE t.id = $1${options.forUpdate ? ' FOR UPDATE OF t' : ''}`,
    [id],
  );
  return rows[0] && toToken(rows[0]);
}

export async function findTokenByIssueKey(db: Queryable, issueKey: string): Promise<Token | undefined> {
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM ${FROM} WHERE t.issue_key = $1`, [issueKey]);
  return rows[0] && toToken(rows[0]);
}

export async function listTokensOfHabilitations(db: Queryable, habilitationIds: string[]): Promise<Token[]> {
  const { rows } = await db.query<Row>(
    `SELECT ${COLUMNS} FROM ${FROM} WHERE t.habilitation_id = ANY($1::uuid[]) ORDER BY t.created_at DESC, t.id`,
    [habilitationIds],
  );
  return rows.map(toToken);
}

export interface NewToken {
  id: string;
  habilitationId: string;
  issueKey: string;
  rotatedFrom: string | null;
  visiblePart: string;
  secretHash: string;
  sealedSecret: string;
  sealedUntil: Date;
  expiresAt: Date;
}

/**
 * Inserts the token unless one with the same issue key exists (a retried issuance, a double-clicked rotation):
 * the unique key decides, whatever the races. Returns the token that holds the key and whether this call made it.
 */
export async function insertTokenOnce(
  tx: Queryable,
  token: NewToken,
): Promise<{ token: Token; created: boolean }> {
  const { rows } = await tx.query<{ id: string }>(
    `INSERT INTO tokens (id, habilitation_id, issue_key, rotated_from, visible_part, secret_hash, sealed_secret,
                         sealed_until, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (issue_key) DO NOTHING
     RETURNING id`,
    [
      token.id,
      token.habilitationId,
      token.issueKey,
      token.rotatedFrom,
      token.visiblePart,
      token.secretHash,
      token.sealedSecret,
      token.sealedUntil,
      token.expiresAt,
    ],
  );
  const stored = await findTokenByIssueKey(tx, token.issueKey);
  return { token: stored!, created: rows.length === 1 };
}

/**
 * Takes the sealed copy out of the row (the reveal): answers it the first time, undefined once it was revealed
 * or destroyed. The row lock makes two simultaneous reveals give the secret to one of them only.
 */
export async function takeSealedSecret(
  tx: Queryable,
  id: string,
  revealedBy: string,
): Promise<string | undefined> {
  const { rows } = await tx.query<{ sealed_secret: string }>(
    `WITH taken AS (
       SELECT id, sealed_secret FROM tokens
        WHERE id = $1 AND sealed_secret IS NOT NULL AND sealed_until > now()
        FOR UPDATE
     )
     UPDATE tokens t SET sealed_secret = NULL, revealed_at = now(), revealed_by = $2
       FROM taken WHERE t.id = taken.id
     RETURNING taken.sealed_secret`,
    [id, revealedBy],
  );
  return rows[0]?.sealed_secret;
}

/** Destroys the sealed copy once its date has passed (nobody revealed it in time). */
export async function destroyStaleSealedSecret(db: Queryable, id: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE tokens SET sealed_secret = NULL WHERE id = $1 AND sealed_secret IS NOT NULL AND sealed_until <= now()`,
    [id],
  );
  return rowCount === 1;
}

export async function revokeToken(
  tx: Queryable,
  id: string,
  revocation: { by: string | null; reason: RevocationReason },
): Promise<boolean> {
  const { rowCount } = await tx.query(
    `UPDATE tokens SET revoked_at = now(), revoked_by = $2, revocation_reason = $3, sealed_secret = NULL
      WHERE id = $1 AND revoked_at IS NULL`,
    [id, revocation.by, revocation.reason],
  );
  return rowCount === 1;
}

/**
 * Revokes every token of a habilitation at once (the request was revoked): call it in the transaction that
 * revokes the habilitation. Introspection already refuses tokens of a habilitation that is not active or in its
 * superseded grace, so this records the fact for the holder's dashboard and stops the reminders. Returns the
 * ids of the tokens revoked, whose lifecycle workflows may be told (app/tokens.ts `notifyTokenWorkflows`).
 */
export async function revokeCredentialsOfHabilitation(
  tx: Queryable,
  habilitationId: string,
): Promise<string[]> {
  const { rows } = await tx.query<{ id: string }>(
    `UPDATE tokens SET revoked_at = now(), revocation_reason = 'habilitation_revoked', sealed_secret = NULL
      WHERE habilitation_id = $1 AND revoked_at IS NULL
      RETURNING id`,
    [habilitationId],
  );
  return rows.map((row) => row.id);
}

/** Sets when a token stops (end of a rotation's grace); an earlier end already set is kept. */
export async function retireToken(tx: Queryable, id: string, at: Date): Promise<void> {
  await tx.query(
    `UPDATE tokens SET retires_at = LEAST(coalesce(retires_at, 'infinity'::timestamptz), $2) WHERE id = $1`,
    [id, at],
  );
}

/**
 * The tokens of the habilitations that `habilitationId` superseded get an explicit end (the grace counted from
 * the moment they were superseded), so that the dashboard and their workflows show it. Returns their ids.
 */
export async function retireTokensSupersededBy(
  tx: Queryable,
  habilitationId: string,
  graceMs: number,
): Promise<string[]> {
  const { rows } = await tx.query<{ id: string }>(
    `UPDATE tokens t
        SET retires_at = LEAST(coalesce(t.retires_at, 'infinity'::timestamptz),
                               h.ended_at + make_interval(secs => $2::float8 / 1000))
       FROM habilitations h
      WHERE h.id = t.habilitation_id AND h.superseded_by = $1 AND h.status = 'superseded'
        AND t.revoked_at IS NULL
      RETURNING t.id`,
    [habilitationId, graceMs],
  );
  return rows.map((row) => row.id);
}

/** Moves the expiry date forward and starts a new round of reminders. */
export async function renewToken(tx: Queryable, id: string, expiresAt: Date): Promise<void> {
  await tx.query(
    `UPDATE tokens SET expires_at = $2, renewed_at = now(), reminders_sent = '{}', expiry_notified_at = NULL
      WHERE id = $1`,
    [id, expiresAt],
  );
}

/**
 * Records that the reminder `offsetMs` before the current expiry was queued; false when it already was, or
 * the expiry date moved (a renewal) or the token was revoked meanwhile.
 */
export async function markReminderSent(
  tx: Queryable,
  id: string,
  offsetMs: number,
  expiresAt: Date,
): Promise<boolean> {
  const { rowCount } = await tx.query(
    `UPDATE tokens SET reminders_sent = array_append(reminders_sent, $2::bigint)
      WHERE id = $1 AND expires_at = $3 AND revoked_at IS NULL AND NOT ($2::bigint = ANY (reminders_sent))`,
    [id, offsetMs, expiresAt],
  );
  return rowCount === 1;
}

export async function markExpiryNotified(tx: Queryable, id: string, expiresAt: Date): Promise<boolean> {
  const { rowCount } = await tx.query(
    `UPDATE tokens SET expiry_notified_at = now()
      WHERE id = $1 AND expires_at = $2 AND expires_at <= now() AND expiry_notified_at IS NULL
        AND revoked_at IS NULL`,
    [id, expiresAt],
  );
  return rowCount === 1;
}

/** What introspection needs about a token, found by the hash of its secret in one indexed query. */
export interface IntrospectedToken extends TokenFacts {
  id: string;
  habilitationId: string;
  definition: string;
  /** Space-separated, as RFC 7662 answers it. */
  scope: string;
  createdAt: Date;
  organisation: { siret: string; name: string };
}

// Times come back as epoch milliseconds (float8, a plain number) rather than timestamps to parse, and the scopes
// as the one string the answer needs: on the providers' hot path, the work is in reading the rows.
const TOKENS_BY_SECRET_HASHES = `
  SELECT t.secret_hash, t.id, t.habilitation_id, h.definition, array_to_string(h.scopes, ' ') AS scope,
         (extract(epoch FROM t.created_at) * 1000)::float8 AS created_at,
         (extract(epoch FROM t.expires_at) * 1000)::float8 AS expires_at,
         (extract(epoch FROM t.retires_at) * 1000)::float8 AS retires_at,
         (extract(epoch FROM t.revoked_at) * 1000)::float8 AS revoked_at,
         h.status AS habilitation_status,
         (extract(epoch FROM h.ended_at) * 1000)::float8 AS habilitation_ended_at,
         o.siret, o.name
    FROM tokens t
    JOIN habilitations h ON h.id = t.habilitation_id
    JOIN organisations o ON o.id = h.organisation_id
   WHERE t.secret_hash = ANY ($1::char(64)[])`;

interface IntrospectedRow {
  secret_hash: string;
  id: string;
  habilitation_id: string;
  definition: string;
  scope: string;
  created_at: number;
  expires_at: number;
  retires_at: number | null;
  revoked_at: number | null;
  habilitation_status: GrantStatus;
  habilitation_ended_at: number | null;
  siret: string;
  name: string;
}

/**
 * The lookup is a named prepared statement, which each connection plans once: planning costs more than running
 * it. Some servers cannot keep a statement per connection — embedded PGlite serves all connections from one
 * session (a second connection preparing the name is refused), PgBouncer in transaction mode may send the next
 * call to another server connection, which never prepared it — so the first such refusal switches that pool to
 * unnamed statements for good, and the call is run again unnamed.
 */
const LOOKUP_STATEMENT = 'introspection-tokens-by-secret-hashes';
const PREPARED_STATEMENT_REFUSALS = new Set(['42P05', '26000']);
const unpreparedLookups = new WeakSet<Queryable>();

const dateOf = (ms: number | null) => (ms === null ? null : new Date(ms));

/**
 * The tokens of several secret hashes in one indexed query (introspection groups the lookups that arrive
 * together). Keyed by hash; a hash that matches nothing is absent.
 */
export async function findTokensBySecretHashes(
  db: Queryable,
  secretHashes: string[],
): Promise<Map<string, IntrospectedToken>> {
  let rows: IntrospectedRow[];
  const prepared = !unpreparedLookups.has(db);
  try {
    ({ rows } = await db.query<IntrospectedRow>({
      ...(prepared ? { name: LOOKUP_STATEMENT } : {}),
      text: TOKENS_BY_SECRET_HASHES,
      values: [secretHashes],
    }));
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (!prepared || typeof code !== 'string' || !PREPARED_STATEMENT_REFUSALS.has(code)) throw error;
    unpreparedLookups.add(db);
    ({ rows } = await db.query<IntrospectedRow>(TOKENS_BY_SECRET_HASHES, [secretHashes]));
  }
  const found = new Map<string, IntrospectedToken>();
  for (const row of rows)
    found.set(row.secret_hash, {
      id: row.id,
      habilitationId: row.habilitation_id,
      definition: row.definition,
      scope: row.scope,
      createdAt: new Date(row.created_at),
      expiresAt: new Date(row.expires_at),
      retiresAt: dateOf(row.retires_at),
      revokedAt: dateOf(row.revoked_at),
      habilitationStatus: row.habilitation_status,
      habilitationEndedAt: dateOf(row.habilitation_ended_at),
      organisation: { siret: row.siret, name: row.name },
    });
  return found;
}

/** Writes a batch of last-use times in one statement; a time older than the stored one changes nothing. */
export async function recordTokenUses(db: Queryable, uses: Map<string, Date>): Promise<void> {
  if (uses.size === 0) return;
  await db.query(
    `UPDATE tokens t SET last_used_at = GREATEST(t.last_used_at, u.used_at)
       FROM unnest($1::uuid[], $2::timestamptz[]) AS u (id, used_at)
      WHERE t.id = u.id`,
    [[...uses.keys()], [...uses.values()]],
  );
}
