import type { Queryable } from './pool.ts';

/** One line of a request's timeline (spec §3: every transition and action, with actor, time and details). */
export interface RequestEvent {
  id: number;
  revision: number;
  type: string;
  actor: { id: string; givenName: string; familyName: string } | null;
  fromState: string | null;
  toState: string | null;
  internal: boolean;
  details: Record<string, unknown>;
  text: string | null;
  occurredAt: Date;
}

export interface NewRequestEvent {
  requestId: string;
  revision: number;
  type: string;
  actorId: string | null;
  fromState?: string;
  toState?: string;
  internal?: boolean;
  details?: Record<string, unknown>;
  textId?: string | null;
}

export async function recordRequestEvent(tx: Queryable, event: NewRequestEvent): Promise<void> {
  await tx.query(
    `INSERT INTO request_events (request_id, revision, type, actor_id, from_state, to_state, internal, details, text_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      event.requestId,
      event.revision,
      event.type,
      event.actorId,
      event.fromState ?? null,
      event.toState ?? null,
      event.internal ?? false,
      JSON.stringify(event.details ?? {}),
      event.textId ?? null,
    ],
  );
}

/**
 * The transition that took the request to `version`, if already recorded (a retried activity): with the scopes
 * it granted, for an approval.
 */
export async function transitionRecorded(
  tx: Queryable,
  requestId: string,
  version: number,
): Promise<{ grantedScopes: string[] | undefined } | undefined> {
  const { rows } = await tx.query<{ scopes: string[] | null }>(
    `SELECT details -> 'scopes' AS scopes FROM request_events WHERE request_id = $1 AND details ->> 'version' = $2`,
    [requestId, String(version)],
  );
  return rows[0] && { grantedScopes: rows[0].scopes ?? undefined };
}

/** The latest approval of a revision: the scopes it granted and who approved. */
export async function findApprovalOfRevision(
  tx: Queryable,
  requestId: string,
  revision: number,
): Promise<{ scopes: string[]; approvedBy: string | null } | undefined> {
  const { rows } = await tx.query<{ scopes: string[]; actor_id: string | null }>(
    `SELECT details -> 'scopes' AS scopes, actor_id FROM request_events
      WHERE request_id = $1 AND revision = $2 AND type = 'approve'
      ORDER BY id DESC LIMIT 1`,
    [requestId, revision],
  );
  return rows[0] && { scopes: rows[0].scopes, approvedBy: rows[0].actor_id };
}

/** Whether a platform action (a reminder…) identified by `key` is already on the timeline. */
export async function actionRecorded(
  tx: Queryable,
  requestId: string,
  type: string,
  key: string,
): Promise<boolean> {
  const { rowCount } = await tx.query(
    `SELECT 1 FROM request_events WHERE request_id = $1 AND type = $2 AND details ->> 'key' = $3`,
    [requestId, type, key],
  );
  return (rowCount ?? 0) > 0;
}

export async function listRequestEvents(
  db: Queryable,
  requestId: string,
  options: { includeInternal: boolean },
): Promise<RequestEvent[]> {
  const { rows } = await db.query<{
    id: number;
    revision: number;
    type: string;
    actor_id: string | null;
    given_name: string | null;
    family_name: string | null;
    from_state: string | null;
    to_state: string | null;
    internal: boolean;
    details: Record<string, unknown>;
    body: string | null;
    occurred_at: Date;
  }>(
    `SELECT e.id, e.revision, e.type, e.actor_id, u.given_name, u.family_name, e.from_state, e.to_state, e.internal,
            e.details, t.body, e.occurred_at
       FROM request_events e
       LEFT JOIN users u ON u.id = e.actor_id
       LEFT JOIN request_texts t ON t.id = e.text_id
      WHERE e.request_id = $1 AND ($2 OR NOT e.internal)
      ORDER BY e.id`,
    [requestId, options.includeInternal],
  );
  return rows.map((row) => ({
    id: row.id,
    revision: row.revision,
    type: row.type,
    actor:
      row.actor_id === null || row.given_name === null
        ? null
        : { id: row.actor_id, givenName: row.given_name, familyName: row.family_name ?? '' },
    fromState: row.from_state,
    toState: row.to_state,
    internal: row.internal,
    details: row.details,
    text: row.body,
    occurredAt: row.occurred_at,
  }));
}

/** Free text given with a command, stored before the command is sent so that only its id travels. */
export async function insertRequestText(
  db: Queryable,
  text: { requestId: string; authorId: string; body: string },
): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO request_texts (request_id, author_id, body) VALUES ($1, $2, $3) RETURNING id`,
    [text.requestId, text.authorId, text.body],
  );
  return rows[0]!.id;
}

export async function findRequestText(
  db: Queryable,
  requestId: string,
  id: string,
): Promise<string | undefined> {
  const { rows } = await db.query<{ body: string }>(
    `SELECT body FROM request_texts WHERE id = $1 AND request_id = $2`,
    [id, requestId],
  );
  return rows[0]?.body;
}
