import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { DefinitionCatalog } from '../domain/definitions.ts';
import { MAX_PAYLOAD_BYTES, type WebhookEventType } from '../domain/webhooks.ts';
import type { Dispatch } from '../mail/mailer.ts';
import type { DeliveryKey, WebhookDeliveries } from '../ports/webhook-deliveries.ts';
import type { Db, Queryable } from '../store/pool.ts';
import {
  insertDeliveriesOfEvent,
  insertEvent,
  markDeliveryDispatched,
  lockSequence,
} from '../store/webhooks.ts';

/**
 * The webhook event outbox, shaped as the email one (mail/mailer.ts): an event is written in the transaction of
 * the change it describes, with one delivery row per endpoint that takes it; the caller starts the deliveries
 * once that transaction has committed (the returned dispatches), and the relay starts any it never did.
 * Payloads carry identifiers and what a provider needs, never a person's data nor a secret.
 */
export interface WebhookOutbox {
  /** An event of a request (its state, revision and organisation are read in `tx`, after the change). */
  recordRequestEvent(
    tx: Queryable,
    requestId: string,
    type: WebhookEventType,
    key: string,
    extra?: Record<string, unknown>,
  ): Promise<Dispatch[]>;
  recordTokenEvent(
    tx: Queryable,
    tokenId: string,
    type: WebhookEventType,
    key: string,
    extra?: Record<string, unknown>,
  ): Promise<Dispatch[]>;
  /** One event per definition whose technical accounts the organisation holds an active habilitation of. */
  recordTechnicalAccountEvent(
    tx: Queryable,
    accountId: string,
    type: WebhookEventType,
    key: string,
  ): Promise<Dispatch[]>;
  /** A test event for one endpoint alone. */
  recordTestEvent(
    tx: Queryable,
    endpoint: { id: string; definition: string },
  ): Promise<{ eventId: string; dispatches: Dispatch[] }>;
  /** Starts a delivery's run; false when Temporal could not be reached (the relay will). */
  dispatch(key: DeliveryKey): Promise<boolean>;
}

/** An event as a caller hands it to the outbox, before its id, sequence and timestamp are added. */
interface OutboxEvent {
  definition: string;
  type: string;
  requestId: string | null;
  idempotencyKey: string;
  data: Record<string, unknown>;
}

interface RequestFacts {
  request_id: string;
  definition: string;
  state: string;
  revision: number;
  organisation_siret: string;
  organisation_name: string;
}

async function requestFacts(tx: Queryable, requestId: string): Promise<RequestFacts | undefined> {
  const { rows } = await tx.query<RequestFacts>(
    `SELECT r.id AS request_id, r.definition, r.state, r.revision, o.siret AS organisation_siret,
            o.name AS organisation_name
       FROM access_requests r JOIN organisations o ON o.id = r.organisation_id WHERE r.id = $1`,
    [requestId],
  );
  return rows[0];
}

