import type { Queryable } from './pool.ts';

/** A technical account: the HTTP Basic credentials of an organisation's software (spec §5). */
export interface TechnicalAccount {
  id: string;
  organisationId: string;
  number: number;
  login: string;
  passwordSetAt: Date;
  passwordExpiresAt: Date;
  createdBy: string | null;
  createdAt: Date;
  usageTracked: boolean;
  lastUsedAt: Date | null;
  remindersSent: number[];
  deletedAt: Date | null;
}

const COLUMNS = `a.id, a.organisation_id, a.number, a.login, a.password_set_at, a.password_expires_at, a.created_by,
  a.created_at, a.usage_tracked, a.last_used_at, a.reminders_sent::float8[] AS reminders_sent, a.deleted_at`;

interface Row {
  id: string;
  organisation_id: string;
  number: number;
  login: string;
  password_set_at: Date;
  password_expires_at: Date;
  created_by: string | null;
  created_at: Date;
  usage_tracked: boolean;
  last_used_at: Date | null;
  reminders_sent: number[];
  deleted_at: Date | null;
}

const toAccount = (row: Row): TechnicalAccount => ({
  id: row.id,
  organisationId: row.organisation_id,
  number: row.number,
  login: row.login,
  passwordSetAt: row.password_set_at,
  passwordExpiresAt: row.password_expires_at,
  createdBy: row.created_by,
  createdAt: row.created_at,
  usageTracked: row.usage_tracked,
  lastUsedAt: row.last_used_at,
  remindersSent: row.reminders_sent,
  deletedAt: row.deleted_at,
});

