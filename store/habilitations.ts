import { canBeRevision, type RequestState } from '../domain/request-states.ts';
import type { Queryable } from './pool.ts';

export type HabilitationStatus = 'active' | 'superseded' | 'revoked';

/** The frozen grant an approval creates: credentials (issue 5) hang off it. */
export interface Habilitation {
  id: string;
  requestId: string;
  revision: number;
  organisationId: string;
  definition: string;
  scopes: string[];
  status: HabilitationStatus;
  validUntil: Date;
  approvedBy: string | null;
  createdAt: Date;
  supersededBy: string | null;
  endedAt: Date | null;
}

const COLUMNS = `h.id, h.request_id, h.revision, h.organisation_id, h.definition, h.scopes, h.status, h.valid_until,
  h.approved_by, h.created_at, h.superseded_by, h.ended_at`;

interface Row {
  id: string;
  request_id: string;
  revision: number;
  organisation_id: string;
  definition: string;
  scopes: string[];
  status: HabilitationStatus;
  valid_until: Date;
  approved_by: string | null;
  created_at: Date;
  superseded_by: string | null;
  ended_at: Date | null;
}

const toHabilitation = (row: Row): Habilitation => ({
  id: row.id,
  requestId: row.request_id,
  revision: row.revision,
  organisationId: row.organisation_id,
  definition: row.definition,
  scopes: row.scopes,
  status: row.status,
  validUntil: row.valid_until,
  approvedBy: row.approved_by,
  createdAt: row.created_at,
  supersededBy: row.superseded_by,
  endedAt: row.ended_at,
});