export function createWebhookOutbox(deps: {
  db: Db;
  deliveries: WebhookDeliveries;
  definitions: DefinitionCatalog;
  logger: Logger;
}): WebhookOutbox {
  const { db, deliveries, logger } = deps;

  async function dispatch(key: DeliveryKey): Promise<boolean> {
    try {
      await deliveries.start(key);
    } catch (error) {
      logger.warn({ ...key, err: error }, 'webhook event recorded but its delivery could not be started yet');
      return false;
    }
    await markDeliveryDispatched(db, key.endpointId, key.eventId, key.run);
    return true;
  }

  async function record(tx: Queryable, event: OutboxEvent, onlyEndpoint?: string): Promise<Dispatch[]> {
    return (await recordWithId(tx, event, onlyEndpoint)).dispatches;
  }

  async function recordWithId(
    tx: Queryable,
    event: OutboxEvent,
    onlyEndpoint?: string,
  ): Promise<{ eventId: string; dispatches: Dispatch[] }> {
    const sequence = event.requestId ? (await lockSequence(tx, event.requestId)) + 1 : null;
    const id = randomUUID();
    const payload = {
      type: event.type,
      timestamp: new Date().toISOString(),
      data: { ...event.data, ...(sequence === null ? {} : { sequence }) },
    };
    if (Buffer.byteLength(JSON.stringify(payload)) > MAX_PAYLOAD_BYTES)
      throw new Error(`webhook payload of ${event.type} exceeds ${MAX_PAYLOAD_BYTES} bytes`);
    const inserted = await insertEvent(tx, {
      id,
      definition: event.definition,
      type: event.type,
      requestId: event.requestId,
      sequence,
      idempotencyKey: event.idempotencyKey,
      payload,
    });
    if (!inserted.created) return { eventId: inserted.id, dispatches: [] };
    const endpoints = await insertDeliveriesOfEvent(tx, { ...event, id }, onlyEndpoint);
    return {
      eventId: id,
      dispatches: endpoints.map(
        (endpointId) => async () => void (await dispatch({ endpointId, eventId: id, run: 1 })),
      ),
    };
  }

  return {
    dispatch,
    async recordRequestEvent(tx, requestId, type, key, extra = {}) {
      const facts = await requestFacts(tx, requestId);
      if (!facts) return [];
      return record(tx, {
        definition: facts.definition,
        type,
        requestId,
        idempotencyKey: `${type}:${requestId}:${key}`,
        data: {
          request_id: facts.request_id,
          definition: facts.definition,
          state: facts.state,
          revision: facts.revision,
          organisation: { siret: facts.organisation_siret, name: facts.organisation_name },
          ...extra,
        },
      });
    },

    async recordTokenEvent(tx, tokenId, type, key, extra = {}) {
      const { rows } = await tx.query<{
        visible_part: string;
        habilitation_id: string;
        request_id: string;
        scopes: string[];
        expires_at: Date;
      }>(
        `SELECT t.visible_part, t.habilitation_id, h.request_id, h.scopes, t.expires_at
           FROM tokens t JOIN habilitations h ON h.id = t.habilitation_id WHERE t.id = $1`,
        [tokenId],
      );
      const token = rows[0];
      const facts = token && (await requestFacts(tx, token.request_id));
      if (!token || !facts) return [];
      return record(tx, {
        definition: facts.definition,
        type,
        requestId: token.request_id,
        idempotencyKey: `${type}:${tokenId}:${key}`,
        data: {
          credential_id: tokenId,
          prefix: token.visible_part,
          habilitation_id: token.habilitation_id,
          request_id: token.request_id,
          definition: facts.definition,
          scopes: token.scopes,
          expires_at: token.expires_at.toISOString(),
          organisation: { siret: facts.organisation_siret, name: facts.organisation_name },
          ...extra,
        },
      });
    },

    async recordTechnicalAccountEvent(tx, accountId, type, key) {
      const { rows } = await tx.query<{ login: string; siret: string; name: string; definition: string }>(
        `SELECT DISTINCT a.login, o.siret, o.name, h.definition
           FROM technical_accounts a JOIN organisations o ON o.id = a.organisation_id
           JOIN habilitations h ON h.organisation_id = a.organisation_id AND h.status = 'active'
          WHERE a.id = $1`,
        [accountId],
      );
      const dispatches: Dispatch[] = [];
      for (const row of rows) {
        if (!deps.definitions.find(row.definition)?.credentialTypes.includes('technical_account')) continue;
        dispatches.push(
          ...(await record(tx, {
            definition: row.definition,
            type,
            requestId: null,
            idempotencyKey: `${type}:${accountId}:${row.definition}:${key}`,
            data: {
              credential_id: accountId,
              login: row.login,
              definition: row.definition,
              organisation: { siret: row.siret, name: row.name },
            },
          })),
        );
      }
      return dispatches;
    },

    async recordTestEvent(tx, endpoint) {
      return recordWithId(
        tx,
        {
          definition: endpoint.definition,
          type: 'webhook.test',
          requestId: null,
          idempotencyKey: `webhook.test:${endpoint.id}:${randomUUID()}`,
          data: { endpoint_id: endpoint.id, definition: endpoint.definition },
        },
        endpoint.id,
      );
    },
  };
}