export async function findTechnicalAccount(
  db: Queryable,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<TechnicalAccount | undefined> {
  const { rows } = await db.query<Row>(
    `SELECT ${COLUMNS} FROM technical_accounts a WHERE a.id = $1${options.forUpdate ? ' FOR UPDATE' : ''}`,
    [id],
  );
  return rows[0] && toAccount(rows[0]);
}

/** The organisation's accounts that were not deleted, oldest first. */
export async function listTechnicalAccounts(
  db: Queryable,
  organisationId: string,
): Promise<TechnicalAccount[]> {
  const { rows } = await db.query<Row>(
    `SELECT ${COLUMNS} FROM technical_accounts a
      WHERE a.organisation_id = $1 AND a.deleted_at IS NULL ORDER BY a.number`,
    [organisationId],
  );
  return rows.map(toAccount);
}

/** A technical account whose password ends soon, or has ended, with its organisation: what the main manager is told. */
export interface EndingPassword {
  id: string;
  login: string;
  passwordExpiresAt: Date;
  organisation: { siret: string; name: string };
}

/** The organisations' accounts whose password ends before `until`, ended ones included, soonest first. */
export async function listPasswordsEnding(
  db: Queryable,
  organisationIds: readonly string[],
  until: Date,
): Promise<EndingPassword[]> {
  const { rows } = await db.query<{
    id: string;
    login: string;
    password_expires_at: Date;
    siret: string;
    name: string;
  }>(
    `SELECT a.id, a.login, a.password_expires_at, o.siret, o.name
       FROM technical_accounts a JOIN organisations o ON o.id = a.organisation_id
      WHERE a.organisation_id = ANY ($1::uuid[]) AND a.deleted_at IS NULL AND a.password_expires_at <= $2
      ORDER BY a.password_expires_at, a.login
      LIMIT 100`,
    [organisationIds, until],
  );
  return rows.map((row) => ({
    id: row.id,
    login: row.login,
    passwordExpiresAt: row.password_expires_at,
    organisation: { siret: row.siret, name: row.name },
  }));
}

/**
 * Creates the organisation's next account. The caller holds the organisation's row lock, so two creations at
 * once take consecutive numbers; numbers (and so logins) of deleted accounts are never reused.
 */
export async function insertTechnicalAccount(
  tx: Queryable,
  account: {
    organisationId: string;
    loginFor: (number: number) => string;
    passwordHash: string;
    passwordExpiresAt: Date;
    createdBy: string;
  },
): Promise<TechnicalAccount> {
  const { rows: numbers } = await tx.query<{ next: number }>(
    `SELECT coalesce(max(number), 0) + 1 AS next FROM technical_accounts WHERE organisation_id = $1`,
    [account.organisationId],
  );
  const number = numbers[0]!.next;
  const { rows } = await tx.query<Row>(
    `INSERT INTO technical_accounts AS a (organisation_id, number, login, password_hash, password_expires_at, created_by)
     VALUES ($1, $2, $3, $4, $5, $6)
     RETURNING ${COLUMNS}`,
    [
      account.organisationId,
      number,
      account.loginFor(number),
      account.passwordHash,
      account.passwordExpiresAt,
      account.createdBy,
    ],
  );
  return toAccount(rows[0]!);
}

/** Replaces the password (the old one stops at once) and starts a new round of expiry reminders. */
export async function replaceTechnicalAccountPassword(
  tx: Queryable,
  id: string,
  passwordHash: string,
  passwordExpiresAt: Date,
): Promise<TechnicalAccount | undefined> {
  const { rows } = await tx.query<Row>(
    `UPDATE technical_accounts a
        SET password_hash = $2, password_set_at = now(), password_expires_at = $3, reminders_sent = '{}'
      WHERE a.id = $1 AND a.deleted_at IS NULL
      RETURNING ${COLUMNS}`,
    [id, passwordHash, passwordExpiresAt],
  );
  return rows[0] && toAccount(rows[0]);
}

export async function deleteTechnicalAccount(tx: Queryable, id: string, deletedBy: string): Promise<boolean> {
  const { rowCount } = await tx.query(
    `UPDATE technical_accounts SET deleted_at = now(), deleted_by = $2, password_hash = ''
      WHERE id = $1 AND deleted_at IS NULL`,
    [id, deletedBy],
  );
  return rowCount === 1;
}

export async function markTechnicalAccountReminderSent(
  tx: Queryable,
  id: string,
  offsetsMs: number[],
  passwordExpiresAt: Date,
): Promise<boolean> {
  const { rowCount } = await tx.query(
    `UPDATE technical_accounts
        SET reminders_sent = ARRAY(SELECT DISTINCT unnest(reminders_sent || $2::bigint[]))
      WHERE id = $1 AND password_expires_at = $3 AND deleted_at IS NULL
        AND NOT ($2::bigint[] <@ reminders_sent)`,
    [id, offsetsMs, passwordExpiresAt],
  );
  return rowCount === 1;
}

/** What introspection needs to check Basic credentials, by login, in one query. */
export interface AccountForIntrospection {
  id: string;
  login: string;
  passwordHash: string;
  passwordSetAt: Date;
  passwordExpiresAt: Date;
  organisation: { id: string; siret: string; name: string };
  /** The organisation's active habilitations of the asked definition. */
  habilitations: { id: string; scopes: string[] }[];
}

export async function findAccountForIntrospection(
  db: Queryable,
  login: string,
  definition: string,
): Promise<AccountForIntrospection | undefined> {
  const { rows } = await db.query<{
    id: string;
    login: string;
    password_hash: string;
    password_set_at: Date;
    password_expires_at: Date;
    organisation_id: string;
    siret: string;
    name: string;
    habilitations: { id: string; scopes: string[] }[];
  }>(
    `SELECT a.id, a.login, a.password_hash, a.password_set_at, a.password_expires_at, a.organisation_id,
            o.siret, o.name,
            coalesce((SELECT json_agg(json_build_object('id', h.id, 'scopes', h.scopes) ORDER BY h.created_at)
                        FROM habilitations h
                       WHERE h.organisation_id = a.organisation_id AND h.definition = $2 AND h.status = 'active'),
                     '[]'::json) AS habilitations
       FROM technical_accounts a JOIN organisations o ON o.id = a.organisation_id
      WHERE a.login = $1 AND a.deleted_at IS NULL`,
    [login, definition],
  );
  const row = rows[0];
  return (
    row && {
      id: row.id,
      login: row.login,
      passwordHash: row.password_hash,
      passwordSetAt: row.password_set_at,
      passwordExpiresAt: row.password_expires_at,
      organisation: { id: row.organisation_id, siret: row.siret, name: row.name },
      habilitations: row.habilitations,
    }
  );
}

export async function recordTechnicalAccountUses(db: Queryable, uses: Map<string, Date>): Promise<void> {
  if (uses.size === 0) return;
  await db.query(
    `UPDATE technical_accounts a SET last_used_at = GREATEST(a.last_used_at, u.used_at)
       FROM unnest($1::uuid[], $2::timestamptz[]) AS u (id, used_at)
      WHERE a.id = u.id`,
    [[...uses.keys()], [...uses.values()]],
  );
}
