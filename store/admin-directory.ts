import type { MembershipStatus, OrganisationRole } from '../domain/organisation-roles.ts';
import type { StaffGrant } from '../domain/roles.ts';
import type { HabilitationStatus } from './habilitations.ts';
import { containing } from './like-patterns.ts';
import type { Queryable } from './pool.ts';
import type { UserStatus } from './users.ts';

/**
 * The platform admin's reads (spec §7b): people, organisations and habilitations across every organisation, with
 * a text search and pages. Each search is one condition per table, the expressions the trigram indexes cover.
 */
export interface PageQuery {
  q?: string;
  page: number;
  pageSize: number;
}

export interface Paged<T> {
  items: T[];
  total: number;
}

export interface AdminUserRow {
  id: string;
  email: string;
  givenName: string;
  familyName: string;
  status: UserStatus;
  createdAt: Date;
  lastLoginAt: Date | null;
  organisations: { siret: string; name: string; status: MembershipStatus; roles: OrganisationRole[] }[];
  staffRoles: StaffGrant[];
}

export async function searchUsers(db: Queryable, query: PageQuery): Promise<Paged<AdminUserRow>> {
  const values: unknown[] = [];
  let where = 'TRUE';
  if (query.q) {
    values.push(containing(query.q));
    where = `(u.email ILIKE $1 OR (u.given_name || ' ' || u.family_name) ILIKE $1)`;
  }
  const { rows: count } = await db.query<{ total: number }>(
    `SELECT count(*)::int AS total FROM users u WHERE ${where}`,
    values,
  );
  values.push(query.pageSize, (query.page - 1) * query.pageSize);
  const { rows } = await db.query<{
    id: string;
    email: string;
    given_name: string;
    family_name: string;
    status: UserStatus;
    created_at: Date;
    last_login_at: Date | null;
    organisations: AdminUserRow['organisations'];
    staff_roles: StaffGrant[];
  }>(
    `SELECT u.id, u.email, u.given_name, u.family_name, u.status, u.created_at, u.last_login_at,
            coalesce((SELECT json_agg(json_build_object('siret', o.siret, 'name', o.name, 'status', m.status,
                                                        'roles', m.roles) ORDER BY o.name)
                        FROM memberships m JOIN organisations o ON o.id = m.organisation_id
                       WHERE m.user_id = u.id), '[]'::json) AS organisations,
            coalesce((SELECT json_agg(json_build_object('role', r.role, 'definition', r.definition_slug)
                                      ORDER BY r.role, r.definition_slug)
                        FROM staff_roles r WHERE r.user_id = u.id), '[]'::json) AS staff_roles
       FROM users u WHERE ${where}
      ORDER BY u.family_name, u.given_name, u.email
      LIMIT $${values.length - 1} OFFSET $${values.length}`,
    values,
  );
  return {
    total: count[0]?.total ?? 0,
    items: rows.map((row) => ({
      id: row.id,
      email: row.email,
      givenName: row.given_name,
      familyName: row.family_name,
      status: row.status,
      createdAt: row.created_at,
      lastLoginAt: row.last_login_at,
      organisations: row.organisations,
      staffRoles: row.staff_roles,
    })),
  };
}

export interface AdminOrganisationRow {
  siret: string;
  name: string;
  active: boolean;
  createdAt: Date;
  members: number;
  pendingMembers: number;
  requests: number;
  requestsInInstruction: number;
  activeHabilitations: number;
}

