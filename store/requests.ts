import type { MembershipStatus, OrganisationRole } from '../domain/organisation-roles.ts';
import type { FormData } from '../domain/request-form.ts';
import { EDITABLE_STATES, type RequestState } from '../domain/request-states.ts';
import { containing } from './like-patterns.ts';
import type { Queryable } from './pool.ts';

/** The editable states as an SQL list, from the one rule in domain/. */
export const EDITABLE_SQL = EDITABLE_STATES.map((state) => `'${state}'`).join(', ');

export interface AccessRequest {
  id: string;
  definition: string;
  organisationId: string;
  authorId: string | null;
  state: RequestState;
  version: number;
  revision: number;
  data: FormData;
  assigneeId: string | null;
  createdAt: Date;
  editedAt: Date;
  submittedAt: Date | null;
  decidedAt: Date | null;
}

const COLUMNS = `r.id, r.definition, r.organisation_id, r.author_id, r.state, r.version, r.revision, r.data,
  r.assignee_id, r.created_at, r.edited_at, r.submitted_at, r.decided_at`;

interface Row {
  id: string;
  definition: string;
  organisation_id: string;
  author_id: string | null;
  state: RequestState;
  version: number;
  revision: number;
  data: FormData;
  assignee_id: string | null;
  created_at: Date;
  edited_at: Date;
  submitted_at: Date | null;
  decided_at: Date | null;
}

const toRequest = (row: Row): AccessRequest => ({
  id: row.id,
  definition: row.definition,
  organisationId: row.organisation_id,
  authorId: row.author_id,
  state: row.state,
  version: row.version,
  revision: row.revision,
  data: row.data,
  assigneeId: row.assignee_id,
  createdAt: row.created_at,
  editedAt: row.edited_at,
  submittedAt: row.submitted_at,
  decidedAt: row.decided_at,
});

export async function insertRequest(
  tx: Queryable,
  request: { id: string; definition: string; organisationId: string; authorId: string },
): Promise<AccessRequest> {
  const { rows } = await tx.query<Row>(
    `INSERT INTO access_requests AS r (id, definition, organisation_id, author_id) VALUES ($1, $2, $3, $4)
     RETURNING ${COLUMNS}`,
    [request.id, request.definition, request.organisationId, request.authorId],
  );
  return toRequest(rows[0]!);
}

