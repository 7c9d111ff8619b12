import type { StaffGrant } from '../domain/roles.ts';
import type { Queryable } from './pool.ts';

export type UserStatus = 'pending_activation' | 'active' | 'disabled';

export interface User {
  id: string;
  email: string;
  givenName: string;
  familyName: string;
  status: UserStatus;
  staffRoles: StaffGrant[];
  lastLoginAt: Date | null;
  /** The organisation the person is acting for, among their active memberships. */
  currentOrganisationId: string | null;
  /** False for an account that signs in only through ProConnect: it has no password to change or reset. */
  hasPassword: boolean;
}

export interface UserWithPasswordHash extends User {
  passwordHash: string;
}

const USER_COLUMNS = `
  u.id, u.email, u.given_name, u.family_name, u.status, u.password_hash, u.last_login_at, u.current_organisation_id,
  coalesce(
    (SELECT json_agg(json_build_object('role', r.role, 'definition', r.definition_slug) ORDER BY r.role, r.definition_slug)
       FROM staff_roles r WHERE r.user_id = u.id),
    '[]'::json
  ) AS staff_roles`;

interface UserRow {
  id: string;
  email: string;
  given_name: string;
  family_name: string;
  status: UserStatus;
  password_hash: string | null;
  last_login_at: Date | null;
  current_organisation_id: string | null;
  staff_roles: StaffGrant[];
}

function toUser(row: UserRow): User {
  return {
    id: row.id,
    email: row.email,
    givenName: row.given_name,
    familyName: row.family_name,
    status: row.status,
    staffRoles: row.staff_roles,
    lastLoginAt: row.last_login_at,
    currentOrganisationId: row.current_organisation_id,
    hasPassword: row.password_hash !== null,
  };
}

/**
 * For sign-in only: the one read that returns the password hash. An account without a password (ProConnect
 * only) is not found, so that a password sign-in treats it as an unknown address: same answer, same time.
 */
export async function findUserForSignIn(
  db: Queryable,
  email: string,
): Promise<UserWithPasswordHash | undefined> {
  const { rows } = await db.query<UserRow & { password_hash: string }>(
    `SELECT ${USER_COLUMNS} FROM users u WHERE u.email = $1 AND u.password_hash IS NOT NULL`,
    [email],
  );
  return rows[0] && { ...toUser(rows[0]), passwordHash: rows[0].password_hash };
}

