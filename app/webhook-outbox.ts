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
  findRequestEventFacts,
  findTechnicalAccountEventFacts,
  findTokenEventFacts,
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
      const facts = await findRequestEventFacts(tx, requestId);
      if (!facts) return [];
      return record(tx, {
        definition: facts.definition,
        type,
        requestId,
        idempotencyKey: `${type}:${requestId}:${key}`,
        data: {
          request_id: facts.requestId,
          definition: facts.definition,
          state: facts.state,
          revision: facts.revision,
          organisation: facts.organisation,
          ...extra,
        },
      });
    },

    async recordTokenEvent(tx, tokenId, type, key, extra = {}) {
      const token = await findTokenEventFacts(tx, tokenId);
      if (!token) return [];
      return record(tx, {
        definition: token.definition,
        type,
        requestId: token.requestId,
        idempotencyKey: `${type}:${tokenId}:${key}`,
        data: {
          credential_id: tokenId,
          prefix: token.visiblePart,
          habilitation_id: token.habilitationId,
          request_id: token.requestId,
          definition: token.definition,
          scopes: token.scopes,
          expires_at: token.expiresAt.toISOString(),
          organisation: token.organisation,
          ...extra,
        },
      });
    },

    async recordTechnicalAccountEvent(tx, accountId, type, key) {
      const dispatches: Dispatch[] = [];
      for (const account of await findTechnicalAccountEventFacts(tx, accountId)) {
        if (!deps.definitions.find(account.definition)?.credentialTypes.includes('technical_account'))
          continue;
        dispatches.push(
          ...(await record(tx, {
            definition: account.definition,
            type,
            requestId: null,
            idempotencyKey: `${type}:${accountId}:${account.definition}:${key}`,
            data: {
              credential_id: accountId,
              login: account.login,
              definition: account.definition,
              organisation: account.organisation,
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
