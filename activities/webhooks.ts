import { ApplicationFailure } from '@temporalio/activity';
import type { Logger } from 'pino';
import type { DefinitionCatalog } from '../domain/definitions.ts';
import { retryAfterMs } from '../domain/webhooks.ts';
import { dispatchAll, type Mailer } from '../mail/mailer.ts';
import type { DeliveryKey } from '../ports/webhook-deliveries.ts';
import type { WebhookSettings } from '../domain/webhook-settings.ts';
import { openWebhookSecrets, signatureHeader } from '../app/webhook-secrets.ts';
import type { WebhookOutbox } from '../app/webhook-outbox.ts';
import { postWebhook } from '../app/webhook-sender.ts';
import { withTransaction, type Db, type Queryable } from '../store/pool.ts';
import {
  disableEndpoint,
  findDeliveryToAttempt,
  findEndpoint,
  findEvent,
  findUndispatchedDeliveries,
  markEndpointFailing,
  markEndpointHealthy,
  recordAttempt,
  settleDelivery,
  webhookContacts,
  type AttemptRecord,
  type WebhookEndpoint,
} from '../store/webhooks.ts';

export interface WebhookActivityDeps {
  db: Db;
  mailer: Mailer;
  webhooks: WebhookOutbox;
  webhookSettings: WebhookSettings;
  sealingKey: Buffer;
  publicUrl: URL;
  definitions: DefinitionCatalog;
  logger: Logger;
}

export type AttemptOutcome =
  | { kind: 'delivered' }
  /** Nothing more to do: the endpoint is gone or disabled, or this run was replaced or settled. */
  | { kind: 'stopped' }
  | { kind: 'retry'; retryAfterMs?: number };

const STRANDED_BATCH = 100;