export async function findUserById(db: Queryable, id: string): Promise<User | undefined> {
  const { rows } = await db.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users u WHERE u.id = $1`, [id]);
  return rows[0] && toUser(rows[0]);
}

/** The id and status of the account using an email address, locked for the caller's transaction. */
export async function lockUserByEmail(
  tx: Queryable,
  email: string,
): Promise<{ id: string; status: UserStatus; hasPassword: boolean } | undefined> {
  const { rows } = await tx.query<{ id: string; status: UserStatus; has_password: boolean }>(
    'SELECT id, status, password_hash IS NOT NULL AS has_password FROM users WHERE email = $1 FOR UPDATE',
    [email],
  );
  const row = rows[0];
  return row && { id: row.id, status: row.status, hasPassword: row.has_password };
}

/**
 * The email account (one with a password) using an address, for the emails that serve such accounts: a new
 * activation link, a password reset. An account that signs in only through ProConnect is not one: it gets
 * neither, and the person asking gets the same answer as for an unknown address.
 */
export async function findAccountByEmail(
  db: Queryable,
  email: string,
): Promise<{ id: string; status: UserStatus; givenName: string } | undefined> {
  const { rows } = await db.query<{ id: string; status: UserStatus; given_name: string }>(
    'SELECT id, status, given_name FROM users WHERE email = $1 AND password_hash IS NOT NULL',
    [email],
  );
  const row = rows[0];
  return row && { id: row.id, status: row.status, givenName: row.given_name };
}

/**
 * The new account's id, or undefined when another transaction took the address first (a double click): the
 * insert waits for that one to commit on the unique index `users_email_key`, then yields instead of failing.
 */
export async function insertPendingUser(
  tx: Queryable,
  user: { email: string; givenName: string; familyName: string; passwordHash: string },
): Promise<string | undefined> {
  const { rows } = await tx.query<{ id: string }>(
    `INSERT INTO users (email, given_name, family_name, password_hash, status)
     VALUES ($1, $2, $3, $4, 'pending_activation')
     ON CONFLICT (email) DO NOTHING
     RETURNING id`,
    [user.email, user.givenName, user.familyName, user.passwordHash],
  );
  return rows[0]?.id;
}

/**
 * An active account without a password, for a person whose identity provider vouched for the address
 * (ProConnect): no activation email. Undefined when the address was taken meanwhile, as insertPendingUser.
 */
export async function insertPasswordlessUser(
  tx: Queryable,
  user: { email: string; givenName: string; familyName: string },
): Promise<string | undefined> {
  const { rows } = await tx.query<{ id: string }>(
    `INSERT INTO users (email, given_name, family_name, password_hash, status, activated_at)
     VALUES ($1, $2, $3, NULL, 'active', now())
     ON CONFLICT (email) DO NOTHING
     RETURNING id`,
    [user.email, user.givenName, user.familyName],
  );
  return rows[0]?.id;
}

export async function activateUser(tx: Queryable, userId: string): Promise<void> {
  await tx.query(
    `UPDATE users SET status = 'active', activated_at = coalesce(activated_at, now())
      WHERE id = $1 AND status = 'pending_activation'`,
    [userId],
  );
}

/** Deletes an account that was never activated (an activated one is never deleted this way). */
export async function deletePendingUser(tx: Queryable, userId: string): Promise<void> {
  await tx.query(`DELETE FROM users WHERE id = $1 AND status = 'pending_activation'`, [userId]);
}

export async function setCurrentOrganisation(
  db: Queryable,
  userId: string,
  organisationId: string | null,
): Promise<void> {
  await db.query('UPDATE users SET current_organisation_id = $2 WHERE id = $1', [userId, organisationId]);
}

export async function updateUserNames(
  db: Queryable,
  userId: string,
  names: { givenName: string; familyName: string },
) {
  await db.query('UPDATE users SET given_name = $2, family_name = $3 WHERE id = $1', [
    userId,
    names.givenName,
    names.familyName,
  ]);
}

export async function setPasswordHash(db: Queryable, userId: string, passwordHash: string): Promise<void> {
  await db.query('UPDATE users SET password_hash = $2 WHERE id = $1', [userId, passwordHash]);
}

/** The password hash of an active account, for checking its current password before a change. */
export async function findPasswordHash(db: Queryable, userId: string): Promise<string | undefined> {
  const { rows } = await db.query<{ password_hash: string | null }>(
    `SELECT password_hash FROM users WHERE id = $1 AND status = 'active'`,
    [userId],
  );
  return rows[0]?.password_hash ?? undefined;
}

/** Ends every session of a person (after a password change), except the one given. */
export async function deleteSessionsOfUser(
  db: Queryable,
  userId: string,
  exceptSessionId?: string,
): Promise<void> {
  await db.query(`DELETE FROM sessions WHERE sess->>'userId' = $1 AND sid IS DISTINCT FROM $2`, [
    userId,
    exceptSessionId ?? null,
  ]);
}

/** Active staff holding a platform role (the support team, to alert it). */
export async function listStaffWithRole(
  db: Queryable,
  role: StaffGrant['role'],
): Promise<{ id: string; email: string }[]> {
  const { rows } = await db.query<{ id: string; email: string }>(
    `SELECT DISTINCT u.id, u.email FROM users u JOIN staff_roles r ON r.user_id = u.id
      WHERE r.role = $1 AND u.status = 'active' ORDER BY u.email`,
    [role],
  );
  return rows;
}

export async function recordLogin(db: Queryable, userId: string): Promise<void> {
  await db.query('UPDATE users SET last_login_at = now() WHERE id = $1', [userId]);
}

export interface StaffAccount {
  email: string;
  givenName: string;
  familyName: string;
  passwordHash: string;
  staffRoles: StaffGrant[];
}

/**
 * Creates an active staff account if its email is free; an existing account keeps its data, gains any missing
 * role, and gets `passwordHash` only when `replacePasswordHash` says its current one no longer matches.
 */
export async function ensureStaffAccount(
  db: Queryable,
  account: StaffAccount,
  replacePasswordHash: (currentHash: string) => Promise<boolean>,
): Promise<string> {
  const inserted = await db.query<{ id: string }>(
    `INSERT INTO users (email, given_name, family_name, password_hash, status, activated_at)
     VALUES ($1, $2, $3, $4, 'active', now())
     ON CONFLICT (email) DO NOTHING
     RETURNING id`,
    [account.email, account.givenName, account.familyName, account.passwordHash],
  );
  let id = inserted.rows[0]?.id;
  if (id === undefined) {
    const existing = await db.query<{ id: string; password_hash: string | null }>(
      'SELECT id, password_hash FROM users WHERE email = $1',
      [account.email],
    );
    const row = existing.rows[0];
    if (!row) throw new Error(`staff account ${account.email} vanished while being seeded`);
    id = row.id;
    if (row.password_hash === null || (await replacePasswordHash(row.password_hash))) {
      await db.query(`UPDATE users SET password_hash = $2, status = 'active' WHERE id = $1`, [
        id,
        account.passwordHash,
      ]);
    }
  }
  for (const grant of account.staffRoles) {
    await db.query(
      `INSERT INTO staff_roles (user_id, role, definition_slug) VALUES ($1, $2, $3)
       ON CONFLICT (user_id, role, coalesce(definition_slug, '')) DO NOTHING`,
      [id, grant.role, grant.definition],
    );
  }
  return id;
}

/** Active staff holding a definition role for this definition (or for every definition). */
export async function listStaffForDefinition(
  db: Queryable,
  role: 'instructeur' | 'rapporteur',
  definition: string,
): Promise<{ id: string; email: string; givenName: string; familyName: string }[]> {
  const { rows } = await db.query<{ id: string; email: string; given_name: string; family_name: string }>(
    `SELECT DISTINCT u.id, u.email, u.given_name, u.family_name FROM users u JOIN staff_roles r ON r.user_id = u.id
      WHERE r.role = $1 AND (r.definition_slug IS NULL OR r.definition_slug = $2) AND u.status = 'active'
      ORDER BY u.email`,
    [role, definition],
  );
  return rows.map((row) => ({
    id: row.id,
    email: row.email,
    givenName: row.given_name,
    familyName: row.family_name,
  }));
}
