import type { WebhookDisabledReason, WebhookEndpointStatus } from '../domain/webhooks.ts';
import type { Queryable } from './pool.ts';

export interface WebhookEndpoint {
  id: string;
  definition: string;
  url: string;
  events: string[];
  status: WebhookEndpointStatus;
  disabledReason: WebhookDisabledReason | null;
  sealedSecret: string;
  previousSealedSecret: string | null;
  previousSecretUntil: Date | null;
  failingSince: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

interface EndpointRow {
  id: string;
  definition: string;
  url: string;
  events: string[];
  status: WebhookEndpointStatus;
  disabled_reason: WebhookDisabledReason | null;
  sealed_secret: string;
  previous_sealed_secret: string | null;
  previous_secret_until: Date | null;
  failing_since: Date | null;
  created_at: Date;
  updated_at: Date;
}

const ENDPOINT_COLUMNS = `id, definition, url, events, status, disabled_reason, sealed_secret, previous_sealed_secret,
  previous_secret_until, failing_since, created_at, updated_at`;

function toEndpoint(row: EndpointRow): WebhookEndpoint {
  return {
    id: row.id,
    definition: row.definition,
    url: row.url,
    events: row.events,
    status: row.status,
    disabledReason: row.disabled_reason,
    sealedSecret: row.sealed_secret,
    previousSealedSecret: row.previous_sealed_secret,
    previousSecretUntil: row.previous_secret_until,
    failingSince: row.failing_since,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export async function insertEndpoint(
  db: Queryable,
  endpoint: {
    id: string;
    definition: string;
    url: string;
    events: string[];
    sealedSecret: string;
    createdBy: string | null;
  },
): Promise<WebhookEndpoint> {
  const { rows } = await db.query<EndpointRow>(
    `INSERT INTO webhook_endpoints (id, definition, url, events, sealed_secret, created_by)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${ENDPOINT_COLUMNS}`,
    [
      endpoint.id,
      endpoint.definition,
      endpoint.url,
      endpoint.events,
      endpoint.sealedSecret,
      endpoint.createdBy,
    ],
  );
  return toEndpoint(rows[0]!);
}

export async function findEndpoint(
  db: Queryable,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<WebhookEndpoint | undefined> {
  const { rows } = await db.query<EndpointRow>(
    `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id = $1${options.forUpdate ? ' FOR UPDATE' : ''}`,
    [id],
  );
  return rows[0] && toEndpoint(rows[0]);
}

export async function listEndpoints(db: Queryable, definition: string): Promise<WebhookEndpoint[]> {
  const { rows } = await db.query<EndpointRow>(
    `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE definition = $1 ORDER BY created_at, id`,
    [definition],
  );
  return rows.map(toEndpoint);
}

export async function updateEndpoint(
  db: Queryable,
  id: string,
  change: {
    url?: string;
    events?: string[];
    status?: WebhookEndpointStatus;
    disabledReason?: WebhookDisabledReason | null;
    sealedSecret?: string;
    previousSealedSecret?: string | null;
    previousSecretUntil?: Date | null;
    failingSince?: Date | null;
  },
): Promise<WebhookEndpoint | undefined> {
  const columns: Record<string, unknown> = {
    url: change.url,
    events: change.events,
    status: change.status,
    disabled_reason: change.disabledReason,
    sealed_secret: change.sealedSecret,
    previous_sealed_secret: change.previousSealedSecret,
    previous_secret_until: change.previousSecretUntil,
    failing_since: change.failingSince,
  };
  const set = Object.entries(columns).filter(([, value]) => value !== undefined);
  const assignments = set.map(([column], index) => `${column} = $${index + 2}`);
  const { rows } = await db.query<EndpointRow>(
    `UPDATE webhook_endpoints SET ${[...assignments, 'updated_at = now()'].join(', ')}
      WHERE id = $1 RETURNING ${ENDPOINT_COLUMNS}`,
    [id, ...set.map(([, value]) => value)],
  );
  return rows[0] && toEndpoint(rows[0]);
}

export async function deleteEndpoint(db: Queryable, id: string): Promise<void> {
  await db.query('DELETE FROM webhook_endpoints WHERE id = $1', [id]);
}

/** What a request's event tells of it, read in the event's transaction. */
export async function findRequestEventFacts(
  db: Queryable,
  requestId: string,
): Promise<
  | {
      requestId: string;
      definition: string;
      state: string;
      revision: number;
      organisation: { siret: string; name: string };
    }
  | undefined
> {
  const { rows } = await db.query<{
    id: string;
    definition: string;
    state: string;
    revision: number;
    siret: string;
    name: string;
  }>(
    `SELECT r.id, r.definition, r.state, r.revision, o.siret, o.name
       FROM access_requests r JOIN organisations o ON o.id = r.organisation_id WHERE r.id = $1`,
    [requestId],
  );
  const row = rows[0];
  return (
    row && {
      requestId: row.id,
      definition: row.definition,
      state: row.state,
      revision: row.revision,
      organisation: { siret: row.siret, name: row.name },
    }
  );
}

/** What a token's event tells of it and of its request, in one query. */
export async function findTokenEventFacts(
  db: Queryable,
  tokenId: string,
): Promise<
  | {
      visiblePart: string;
      habilitationId: string;
      requestId: string;
      definition: string;
      scopes: string[];
      expiresAt: Date;
      organisation: { siret: string; name: string };
    }
  | undefined
> {
  const { rows } = await db.query<{
    visible_part: string;
    habilitation_id: string;
    request_id: string;
    definition: string;
    scopes: string[];
    expires_at: Date;
    siret: string;
    name: string;
  }>(
    `SELECT t.visible_part, t.habilitation_id, h.request_id, r.definition, h.scopes, t.expires_at, o.siret, o.name
       FROM tokens t JOIN habilitations h ON h.id = t.habilitation_id
       JOIN access_requests r ON r.id = h.request_id JOIN organisations o ON o.id = r.organisation_id
      WHERE t.id = $1`,
    [tokenId],
  );
  const row = rows[0];
  return (
    row && {
      visiblePart: row.visible_part,
      habilitationId: row.habilitation_id,
      requestId: row.request_id,
      definition: row.definition,
      scopes: row.scopes,
      expiresAt: row.expires_at,
      organisation: { siret: row.siret, name: row.name },
    }
  );
}

/** A technical account's login and organisation, once per definition its organisation is actively habilitated for. */
export async function findTechnicalAccountEventFacts(
  db: Queryable,
  accountId: string,
): Promise<{ login: string; definition: string; organisation: { siret: string; name: string } }[]> {
  const { rows } = await db.query<{ login: string; siret: string; name: string; definition: string }>(
    `SELECT DISTINCT a.login, o.siret, o.name, h.definition
       FROM technical_accounts a JOIN organisations o ON o.id = a.organisation_id
       JOIN habilitations h ON h.organisation_id = a.organisation_id AND h.status = 'active'
      WHERE a.id = $1`,
    [accountId],
  );
  return rows.map((row) => ({
    login: row.login,
    definition: row.definition,
    organisation: { siret: row.siret, name: row.name },
  }));
}

/**
 * The number of a request's last event, its row locked until the transaction ends: concurrent changes of one
 * request take their numbers in turn. The number moves only when an event is written (insertEvent), so an event
 * found already there (a retried step) leaves no gap that a provider would read as an event missed.
 */
export async function lockSequence(db: Queryable, requestId: string): Promise<number> {
  const { rows } = await db.query<{ last: number }>(
    `INSERT INTO webhook_sequences (request_id, last) VALUES ($1, 0)
     ON CONFLICT (request_id) DO UPDATE SET last = webhook_sequences.last
     RETURNING last`,
    [requestId],
  );
  return rows[0]!.last;
}

export interface NewWebhookEvent {
  definition: string;
  type: string;
  requestId: string | null;
  sequence: number | null;
  idempotencyKey: string;
  payload: Record<string, unknown>;
}

/**
 * Writes the event unless its key is there already; `created` false when a retried step finds it. A request's
 * event takes the number after lockSequence's, which moves with it in the same statement.
 */
export async function insertEvent(
  db: Queryable,
  event: NewWebhookEvent & { id: string },
): Promise<{ id: string; created: boolean }> {
  const inserted = await db.query<{ id: string }>(
    `WITH inserted AS (
       INSERT INTO webhook_events (id, definition, type, request_id, sequence, idempotency_key, payload)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (idempotency_key) DO NOTHING RETURNING id
     ), numbered AS (
       UPDATE webhook_sequences SET last = $5
        WHERE request_id = $4 AND $5::integer IS NOT NULL AND EXISTS (SELECT 1 FROM inserted)
     )
     SELECT id FROM inserted`,
    [
      event.id,
      event.definition,
      event.type,
      event.requestId,
      event.sequence,
      event.idempotencyKey,
      JSON.stringify(event.payload),
    ],
  );
  if (inserted.rows[0]) return { id: inserted.rows[0].id, created: true };
  const { rows } = await db.query<{ id: string }>(
    'SELECT id FROM webhook_events WHERE idempotency_key = $1',
    [event.idempotencyKey],
  );
  return { id: rows[0]!.id, created: false };
}

/** A delivery of the event to each endpoint of its definition that takes this type and is not disabled. */
export async function insertDeliveriesOfEvent(
  db: Queryable,
  event: { id: string; definition: string; type: string },
  onlyEndpoint?: string,
): Promise<string[]> {
  const { rows } = await db.query<{ endpoint_id: string }>(
    `INSERT INTO webhook_deliveries (endpoint_id, event_id)
     SELECT id, $1 FROM webhook_endpoints
      WHERE definition = $2 AND status <> 'disabled' AND ($3 = ANY (events) OR $4::uuid IS NOT NULL)
        AND ($4::uuid IS NULL OR id = $4::uuid)
     ON CONFLICT DO NOTHING
     RETURNING endpoint_id`,
    [event.id, event.definition, event.type, onlyEndpoint ?? null],
  );
  return rows.map((row) => row.endpoint_id);
}

export interface StoredWebhookEvent {
  id: string;
  definition: string;
  type: string;
  payload: Record<string, unknown>;
  createdAt: Date;
}

export async function findEvent(db: Queryable, id: string): Promise<StoredWebhookEvent | undefined> {
  const { rows } = await db.query<{
    id: string;
    definition: string;
    type: string;
    payload: Record<string, unknown>;
    created_at: Date;
  }>('SELECT id, definition, type, payload, created_at FROM webhook_events WHERE id = $1', [id]);
  const row = rows[0];
  return (
    row && {
      id: row.id,
      definition: row.definition,
      type: row.type,
      payload: row.payload,
      createdAt: row.created_at,
    }
  );
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface Delivery {
  endpointId: string;
  eventId: string;
  status: DeliveryStatus;
  run: number;
}

export async function findDelivery(
  db: Queryable,
  endpointId: string,
  eventId: string,
): Promise<Delivery | undefined> {
  const { rows } = await db.query<{
    endpoint_id: string;
    event_id: string;
    status: DeliveryStatus;
    run: number;
  }>(
    'SELECT endpoint_id, event_id, status, run FROM webhook_deliveries WHERE endpoint_id = $1 AND event_id = $2',
    [endpointId, eventId],
  );
  const row = rows[0];
  return row && { endpointId: row.endpoint_id, eventId: row.event_id, status: row.status, run: row.run };
}

/** What one attempt needs, in one query: the delivery's state, its endpoint and its event. */
export interface DeliveryToAttempt {
  delivery: Delivery;
  endpoint: WebhookEndpoint;
  event: StoredWebhookEvent;
}

const ATTEMPT_ENDPOINT_COLUMNS = ENDPOINT_COLUMNS.split(',')
  .map((column) => `p.${column.trim()}`)
  .join(', ');

/** Undefined when the delivery, its endpoint or its event is gone. */
export async function findDeliveryToAttempt(
  db: Queryable,
  endpointId: string,
  eventId: string,
): Promise<DeliveryToAttempt | undefined> {
  const { rows } = await db.query<
    EndpointRow & {
      delivery_status: DeliveryStatus;
      delivery_run: number;
      event_id: string;
      event_definition: string;
      event_type: string;
      event_payload: Record<string, unknown>;
      event_created_at: Date;
    }
  >(
    `SELECT d.status AS delivery_status, d.run AS delivery_run, ${ATTEMPT_ENDPOINT_COLUMNS},
            e.id AS event_id, e.definition AS event_definition, e.type AS event_type,
            e.payload AS event_payload, e.created_at AS event_created_at
       FROM webhook_deliveries d
       JOIN webhook_endpoints p ON p.id = d.endpoint_id
       JOIN webhook_events e ON e.id = d.event_id
      WHERE d.endpoint_id = $1 AND d.event_id = $2`,
    [endpointId, eventId],
  );
  const row = rows[0];
  return (
    row && {
      delivery: {
        endpointId: row.id,
        eventId: row.event_id,
        status: row.delivery_status,
        run: row.delivery_run,
      },
      endpoint: toEndpoint(row),
      event: {
        id: row.event_id,
        definition: row.event_definition,
        type: row.event_type,
        payload: row.event_payload,
        createdAt: row.event_created_at,
      },
    }
  );
}

export async function markDeliveryDispatched(
  db: Queryable,
  endpointId: string,
  eventId: string,
  run: number,
): Promise<void> {
  await db.query(
    `UPDATE webhook_deliveries SET dispatched_at = coalesce(dispatched_at, now())
      WHERE endpoint_id = $1 AND event_id = $2 AND run = $3`,
    [endpointId, eventId, run],
  );
}

/** Ends a run: only the run that is current and still pending, so a finished run never overwrites a replay. */
export async function settleDelivery(
  db: Queryable,
  key: { endpointId: string; eventId: string; run: number },
  status: 'delivered' | 'failed',
): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE webhook_deliveries SET status = $4, updated_at = now()
      WHERE endpoint_id = $1 AND event_id = $2 AND run = $3 AND status = 'pending'`,
    [key.endpointId, key.eventId, key.run, status],
  );
  return rowCount === 1;
}

/** A new run of a delivery (a replay): pending again, to dispatch after the commit; undefined when it has none. */
export async function restartDelivery(
  db: Queryable,
  endpointId: string,
  eventId: string,
): Promise<number | undefined> {
  const { rows } = await db.query<{ run: number }>(
    `UPDATE webhook_deliveries SET run = run + 1, status = 'pending', dispatched_at = NULL, updated_at = now()
      WHERE endpoint_id = $1 AND event_id = $2
      RETURNING run`,
    [endpointId, eventId],
  );
  return rows[0]?.run;
}

/**
 * A new run of the endpoint's oldest failed deliveries since a date, `limit` at most, in one statement: a replay
 * of a thousand events is one round trip, not a thousand. Rows another replay holds are skipped.
 */
export async function restartFailedDeliveriesSince(
  db: Queryable,
  endpointId: string,
  since: Date,
  limit: number,
): Promise<{ eventId: string; run: number }[]> {
  const { rows } = await db.query<{ event_id: string; run: number }>(
    `UPDATE webhook_deliveries d SET run = d.run + 1, status = 'pending', dispatched_at = NULL, updated_at = now()
       FROM (SELECT event_id FROM webhook_deliveries
              WHERE endpoint_id = $1 AND status = 'failed' AND created_at >= $2
              ORDER BY created_at LIMIT $3
              FOR UPDATE SKIP LOCKED) failed
      WHERE d.endpoint_id = $1 AND d.event_id = failed.event_id
      RETURNING d.event_id, d.run`,
    [endpointId, since, limit],
  );
  return rows.map((row) => ({ eventId: row.event_id, run: row.run }));
}

/** Deliveries whose run no workflow has claimed for at least `olderThanMs` (a crash between commit and start). */
export async function findUndispatchedDeliveries(
  db: Queryable,
  olderThanMs: number,
  limit: number,
): Promise<{ endpointId: string; eventId: string; run: number }[]> {
  const { rows } = await db.query<{ endpoint_id: string; event_id: string; run: number }>(
    `SELECT endpoint_id, event_id, run FROM webhook_deliveries
      WHERE dispatched_at IS NULL AND status = 'pending' AND updated_at <= now() - $1 * interval '1 millisecond'
      ORDER BY created_at LIMIT $2`,
    [olderThanMs, limit],
  );
  return rows.map((row) => ({ endpointId: row.endpoint_id, eventId: row.event_id, run: row.run }));
}

export interface AttemptRecord {
  endpointId: string;
  eventId: string;
  run: number;
  attempt: number;
  statusCode: number | null;
  durationMs: number;
  responseExcerpt: string | null;
  error: string | null;
}

/** Upserted: an attempt retried after the worker died is recorded once, as its last outcome. */
export async function recordAttempt(db: Queryable, attempt: AttemptRecord): Promise<void> {
  await db.query(
    `INSERT INTO webhook_attempts (endpoint_id, event_id, run, attempt, status_code, duration_ms, response_excerpt, error)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (endpoint_id, event_id, run, attempt) DO UPDATE
       SET attempted_at = now(), status_code = $5, duration_ms = $6, response_excerpt = $7, error = $8`,
    [
      attempt.endpointId,
      attempt.eventId,
      attempt.run,
      attempt.attempt,
      attempt.statusCode,
      attempt.durationMs,
      attempt.responseExcerpt,
      attempt.error,
    ],
  );
}

export interface DeliveryView {
  eventId: string;
  type: string;
  status: DeliveryStatus;
  createdAt: Date;
  attempts: {
    run: number;
    attempt: number;
    at: Date;
    statusCode: number | null;
    durationMs: number;
    responseExcerpt: string | null;
    error: string | null;
  }[];
}

/** An endpoint's deliveries, newest first, with their attempts; `after`: older than that event's delivery. */
export async function listDeliveries(
  db: Queryable,
  endpointId: string,
  filter: { status?: DeliveryStatus; after?: string; limit: number },
): Promise<DeliveryView[]> {
  const { rows } = await db.query<{
    event_id: string;
    type: string;
    status: DeliveryStatus;
    created_at: Date;
    attempts: DeliveryView['attempts'] | null;
  }>(
    `SELECT d.event_id, e.type, d.status, d.created_at,
            (SELECT json_agg(json_build_object('run', a.run, 'attempt', a.attempt, 'at', a.attempted_at,
                      'statusCode', a.status_code, 'durationMs', a.duration_ms,
                      'responseExcerpt', a.response_excerpt, 'error', a.error)
                    ORDER BY a.run, a.attempt)
               FROM webhook_attempts a WHERE a.endpoint_id = d.endpoint_id AND a.event_id = d.event_id) AS attempts
       FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id
      WHERE d.endpoint_id = $1 AND ($2::text IS NULL OR d.status = $2)
        AND ($3::uuid IS NULL OR (d.created_at, d.event_id) <
             (SELECT created_at, event_id FROM webhook_deliveries WHERE endpoint_id = $1 AND event_id = $3::uuid))
      ORDER BY d.created_at DESC, d.event_id DESC
      LIMIT $4`,
    [endpointId, filter.status ?? null, filter.after ?? null, filter.limit],
  );
  return rows.map((row) => ({
    eventId: row.event_id,
    type: row.type,
    status: row.status,
    createdAt: row.created_at,
    attempts: (row.attempts ?? []).map((attempt) => ({ ...attempt, at: new Date(attempt.at) })),
  }));
}

/** The feed: events of the definitions after the cursor, of committed transactions older than any still running. */
export async function listFeedEvents(
  db: Queryable,
  definitions: string[],
  after: string | undefined,
  limit: number,
): Promise<{ id: string; payload: Record<string, unknown> }[] | 'unknown_cursor'> {
  let cursor: { txid: string; position: number } | undefined;
  if (after !== undefined) {
    const { rows } = await db.query<{ txid: string; position: number }>(
      `SELECT txid::text AS txid, position FROM webhook_events
        WHERE id = $1 AND definition = ANY ($2) AND type <> 'webhook.test'`,
      [after, definitions],
    );
    if (!rows[0]) return 'unknown_cursor';
    cursor = rows[0];
  }
  const { rows } = await db.query<{ id: string; payload: Record<string, unknown> }>(
    `SELECT id, payload FROM webhook_events
      WHERE definition = ANY ($1) AND type <> 'webhook.test'
        AND txid < pg_snapshot_xmin(pg_current_snapshot())
        AND ($2::xid8 IS NULL OR (txid, position) > ($2::xid8, $3::bigint))
      ORDER BY txid, position
      LIMIT $4`,
    [definitions, cursor?.txid ?? null, cursor?.position ?? null, limit],
  );
  return rows;
}

/** The staff to tell about an endpoint: the definition's developers and the platform admins. */
export async function webhookContacts(
  db: Queryable,
  definition: string,
): Promise<{ userId: string; email: string; givenName: string }[]> {
  const { rows } = await db.query<{ id: string; email: string; given_name: string }>(
    `SELECT DISTINCT u.id, u.email, u.given_name FROM users u JOIN staff_roles s ON s.user_id = u.id
      WHERE u.status = 'active'
        AND (s.role = 'admin' OR (s.role = 'developpeur' AND (s.definition_slug = $1 OR s.definition_slug IS NULL)))
      ORDER BY u.id`,
    [definition],
  );
  return rows.map((row) => ({ userId: row.id, email: row.email, givenName: row.given_name }));
}

/** Failed attempts since the endpoint started failing: sets the start if unset; answers it. */
export async function markEndpointFailing(db: Queryable, id: string): Promise<Date | undefined> {
  const { rows } = await db.query<{ failing_since: Date }>(
    `UPDATE webhook_endpoints SET failing_since = coalesce(failing_since, now()) WHERE id = $1
     RETURNING failing_since`,
    [id],
  );
  return rows[0]?.failing_since;
}

/** A success: the endpoint is healthy again, and a pending one becomes active. */
export async function markEndpointHealthy(db: Queryable, id: string): Promise<void> {
  await db.query(
    `UPDATE webhook_endpoints
        SET failing_since = NULL, status = CASE WHEN status = 'pending' THEN 'active' ELSE status END
      WHERE id = $1 AND (failing_since IS NOT NULL OR status = 'pending')`,
    [id],
  );
}

/** Disables the endpoint unless it already is; true when this call did. */
export async function disableEndpoint(
  db: Queryable,
  id: string,
  reason: WebhookDisabledReason,
): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE webhook_endpoints SET status = 'disabled', disabled_reason = $2, updated_at = now()
      WHERE id = $1 AND status <> 'disabled'`,
    [id, reason],
  );
  return rowCount === 1;
}
