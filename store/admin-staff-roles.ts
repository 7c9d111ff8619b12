import type { StaffRole } from '../domain/roles.ts';
import type { Queryable } from './pool.ts';
import type { UserStatus } from './users.ts';

/** One staff role held by one person, with what the roles page shows of them. */
export interface StaffGrantRow {
  userId: string;
  email: string;
  givenName: string;
  familyName: string;
  userStatus: UserStatus;
  role: StaffRole;
  /** The definition the grant is limited to; null for platform roles and for every definition. */
  definition: string | null;
  grantedAt: Date;
}

export async function listStaffGrants(db: Queryable): Promise<StaffGrantRow[]> {
  const { rows } = await db.query<{
    user_id: string;
    email: string;
    given_name: string;
    family_name: string;
    status: UserStatus;
    role: StaffRole;
    definition_slug: string | null;
    granted_at: Date;
  }>(
    `SELECT r.user_id, u.email, u.given_name, u.family_name, u.status, r.role, r.definition_slug, r.granted_at
       FROM staff_roles r JOIN users u ON u.id = r.user_id
      ORDER BY r.definition_slug NULLS FIRST, r.role, u.family_name, u.given_name, u.email`,
  );
  return rows.map((row) => ({
    userId: row.user_id,
    email: row.email,
    givenName: row.given_name,
    familyName: row.family_name,
    userStatus: row.status,
    role: row.role,
    definition: row.definition_slug,
    grantedAt: row.granted_at,
  }));
}

/** Grants the role; false when the person already held exactly this grant. */
export async function insertStaffGrant(
  db: Queryable,
  grant: { userId: string; role: StaffRole; definition: string | null },
): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO staff_roles (user_id, role, definition_slug) VALUES ($1, $2, $3)
     ON CONFLICT (user_id, role, coalesce(definition_slug, '')) DO NOTHING`,
    [grant.userId, grant.role, grant.definition],
  );
  return rowCount === 1;
}

/** Withdraws the grant; false when the person did not hold it (already withdrawn). */
export async function deleteStaffGrant(
  db: Queryable,
  grant: { userId: string; role: StaffRole; definition: string | null },
): Promise<boolean> {
  const { rowCount } = await db.query(
    `DELETE FROM staff_roles
      WHERE user_id = $1 AND role = $2 AND coalesce(definition_slug, '') = coalesce($3::text, '')`,
    [grant.userId, grant.role, grant.definition],
  );
  return rowCount === 1;
}

/** The account a role is granted to, by its address (email or ProConnect accounts alike). */
export async function findUserByEmail(
  db: Queryable,
  email: string,
): Promise<{ id: string; status: UserStatus } | undefined> {
  const { rows } = await db.query<{ id: string; status: UserStatus }>(
    'SELECT id, status FROM users WHERE email = $1',
    [email],
  );
  return rows[0];
}