export function createWebhookActivities(deps: WebhookActivityDeps) {
  const { db, webhookSettings: settings, logger } = deps;

  /** Emails the definition's developers and the platform admins, once per cause (the idempotency key). */
  async function tellContacts(
    tx: Queryable,
    endpoint: WebhookEndpoint,
    cause: { failed: boolean; gone: boolean; eventType: string; eventId: string; key: string },
  ) {
    const definition = deps.definitions.find(endpoint.definition);
    const contacts = await webhookContacts(tx, endpoint.definition);
    return deps.mailer.enqueueEach(tx, contacts, (contact) => ({
      to: contact.email,
      template: 'webhook-trouble',
      data: {
        givenName: contact.givenName,
        definitionName: definition?.name ?? endpoint.definition,
        endpointHost: new URL(endpoint.url).host,
        failed: cause.failed,
        gone: cause.gone,
        eventType: cause.eventType,
        eventId: cause.eventId,
        webhooksUrl: new URL(`/developpeurs/${endpoint.definition}/webhooks`, deps.publicUrl).toString(),
      },
      idempotencyKey: `webhook:${cause.key}:${contact.userId}`,
    }));
  }

  /**
   * Settles the run as failed and disables the endpoint in one transaction: were they separate, a worker dying
   * between them would leave the delivery settled, so the retried attempt would stop at once and the endpoint
   * would stay enabled with nobody told.
   */
  async function settleAndDisable(
    key: DeliveryKey,
    endpoint: WebhookEndpoint,
    reason: 'gone' | 'failing',
    event: { id: string; type: string },
  ) {
    const dispatches = await withTransaction(db, async (tx) => {
      await settleDelivery(tx, key, 'failed');
      if (!(await disableEndpoint(tx, endpoint.id, reason))) return [];
      logger.warn({ endpointId: endpoint.id, reason }, 'webhook endpoint disabled');
      return tellContacts(tx, endpoint, {
        failed: false,
        gone: reason === 'gone',
        eventType: event.type,
        eventId: event.id,
        key: `disabled:${endpoint.id}:${endpoint.updatedAt.getTime()}`,
      });
    });
    await dispatchAll(dispatches);
  }

  return {
    /**
     * One attempt: one signed POST, its outcome recorded. Idempotent on the delivery row: a run already settled,
     * or replaced by a replay, sends nothing. Throws only when the platform failed (so Temporal retries it).
     */
    async attemptWebhookDelivery(key: DeliveryKey & { attempt: number }): Promise<AttemptOutcome> {
      const found = await findDeliveryToAttempt(db, key.endpointId, key.eventId);
      if (!found) return { kind: 'stopped' };
      const { delivery, endpoint, event } = found;
      if (delivery.run !== key.run || delivery.status !== 'pending') return { kind: 'stopped' };
      if (endpoint.status === 'disabled') {
        await settleDelivery(db, key, 'failed');
        return { kind: 'stopped' };
      }
      const now = new Date();
      const secrets = openWebhookSecrets(deps.sealingKey, endpoint, now);
      if (secrets.length === 0)
        throw ApplicationFailure.nonRetryable('webhook secret cannot be opened', 'WebhookSecretUnreadable');
      const body = JSON.stringify(event.payload);
      const timestamp = Math.floor(now.getTime() / 1000);
      const sent = await postWebhook(
        endpoint.url,
        {
          'content-type': 'application/json',
          'user-agent': 'Sesame-Webhooks/1',
          'webhook-id': event.id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signatureHeader(secrets, event.id, timestamp, body),
        },
        body,
        { timeoutMs: settings.timeoutMs, rules: { allowLocalHttp: settings.allowLocalHttp } },
      );
      const attempt: AttemptRecord = {
        ...key,
        statusCode: sent.statusCode ?? null,
        durationMs: sent.durationMs,
        responseExcerpt: sent.responseExcerpt ?? null,
        error: sent.error ?? null,
      };
      const status = sent.statusCode;
      if (status !== undefined && status >= 200 && status < 300) {
        // One commit: the attempt, the settled run and the healthy endpoint are written together or not at all.
        await withTransaction(db, async (tx) => {
          await recordAttempt(tx, attempt);
          await settleDelivery(tx, key, 'delivered');
          await markEndpointHealthy(tx, endpoint.id);
        });
        return { kind: 'delivered' };
      }
      await recordAttempt(db, attempt);
      if (status === 410) {
        await settleAndDisable(key, endpoint, 'gone', event);
        return { kind: 'stopped' };
      }
      const failingSince = await markEndpointFailing(db, endpoint.id);
      if (failingSince && now.getTime() - failingSince.getTime() >= settings.disableAfterMs) {
        await settleAndDisable(key, endpoint, 'failing', event);
        return { kind: 'stopped' };
      }
      const later =
        status === 429 || status === 503 ? retryAfterMs(sent.retryAfter, now.getTime()) : undefined;
      return later === undefined ? { kind: 'retry' } : { kind: 'retry', retryAfterMs: later };
    },

    /** The schedule is spent: the event is marked failed and the definition's developers and admins told. */
    async concludeWebhookDelivery(key: DeliveryKey): Promise<void> {
      const dispatches = await withTransaction(db, async (tx) => {
        if (!(await settleDelivery(tx, key, 'failed'))) return [];
        const endpoint = await findEndpoint(tx, key.endpointId);
        const event = await findEvent(tx, key.eventId);
        if (!endpoint || !event) return [];
        return tellContacts(tx, endpoint, {
          failed: true,
          gone: false,
          eventType: event.type,
          eventId: event.id,
          key: `failed:${key.endpointId}:${key.eventId}:${key.run}`,
        });
      });
      await dispatchAll(dispatches);
    },

    async dispatchStrandedWebhooks(olderThanMs: number): Promise<number> {
      const keys = await findUndispatchedDeliveries(db, olderThanMs, STRANDED_BATCH);
      let dispatched = 0;
      for (const key of keys) if (await deps.webhooks.dispatch(key)) dispatched++;
      if (keys.length > 0)
        logger.info({ found: keys.length, dispatched }, 'stranded webhook deliveries dispatched');
      return dispatched;
    },
  };
}

export type WebhookActivities = ReturnType<typeof createWebhookActivities>;