export async function findHabilitation(db: Queryable, id: string): Promise<Habilitation | undefined> {
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM habilitations h WHERE h.id = $1`, [id]);
  return rows[0] && toHabilitation(rows[0]);
}

export async function findHabilitationOfRevision(
  db: Queryable,
  requestId: string,
  revision: number,
): Promise<Habilitation | undefined> {
  const { rows } = await db.query<Row>(
    `SELECT ${COLUMNS} FROM habilitations h WHERE h.request_id = $1 AND h.revision = $2`,
    [requestId, revision],
  );
  return rows[0] && toHabilitation(rows[0]);
}

export async function findActiveHabilitationOfRequest(
  db: Queryable,
  requestId: string,
): Promise<Habilitation | undefined> {
  const { rows } = await db.query<Row>(
    `SELECT ${COLUMNS} FROM habilitations h WHERE h.request_id = $1 AND h.status = 'active'`,
    [requestId],
  );
  return rows[0] && toHabilitation(rows[0]);
}

/** A revision of a validated request whose habilitation still applies (domain/request-states.ts `reopened`). */
export async function isReopenedRevision(
  db: Queryable,
  request: { id: string; state: RequestState },
): Promise<boolean> {
  return (
    canBeRevision(request.state) && (await findActiveHabilitationOfRequest(db, request.id)) !== undefined
  );
}

export async function listHabilitationsOfRequest(db: Queryable, requestId: string): Promise<Habilitation[]> {
  const { rows } = await db.query<Row>(
    `SELECT ${COLUMNS} FROM habilitations h WHERE h.request_id = $1 ORDER BY h.revision DESC`,
    [requestId],
  );
  return rows.map(toHabilitation);
}

export async function listHabilitationsOfOrganisation(
  db: Queryable,
  organisationId: string,
): Promise<Habilitation[]> {
  const { rows } = await db.query<Row>(
    `SELECT ${COLUMNS} FROM habilitations h WHERE h.organisation_id = $1 ORDER BY h.created_at DESC`,
    [organisationId],
  );
  return rows.map(toHabilitation);
}

/**
 * The habilitation of an approved revision, created on the first call only: the unique (request, revision)
 * key makes a retried or racing approval find the one that exists. The request's previous habilitation, if
 * any, is superseded in the same transaction. Returns whether this call created it.
 */
export async function createHabilitationOnce(
  tx: Queryable,
  grant: Pick<
    Habilitation,
    'requestId' | 'revision' | 'organisationId' | 'definition' | 'scopes' | 'approvedBy'
  > &
    // Valid until a date, or for the definition's months from now by the database clock.
    ({ validUntil: Date } | { validityMonths: number }),
): Promise<{ habilitation: Habilitation; created: boolean; superseded: Habilitation | undefined }> {
  const existing = await findHabilitationOfRevision(tx, grant.requestId, grant.revision);
  if (existing) return { habilitation: existing, created: false, superseded: undefined };
  // Only a later revision has a habilitation to supersede: a request is reopened from `validated` alone.
  const { rows: previous } =
    grant.revision > 1
      ? await tx.query<Row>(
          `UPDATE habilitations h SET status = 'superseded', ended_at = now(), changed_txid = pg_current_xact_id()
            WHERE h.request_id = $1 AND h.status = 'active'
            RETURNING ${COLUMNS}`,
          [grant.requestId],
        )
      : { rows: [] as Row[] };
  const { rows } = await tx.query<Row>(
    `INSERT INTO habilitations AS h (request_id, revision, organisation_id, definition, scopes, valid_until, approved_by)
     VALUES ($1, $2, $3, $4, $5, coalesce($6, now() + make_interval(months => $8)), $7)
     RETURNING ${COLUMNS}`,
    [
      grant.requestId,
      grant.revision,
      grant.organisationId,
      grant.definition,
      grant.scopes,
      'validUntil' in grant ? grant.validUntil : null,
      grant.approvedBy,
      'validityMonths' in grant ? grant.validityMonths : null,
    ],
  );
  const habilitation = toHabilitation(rows[0]!);
  if (previous[0])
    await tx.query(`UPDATE habilitations SET superseded_by = $2 WHERE id = $1`, [
      previous[0].id,
      habilitation.id,
    ]);
  return { habilitation, created: true, superseded: previous[0] && toHabilitation(previous[0]) };
}

/** Ends the request's active habilitation (the request was revoked). */
export async function revokeHabilitationOfRequest(
  tx: Queryable,
  requestId: string,
): Promise<Habilitation | undefined> {
  const { rows } = await tx.query<Row>(
    `UPDATE habilitations h SET status = 'revoked', ended_at = now(), changed_txid = pg_current_xact_id()
      WHERE h.request_id = $1 AND h.status = 'active'
      RETURNING ${COLUMNS}`,
    [requestId],
  );
  return rows[0] && toHabilitation(rows[0]);
}

/** Where a reader of the habilitation changes stopped: the last change's transaction id and habilitation id. */
export interface HabilitationChangeCursor {
  txid: string;
  id: string;
}

export interface HabilitationChange {
  id: string;
  requestId: string;
  definition: string;
  organisation: { siret: string; name: string };
  scopes: string[];
  status: HabilitationStatus;
  validUntil: Date;
  createdAt: Date;
  endedAt: Date | null;
  updatedAt: Date;
  cursor: HabilitationChangeCursor;
}

/**
 * A definition's habilitations by their last change (created, superseded, revoked), in the order of the changes'
 * transactions. Like the events feed, only transactions older than every one still running are listed: a cursor
 * then never passes a change that commits later. Paged by (transaction, id): the changes of one transaction
 * (approving a new revision supersedes the habilitation before and creates the next) share a transaction id.
 */
export async function listHabilitationChanges(
  db: Queryable,
  definition: string,
  /** `since`: an ISO 8601 instant, given to PostgreSQL as written (to the microsecond). */
  from: { since?: string; after?: HabilitationChangeCursor },
  limit: number,
): Promise<HabilitationChange[]> {
  const { rows } = await db.query<{
    id: string;
    request_id: string;
    definition: string;
    siret: string;
    name: string;
    scopes: string[];
    status: HabilitationStatus;
    valid_until: Date;
    created_at: Date;
    ended_at: Date | null;
    updated_at: Date;
    changed_txid: string;
  }>(
    `SELECT h.id, h.request_id, h.definition, o.siret, o.name, h.scopes, h.status, h.valid_until, h.created_at,
            h.ended_at, greatest(h.created_at, h.ended_at) AS updated_at, h.changed_txid::text AS changed_txid
       FROM habilitations h JOIN organisations o ON o.id = h.organisation_id
      WHERE h.definition = $1
        AND h.changed_txid < pg_snapshot_xmin(pg_current_snapshot())
        AND ($2::timestamptz IS NULL OR greatest(h.created_at, h.ended_at) >= $2)
        AND ($3::xid8 IS NULL OR (h.changed_txid, h.id) > ($3::xid8, $4::uuid))
      ORDER BY h.changed_txid, h.id
      LIMIT $5`,
    [definition, from.since ?? null, from.after?.txid ?? null, from.after?.id ?? null, limit],
  );
  return rows.map((row) => ({
    id: row.id,
    requestId: row.request_id,
    definition: row.definition,
    organisation: { siret: row.siret, name: row.name },
    scopes: row.scopes,
    status: row.status,
    validUntil: row.valid_until,
    createdAt: row.created_at,
    endedAt: row.ended_at,
    updatedAt: row.updated_at,
    cursor: { txid: row.changed_txid, id: row.id },
  }));
}
