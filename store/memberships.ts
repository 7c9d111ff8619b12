import type { JoinedVia, MembershipStatus, OrganisationRole } from '../domain/organisation-roles.ts';
import type { Queryable } from './pool.ts';

export interface Membership {
  id: string;
  organisationId: string;
  userId: string;
  roles: OrganisationRole[];
  status: MembershipStatus;
  joinedVia: JoinedVia;
  supportReason: string | null;
  decisionMessage: string | null;
  decidedAt: Date | null;
  createdAt: Date;
}

const COLUMNS = `m.id, m.organisation_id, m.user_id, m.roles, m.status, m.joined_via, m.support_reason,
  m.decision_message, m.decided_at, m.created_at`;

interface Row {
  id: string;
  organisation_id: string;
  user_id: string;
  roles: OrganisationRole[];
  status: MembershipStatus;
  joined_via: JoinedVia;
  support_reason: string | null;
  decision_message: string | null;
  decided_at: Date | null;
  created_at: Date;
}

const toMembership = (row: Row): Membership => ({
  id: row.id,
  organisationId: row.organisation_id,
  userId: row.user_id,
  roles: row.roles,
  status: row.status,
  joinedVia: row.joined_via,
  supportReason: row.support_reason,
  decisionMessage: row.decision_message,
  decidedAt: row.decided_at,
  createdAt: row.created_at,
});

export async function findMembership(
  db: Queryable,
  organisationId: string,
  userId: string,
): Promise<Membership | undefined> {
  const { rows } = await db.query<Row>(
    `SELECT ${COLUMNS} FROM memberships m WHERE organisation_id = $1 AND user_id = $2`,
    [organisationId, userId],
  );
  return rows[0] && toMembership(rows[0]);
}

export async function findMembershipById(db: Queryable, id: string, options: { forUpdate?: boolean } = {}) {
  const { rows } = await db.query<Row>(
    `SELECT ${COLUMNS} FROM memberships m WHERE id = $1${options.forUpdate ? ' FOR UPDATE' : ''}`,
    [id],
  );
  return rows[0] && toMembership(rows[0]);
}

export async function insertMembership(
  tx: Queryable,
  membership: Pick<
    Membership,
    'organisationId' | 'userId' | 'roles' | 'status' | 'joinedVia' | 'supportReason'
  >,
): Promise<Membership> {
  const { rows } = await tx.query<Row>(
    `INSERT INTO memberships AS m (organisation_id, user_id, roles, status, joined_via, support_reason)
     VALUES ($1, $2, $3, $4, $5, $6)
     RETURNING ${COLUMNS}`,
    [
      membership.organisationId,
      membership.userId,
      membership.roles,
      membership.status,
      membership.joinedVia,
      membership.supportReason,
    ],
  );
  return toMembership(rows[0]!);
}

/** The active members of an organisation with their email addresses (for matching and notifications). */
export async function listActiveMembers(
  db: Queryable,
  organisationId: string,
): Promise<
  { userId: string; email: string; givenName: string; familyName: string; roles: OrganisationRole[] }[]
> {
  const { rows } = await db.query<{
    user_id: string;
    email: string;
    given_name: string;
    family_name: string;
    roles: OrganisationRole[];
  }>(
    `SELECT m.user_id, u.email, u.given_name, u.family_name, m.roles
       FROM memberships m JOIN users u ON u.id = m.user_id
      WHERE m.organisation_id = $1 AND m.status = 'active' AND u.status = 'active'
      ORDER BY m.created_at`,
    [organisationId],
  );
  return rows.map((row) => ({
    userId: row.user_id,
    email: row.email,
    givenName: row.given_name,
    familyName: row.family_name,
    roles: row.roles,
  }));
}

export interface UserMembership {
  membershipId: string;
  organisation: { id: string; siret: string; name: string };
  roles: OrganisationRole[];
  status: MembershipStatus;
  joinedVia: JoinedVia;
  createdAt: Date;
}

export async function listUserMemberships(db: Queryable, userId: string): Promise<UserMembership[]> {
  const { rows } = await db.query<{
    id: string;
    organisation_id: string;
    siret: string;
    name: string;
    roles: OrganisationRole[];
    status: MembershipStatus;
    joined_via: JoinedVia;
    created_at: Date;
  }>(
    `SELECT m.id, m.organisation_id, o.siret, o.name, m.roles, m.status, m.joined_via, m.created_at
       FROM memberships m JOIN organisations o ON o.id = m.organisation_id
      WHERE m.user_id = $1
      ORDER BY o.name, o.siret`,
    [userId],
  );
  return rows.map((row) => ({
    membershipId: row.id,
    organisation: { id: row.organisation_id, siret: row.siret, name: row.name },
    roles: row.roles,
    status: row.status,
    joinedVia: row.joined_via,
    createdAt: row.created_at,
  }));
}

export interface PendingMembership {
  membershipId: string;
  createdAt: Date;
  supportReason: string | null;
  user: { id: string; email: string; givenName: string; familyName: string };
  organisation: { id: string; siret: string; name: string };
  /** Email domains of the organisation's active members, to compare with the newcomer's. */
  memberDomains: string[];
}

export async function listPendingSupport(db: Queryable): Promise<PendingMembership[]> {
  const { rows } = await db.query<{
    id: string;
    created_at: Date;
    support_reason: string | null;
    user_id: string;
    email: string;
    given_name: string;
    family_name: string;
    organisation_id: string;
    siret: string;
    name: string;
    member_domains: string[];
  }>(
    `SELECT m.id, m.created_at, m.support_reason, u.id AS user_id, u.email, u.given_name, u.family_name,
            o.id AS organisation_id, o.siret, o.name,
            coalesce((SELECT array_agg(DISTINCT split_part(mu.email, '@', 2) ORDER BY split_part(mu.email, '@', 2))
                        FROM memberships am JOIN users mu ON mu.id = am.user_id
                       WHERE am.organisation_id = o.id AND am.status = 'active'), '{}') AS member_domains
       FROM memberships m
       JOIN users u ON u.id = m.user_id
       JOIN organisations o ON o.id = m.organisation_id
      WHERE m.status = 'pending_support'
      ORDER BY m.created_at, m.id`,
  );
  return rows.map((row) => ({
    membershipId: row.id,
    createdAt: row.created_at,
    supportReason: row.support_reason,
    user: { id: row.user_id, email: row.email, givenName: row.given_name, familyName: row.family_name },
    organisation: { id: row.organisation_id, siret: row.siret, name: row.name },
    memberDomains: row.member_domains,
  }));
}

/** How many memberships wait for support's decision (the dashboard's count, without the queue's details). */
export async function countPendingSupport(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ waiting: number }>(
    `SELECT count(*)::int AS waiting FROM memberships WHERE status = 'pending_support'`,
  );
  return rows[0]?.waiting ?? 0;
}

/** Records support's decision if the membership is still pending; false when it was already decided. */
export async function decidePendingMembership(
  tx: Queryable,
  decision: {
    membershipId: string;
    status: 'active' | 'rejected';
    roles: OrganisationRole[];
    decidedBy: string;
    message: string | null;
  },
): Promise<boolean> {
  const { rowCount } = await tx.query(
    `UPDATE memberships
        SET status = $2, roles = $3, joined_via = CASE WHEN $2 = 'active' THEN 'support' ELSE joined_via END,
            decided_by = $4, decision_message = $5, decided_at = now()
      WHERE id = $1 AND status = 'pending_support'`,
    [decision.membershipId, decision.status, decision.roles, decision.decidedBy, decision.message],
  );
  return rowCount === 1;
}
