import type { DirectoryFacts } from '../domain/directory-facts.ts';
import type { Queryable } from './pool.ts';

export type SignupStatus = 'pending' | 'activated' | 'expired';

export interface Signup {
  id: string;
  userId: string | null;
  siret: string;
  establishment: DirectoryFacts;
  status: SignupStatus;
  linkGeneration: number;
  createdAt: Date;
}

interface Row {
  id: string;
  user_id: string | null;
  siret: string;
  establishment: DirectoryFacts;
  status: SignupStatus;
  link_generation: number;
  created_at: Date;
}

const toSignup = (row: Row): Signup => ({
  id: row.id,
  userId: row.user_id,
  siret: row.siret,
  establishment: row.establishment,
  status: row.status,
  linkGeneration: row.link_generation,
  createdAt: row.created_at,
});

const COLUMNS = 'id, user_id, siret, establishment, status, link_generation, created_at';

export async function insertSignup(
  tx: Queryable,
  signup: { id: string; userId: string; siret: string; establishment: DirectoryFacts },
): Promise<void> {
  await tx.query('INSERT INTO signups (id, user_id, siret, establishment) VALUES ($1, $2, $3, $4)', [
    signup.id,
    signup.userId,
    signup.siret,
    JSON.stringify(signup.establishment),
  ]);
}

export async function findSignup(
  db: Queryable,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<Signup | undefined> {
  const { rows } = await db.query<Row>(
    `SELECT ${COLUMNS} FROM signups WHERE id = $1${options.forUpdate ? ' FOR UPDATE' : ''}`,
    [id],
  );
  return rows[0] && toSignup(rows[0]);
}

export async function findPendingSignupOfUser(db: Queryable, userId: string): Promise<Signup | undefined> {
  const { rows } = await db.query<Row>(
    `SELECT ${COLUMNS} FROM signups WHERE user_id = $1 AND status = 'pending'`,
    [userId],
  );
  return rows[0] && toSignup(rows[0]);
}

/**
 * Records link number `generation` of a pending sign-up. Returns false when that generation already exists (a
 * retried activity): the caller then does nothing, since the email of that link was queued with it.
 */
export async function recordActivationLink(
  tx: Queryable,
  link: { signupId: string; generation: number; tokenHash: string; expiresAt: Date },
): Promise<boolean> {
  const advanced = await tx.query(
    `UPDATE signups SET link_generation = $2 WHERE id = $1 AND status = 'pending' AND link_generation = $2 - 1`,
    [link.signupId, link.generation],
  );
  if (advanced.rowCount !== 1) return false;
  await tx.query(
    'INSERT INTO activation_links (token_hash, signup_id, generation, expires_at) VALUES ($1, $2, $3, $4)',
    [link.tokenHash, link.signupId, link.generation, link.expiresAt],
  );
  return true;
}

export interface ActivationLink {
  signupId: string;
  generation: number;
  expiresAt: Date;
  usedAt: Date | null;
  signupStatus: SignupStatus;
  /** The newest generation of the sign-up: an older link has been replaced. */
  latestGeneration: number;
  userId: string | null;
}

export async function findActivationLink(
  db: Queryable,
  tokenHash: string,
): Promise<ActivationLink | undefined> {
  const { rows } = await db.query<{
    signup_id: string;
    generation: number;
    expires_at: Date;
    used_at: Date | null;
    status: SignupStatus;
    link_generation: number;
    user_id: string | null;
  }>(
    `SELECT l.signup_id, l.generation, l.expires_at, l.used_at, s.status, s.link_generation, s.user_id
       FROM activation_links l JOIN signups s ON s.id = l.signup_id
      WHERE l.token_hash = $1`,
    [tokenHash],
  );
  const row = rows[0];
  return (
    row && {
      signupId: row.signup_id,
      generation: row.generation,
      expiresAt: row.expires_at,
      usedAt: row.used_at,
      signupStatus: row.status,
      latestGeneration: row.link_generation,
      userId: row.user_id,
    }
  );
}

/** Marks the sign-up activated and its latest link used; false when it was not pending any more. */
export async function markSignupActivated(tx: Queryable, signupId: string): Promise<boolean> {
  const { rowCount } = await tx.query(
    `UPDATE signups SET status = 'activated', activated_at = now() WHERE id = $1 AND status = 'pending'`,
    [signupId],
  );
  if (rowCount !== 1) return false;
  await tx.query(
    `UPDATE activation_links SET used_at = now()
      WHERE signup_id = $1 AND generation = (SELECT link_generation FROM signups WHERE id = $1)`,
    [signupId],
  );
  return true;
}

/** Marks a pending sign-up expired and detaches it from its user (whom the caller deletes). */
export async function markSignupExpired(tx: Queryable, signupId: string): Promise<string | null | undefined> {
  const { rows } = await tx.query<{ user_id: string | null }>(
    `UPDATE signups s SET status = 'expired', expired_at = now(), user_id = NULL
       FROM signups old
      WHERE s.id = $1 AND old.id = s.id AND s.status = 'pending'
      RETURNING old.user_id`,
    [signupId],
  );
  return rows[0]?.user_id;
}