export async function findRequest(
  db: Queryable,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<AccessRequest | undefined> {
  const { rows } = await db.query<Row>(
    // NO KEY UPDATE: rows that reference the request (events, habilitations) can still be inserted meanwhile.
    `SELECT ${COLUMNS} FROM access_requests r WHERE r.id = $1${options.forUpdate ? ' FOR NO KEY UPDATE' : ''}`,
    [id],
  );
  return rows[0] && toRequest(rows[0]);
}

/**
 * Replaces the form data if the request can still be edited and its data is still `seen` (compare and set:
 * a save that lost a race with another save is told so, and merges again onto what won). The state check is
 * part of the UPDATE, so a save racing a submission either lands before it (and is part of what is
 * submitted) or is refused.
 */
export async function replaceRequestData(
  db: Queryable,
  id: string,
  change: { seen: FormData; data: FormData },
): Promise<'saved' | 'changed' | 'not_editable'> {
  const { rows } = await db.query<{ saved: boolean; editable: boolean }>(
    `WITH saved AS (
       UPDATE access_requests SET data = $3, edited_at = now()
        WHERE id = $1 AND state IN (${EDITABLE_SQL}) AND data = $2::jsonb
        RETURNING 1)
     SELECT EXISTS (SELECT 1 FROM saved) AS saved,
            EXISTS (SELECT 1 FROM access_requests WHERE id = $1 AND state IN (${EDITABLE_SQL})) AS editable`,
    [id, JSON.stringify(change.seen), JSON.stringify(change.data)],
  );
  const { saved, editable } = rows[0]!;
  return saved ? 'saved' : editable ? 'changed' : 'not_editable';
}

/** Marks the request as edited now (an attachment added or removed), if it can still be edited. */
export async function touchEditableRequest(db: Queryable, id: string): Promise<void> {
  await db.query(
    `UPDATE access_requests SET edited_at = now() WHERE id = $1 AND state IN (${EDITABLE_SQL})`,
    [id],
  );
}

/**
 * Moves the request from `fromVersion` to the next version and state. Answers false when the version has
 * already moved on: the transition was applied by an earlier attempt (or another command won the race).
 */
export async function applyTransition(
  tx: Queryable,
  change: {
    id: string;
    fromVersion: number;
    to: RequestState;
    revision?: number;
    submitted?: boolean;
    decided?: boolean;
  },
): Promise<boolean> {
  const { rowCount } = await tx.query(
    `UPDATE access_requests
        SET state = $3, version = version + 1, revision = coalesce($4, revision),
            submitted_at = CASE WHEN $5 THEN now() ELSE submitted_at END,
            decided_at = CASE WHEN $6 THEN now() WHEN $5 THEN NULL ELSE decided_at END,
            edited_at = CASE WHEN $3 = 'draft' THEN now() ELSE edited_at END
      WHERE id = $1 AND version = $2`,
    [
      change.id,
      change.fromVersion,
      change.to,
      change.revision ?? null,
      change.submitted ?? false,
      change.decided ?? false,
    ],
  );
  return rowCount === 1;
}

export async function setAssignee(db: Queryable, id: string, assigneeId: string | null): Promise<void> {
  await db.query(`UPDATE access_requests SET assignee_id = $2 WHERE id = $1`, [id, assigneeId]);
}

export interface RequestSummary extends AccessRequest {
  organisation: { siret: string; name: string };
  author: { givenName: string; familyName: string; email: string } | null;
}

const SUMMARY_COLUMNS = `${COLUMNS}, o.siret, o.name AS organisation_name,
  a.given_name AS author_given_name, a.family_name AS author_family_name, a.email AS author_email`;

interface SummaryRow extends Row {
  siret: string;
  organisation_name: string;
  author_given_name: string | null;
  author_family_name: string | null;
  author_email: string | null;
}

const toSummary = (row: SummaryRow): RequestSummary => ({
  ...toRequest(row),
  organisation: { siret: row.siret, name: row.organisation_name },
  author:
    row.author_email === null
      ? null
      : { givenName: row.author_given_name!, familyName: row.author_family_name!, email: row.author_email },
});

const SUMMARY_FROM = `access_requests r
  JOIN organisations o ON o.id = r.organisation_id
  LEFT JOIN users a ON a.id = r.author_id`;

/**
 * A request as one person meets it, in one statement: the request, that person's membership of its
 * organisation, and its active habilitation — everything an access decision reads.
 */
export interface RequestForActor {
  request: RequestSummary;
  membership: { status: MembershipStatus; roles: OrganisationRole[] } | null;
  activeHabilitationId: string | null;
}

export async function findRequestForActor(
  db: Queryable,
  id: string,
  actorId: string,
): Promise<RequestForActor | undefined> {
  const { rows } = await db.query<
    SummaryRow & {
      member_status: MembershipStatus | null;
      member_roles: OrganisationRole[] | null;
      active_habilitation_id: string | null;
    }
  >(
    `SELECT ${SUMMARY_COLUMNS}, m.status AS member_status, m.roles AS member_roles,
            h.id AS active_habilitation_id
       FROM ${SUMMARY_FROM}
       LEFT JOIN memberships m ON m.organisation_id = r.organisation_id AND m.user_id = $2
       LEFT JOIN habilitations h ON h.request_id = r.id AND h.status = 'active'
      WHERE r.id = $1`,
    [id, actorId],
  );
  const row = rows[0];
  if (!row) return undefined;
  return {
    request: toSummary(row),
    membership:
      row.member_status === null ? null : { status: row.member_status, roles: row.member_roles ?? [] },
    activeHabilitationId: row.active_habilitation_id,
  };
}

export async function findRequestSummary(db: Queryable, id: string): Promise<RequestSummary | undefined> {
  const { rows } = await db.query<SummaryRow>(
    `SELECT ${SUMMARY_COLUMNS} FROM ${SUMMARY_FROM} WHERE r.id = $1`,
    [id],
  );
  return rows[0] && toSummary(rows[0]);
}

/** The requests of the organisations where the user is an active member, most recently changed first. */
export async function listRequestsOfMember(db: Queryable, userId: string): Promise<RequestSummary[]> {
  const { rows } = await db.query<SummaryRow>(
    `SELECT ${SUMMARY_COLUMNS} FROM ${SUMMARY_FROM}
      WHERE r.organisation_id IN (SELECT organisation_id FROM memberships WHERE user_id = $1 AND status = 'active')
      ORDER BY greatest(r.edited_at, coalesce(r.submitted_at, r.edited_at), coalesce(r.decided_at, r.edited_at)) DESC`,
    [userId],
  );
  return rows.map(toSummary);
}

export async function listRequestsOfOrganisation(
  db: Queryable,
  organisationId: string,
): Promise<RequestSummary[]> {
  const { rows } = await db.query<SummaryRow>(
    `SELECT ${SUMMARY_COLUMNS} FROM ${SUMMARY_FROM} WHERE r.organisation_id = $1 ORDER BY r.created_at DESC`,
    [organisationId],
  );
  return rows.map(toSummary);
}

/**
 * Whether the organisation has submitted a request of one of these definitions (null: of any): what puts it before
 * the definitions' instruction side.
 */
export async function hasSubmittedRequest(
  db: Queryable,
  organisationId: string,
  definitions: string[] | null,
): Promise<boolean> {
  const { rows } = await db.query<{ found: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM access_requests
                     WHERE organisation_id = $1 AND submitted_at IS NOT NULL
                       AND ($2::text[] IS NULL OR definition = ANY($2))) AS found`,
    [organisationId, definitions],
  );
  return rows[0]?.found ?? false;
}

export interface QueueFilter {
  /** The definitions the instructor may see; null for every definition. */
  definitions: string[] | null;
  definition?: string;
  states: RequestState[];
  q?: string;
  page: number;
  pageSize: number;
}

const QUEUE_ORDER = 'r.submitted_at ASC NULLS LAST, r.created_at ASC, r.id ASC';

/** The instruction queue: oldest submission first, with a text search over title, organisation and applicant. */
export async function listInstructionQueue(
  db: Queryable,
  filter: QueueFilter,
): Promise<{ items: RequestSummary[]; total: number }> {
  // What has been submitted: organisations' drafts are not the instruction side's (app/request-access.ts canSee).
  const conditions = ['r.state = ANY($1)', 'r.submitted_at IS NOT NULL'];
  const values: unknown[] = [filter.states];
  if (filter.definitions !== null) {
    values.push(filter.definitions);
    conditions.push(`r.definition = ANY($${values.length})`);
  }
  if (filter.definition !== undefined) {
    values.push(filter.definition);
    conditions.push(`r.definition = $${values.length}`);
  }
  if (filter.q !== undefined && filter.q !== '') {
    values.push(containing(filter.q));
    const p = `$${values.length}`;
    // One condition per table, each the very expression a trigram index covers (migrations): the planner
    // combines index scans instead of reading every request with its organisation and author.
    conditions.push(`(r.data #>> '{project,title}' ILIKE ${p}
      OR r.organisation_id IN (SELECT id FROM organisations WHERE name ILIKE ${p} OR siret::text ILIKE ${p})
      OR r.author_id IN (SELECT id FROM users WHERE email ILIKE ${p} OR (given_name || ' ' || family_name) ILIKE ${p}))`);
  }
  const where = conditions.join(' AND ');
  // Every condition is on the request itself: the count and the page's ids come from access_requests alone
  // (its queue index, in order), and only the page's twenty rows are joined and read whole.
  const { rows: countRows } = await db.query<{ total: number }>(
    `SELECT count(*)::int AS total FROM access_requests r WHERE ${where}`,
    values,
  );
  values.push(filter.pageSize, (filter.page - 1) * filter.pageSize);
  const { rows } = await db.query<SummaryRow>(
    `WITH page AS (
       SELECT r.id FROM access_requests r WHERE ${where}
        ORDER BY ${QUEUE_ORDER} LIMIT $${values.length - 1} OFFSET $${values.length})
     SELECT ${SUMMARY_COLUMNS} FROM page JOIN (${SUMMARY_FROM}) ON r.id = page.id ORDER BY ${QUEUE_ORDER}`,
    values,
  );
  return { items: rows.map(toSummary), total: countRows[0]?.total ?? 0 };
}

export interface Submission {
  number: number;
  revision: number;
  data: FormData;
  attachments: { id: string; kind: string; originalName: string; sha256: string }[];
  submittedBy: string | null;
  submittedAt: Date;
}

export async function recordSubmission(
  tx: Queryable,
  submission: Omit<Submission, 'number' | 'submittedAt'> & { requestId: string },
): Promise<number> {
  const { rows } = await tx.query<{ number: number }>(
    `INSERT INTO request_submissions (request_id, number, revision, data, attachments, submitted_by)
     SELECT $1, coalesce(max(number), 0) + 1, $2, $3, $4, $5 FROM request_submissions WHERE request_id = $1
     RETURNING number`,
    [
      submission.requestId,
      submission.revision,
      JSON.stringify(submission.data),
      JSON.stringify(submission.attachments),
      submission.submittedBy,
    ],
  );
  return rows[0]!.number;
}

/** The latest submissions, newest first. */
export async function listSubmissions(db: Queryable, requestId: string, limit = 2): Promise<Submission[]> {
  const { rows } = await db.query<{
    number: number;
    revision: number;
    data: FormData;
    attachments: Submission['attachments'];
    submitted_by: string | null;
    submitted_at: Date;
  }>(
    `SELECT number, revision, data, attachments, submitted_by, submitted_at FROM request_submissions
      WHERE request_id = $1 ORDER BY number DESC LIMIT $2`,
    [requestId, limit],
  );
  return rows.map((row) => ({
    number: row.number,
    revision: row.revision,
    data: row.data,
    attachments: row.attachments,
    submittedBy: row.submitted_by,
    submittedAt: row.submitted_at,
  }));
}

/** Milliseconds since a person last changed the request, measured by the database clock. */
export async function requestIdleTime(
  db: Queryable,
  id: string,
): Promise<{ state: RequestState; idleMs: number; editedAt: Date } | undefined> {
  const { rows } = await db.query<{ state: RequestState; idle_ms: number; edited_at: Date }>(
    `SELECT state, (extract(epoch FROM (now() - edited_at)) * 1000)::float8 AS idle_ms, edited_at
       FROM access_requests WHERE id = $1`,
    [id],
  );
  return (
    rows[0] && { state: rows[0].state, idleMs: Math.max(0, rows[0].idle_ms), editedAt: rows[0].edited_at }
  );
}
