import type { JoinedVia, MembershipStatus, OrganisationRole } from '../domain/organisation-roles.ts';
import type { Queryable } from './pool.ts';

/**
 * The membership queries of organisation administration: the member list, role changes, removals and joins
 * by invitation. (Memberships made at activation and by support live in store/memberships.ts.)
 */
export interface OrganisationMember {
  membershipId: string;
  userId: string;
  givenName: string;
  familyName: string;
  email: string;
  roles: OrganisationRole[];
  status: MembershipStatus;
  joinedVia: JoinedVia;
  joinedAt: Date;
  lastLoginAt: Date | null;
}

/** Active members and people waiting for support, by name. Rejected requests to join are not members. */
export async function listOrganisationMembers(
  db: Queryable,
  organisationId: string,
): Promise<OrganisationMember[]> {
  const { rows } = await db.query<{
    id: string;
    user_id: string;
    given_name: string;
    family_name: string;
    email: string;
    roles: OrganisationRole[];
    status: MembershipStatus;
    joined_via: JoinedVia;
    joined_at: Date;
    last_login_at: Date | null;
  }>(
    `SELECT m.id, m.user_id, u.given_name, u.family_name, u.email, m.roles, m.status, m.joined_via,
            coalesce(m.decided_at, m.created_at) AS joined_at, u.last_login_at
       FROM memberships m JOIN users u ON u.id = m.user_id
      WHERE m.organisation_id = $1 AND m.status IN ('active', 'pending_support')
      ORDER BY m.status, lower(u.family_name), lower(u.given_name), u.email`,
    [organisationId],
  );
  return rows.map((row) => ({
    membershipId: row.id,
    userId: row.user_id,
    givenName: row.given_name,
    familyName: row.family_name,
    email: row.email,
    roles: row.roles,
    status: row.status,
    joinedVia: row.joined_via,
    joinedAt: row.joined_at,
    lastLoginAt: row.last_login_at,
  }));
}

export async function setMembershipRoles(
  tx: Queryable,
  membershipId: string,
  roles: OrganisationRole[],
): Promise<void> {
  await tx.query('UPDATE memberships SET roles = $2 WHERE id = $1', [membershipId, roles]);
}

export async function deleteMembership(tx: Queryable, membershipId: string): Promise<void> {
  await tx.query('DELETE FROM memberships WHERE id = $1', [membershipId]);
}

/**
 * Makes `userId` an active member with `roles`, joined by invitation: a new membership, or one that was
 * waiting for support (or refused by it) — the organisation's administrator vouches for the person. Returns
 * undefined when the person already is an active member (including one who joined a moment ago, concurrently).
 */
export async function joinByInvitation(
  tx: Queryable,
  input: { organisationId: string; userId: string; roles: OrganisationRole[] },
): Promise<{ membershipId: string } | undefined> {
  const inserted = await tx.query<{ id: string }>(
    `INSERT INTO memberships (organisation_id, user_id, roles, status, joined_via)
     VALUES ($1, $2, $3, 'active', 'invitation')
     ON CONFLICT (organisation_id, user_id) DO NOTHING
     RETURNING id`,
    [input.organisationId, input.userId, input.roles],
  );
  if (inserted.rows[0]) return { membershipId: inserted.rows[0].id };
  const updated = await tx.query<{ id: string }>(
    `UPDATE memberships SET status = 'active', roles = $3, joined_via = 'invitation', decided_at = now()
      WHERE organisation_id = $1 AND user_id = $2 AND status <> 'active'
      RETURNING id`,
    [input.organisationId, input.userId, input.roles],
  );
  return updated.rows[0] && { membershipId: updated.rows[0].id };
}

/**
 * After someone leaves an organisation they were acting for: they act for another of their organisations,
 * or none.
 */
export async function moveCurrentOrganisationAway(
  tx: Queryable,
  userId: string,
  organisationId: string,
): Promise<void> {
  await tx.query(
    `UPDATE users SET current_organisation_id = (
         SELECT m.organisation_id FROM memberships m
          WHERE m.user_id = $1 AND m.status = 'active' AND m.organisation_id <> $2
          ORDER BY m.created_at LIMIT 1)
      WHERE id = $1 AND current_organisation_id = $2`,
    [userId, organisationId],
  );
}