export async function searchOrganisations(
  db: Queryable,
  query: PageQuery,
): Promise<Paged<AdminOrganisationRow>> {
  const values: unknown[] = [];
  let where = 'TRUE';
  if (query.q) {
    values.push(containing(query.q));
    where = `(o.name ILIKE $1 OR o.siret::text ILIKE $1)`;
  }
  const { rows: count } = await db.query<{ total: number }>(
    `SELECT count(*)::int AS total FROM organisations o WHERE ${where}`,
    values,
  );
  values.push(query.pageSize, (query.page - 1) * query.pageSize);
  const { rows } = await db.query<{
    siret: string;
    name: string;
    active: boolean;
    created_at: Date;
    members: number;
    pending_members: number;
    requests: number;
    requests_in_instruction: number;
    active_habilitations: number;
  }>(
    `SELECT o.siret, o.name, o.active, o.created_at,
            (SELECT count(*)::int FROM memberships m WHERE m.organisation_id = o.id AND m.status = 'active') AS members,
            (SELECT count(*)::int FROM memberships m WHERE m.organisation_id = o.id AND m.status = 'pending_support')
              AS pending_members,
            (SELECT count(*)::int FROM access_requests r WHERE r.organisation_id = o.id) AS requests,
            (SELECT count(*)::int FROM access_requests r
              WHERE r.organisation_id = o.id AND r.state IN ('submitted', 'pending_support')) AS requests_in_instruction,
            (SELECT count(*)::int FROM habilitations h WHERE h.organisation_id = o.id AND h.status = 'active')
              AS active_habilitations
       FROM organisations o WHERE ${where}
      ORDER BY o.name, o.siret
      LIMIT $${values.length - 1} OFFSET $${values.length}`,
    values,
  );
  return {
    total: count[0]?.total ?? 0,
    items: rows.map((row) => ({
      siret: row.siret,
      name: row.name,
      active: row.active,
      createdAt: row.created_at,
      members: row.members,
      pendingMembers: row.pending_members,
      requests: row.requests,
      requestsInInstruction: row.requests_in_instruction,
      activeHabilitations: row.active_habilitations,
    })),
  };
}

export interface AdminHabilitationRow {
  id: string;
  requestId: string;
  definition: string;
  organisation: { siret: string; name: string };
  status: HabilitationStatus;
  scopes: string[];
  validUntil: Date;
  createdAt: Date;
}

export async function searchHabilitations(
  db: Queryable,
  query: PageQuery & { definition?: string; status?: HabilitationStatus },
): Promise<Paged<AdminHabilitationRow>> {
  const values: unknown[] = [];
  const conditions: string[] = [];
  if (query.q) {
    values.push(containing(query.q));
    conditions.push(
      `h.organisation_id IN (SELECT id FROM organisations WHERE name ILIKE $${values.length} OR siret::text ILIKE $${values.length})`,
    );
  }
  if (query.definition) {
    values.push(query.definition);
    conditions.push(`h.definition = $${values.length}`);
  }
  if (query.status) {
    values.push(query.status);
    conditions.push(`h.status = $${values.length}`);
  }
  const where = conditions.length > 0 ? conditions.join(' AND ') : 'TRUE';
  const { rows: count } = await db.query<{ total: number }>(
    `SELECT count(*)::int AS total FROM habilitations h WHERE ${where}`,
    values,
  );
  values.push(query.pageSize, (query.page - 1) * query.pageSize);
  const { rows } = await db.query<{
    id: string;
    request_id: string;
    definition: string;
    siret: string;
    name: string;
    status: HabilitationStatus;
    scopes: string[];
    valid_until: Date;
    created_at: Date;
  }>(
    `SELECT h.id, h.request_id, h.definition, o.siret, o.name, h.status, h.scopes, h.valid_until, h.created_at
       FROM habilitations h JOIN organisations o ON o.id = h.organisation_id
      WHERE ${where}
      ORDER BY h.created_at DESC, h.id
      LIMIT $${values.length - 1} OFFSET $${values.length}`,
    values,
  );
  return {
    total: count[0]?.total ?? 0,
    items: rows.map((row) => ({
      id: row.id,
      requestId: row.request_id,
      definition: row.definition,
      organisation: { siret: row.siret, name: row.name },
      status: row.status,
      scopes: row.scopes,
      validUntil: row.valid_until,
      createdAt: row.created_at,
    })),
  };
}
