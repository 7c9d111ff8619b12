import { continueAsNew, proxyActivities, proxyLocalActivities, sleep } from '@temporalio/workflow';
import type { WebhookActivities } from '../activities/webhooks.ts';
import { firstAttemptLocal } from './first-attempt-local.ts';

export interface DeliverWebhookInput {
  /** Identifiers only: the payload, the URL and the secret stay in Postgres, out of this workflow's history. */
  endpointId: string;
  eventId: string;
  run: number;
  /** Delay before each attempt from the first (Standard Webhooks: 0, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h). */
  scheduleMs: number[];
  /** One attempt's limit, from connection to the end of the answer. */
  timeoutMs: number;
}

export type WebhookDeliveryOutcome = 'delivered' | 'failed' | 'stopped';

/**
 * Delivers one event to one endpoint: one attempt per step of the schedule, each an activity that sends one
 * signed POST and records what happened. A 2xx ends it; a 410 disables the endpoint and ends it; 429 and 503 may
 * push the next attempt later (Retry-After); after the last attempt the event is marked failed and the
 * definition's developers and admins are emailed. The activity itself is retried by Temporal only when the
 * platform failed (database, a worker that died mid-attempt): the receiver's failures are outcomes, not errors.
 */
export async function deliverWebhook(input: DeliverWebhookInput): Promise<WebhookDeliveryOutcome> {
  const { attemptWebhookDelivery, concludeWebhookDelivery } = proxyActivities<WebhookActivities>({
    // Room for DNS, the attempt's own timeout and the database writes around it.
    startToCloseTimeout: input.timeoutMs + 10_000,
    retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
  });
  // Each attempt runs first as a local activity, inside the workflow task: a delivery answered at once costs one
  // workflow task instead of three. Only when the platform failed is it retried as a regular activity.
  const attempt = firstAttemptLocal(
    proxyLocalActivities<WebhookActivities>({
      startToCloseTimeout: input.timeoutMs + 10_000,
      retry: { maximumAttempts: 1 },
    }).attemptWebhookDelivery,
    attemptWebhookDelivery,
  );
  const key = { endpointId: input.endpointId, eventId: input.eventId, run: input.run };
  let notBefore = 0;
  for (let index = 0; index < input.scheduleMs.length; index++) {
    const delay = Math.max(input.scheduleMs[index]!, notBefore);
    if (delay > 0) await sleep(delay);
    const outcome = await attempt({ ...key, attempt: index + 1 });
    if (outcome.kind === 'delivered') return 'delivered';
    if (outcome.kind === 'stopped') return 'stopped';
    notBefore = outcome.retryAfterMs ?? 0;
  }
  await concludeWebhookDelivery(key);
  return 'failed';
}

export interface WebhookRelayInput {
  intervalMs: number;
}

const TURNS_BEFORE_CONTINUE_AS_NEW = 200;

/** Safety net of the event outbox: deliveries committed but never started (a crash, Temporal unreachable). */
export async function webhookRelay(input: WebhookRelayInput): Promise<never> {
  const { dispatchStrandedWebhooks } = proxyActivities<WebhookActivities>({
    startToCloseTimeout: '2 minutes',
    retry: { maximumInterval: '1 minute' },
  });
  for (let turn = 0; turn < TURNS_BEFORE_CONTINUE_AS_NEW; turn++) {
    await sleep(input.intervalMs);
    await dispatchStrandedWebhooks(input.intervalMs);
  }
  return await continueAsNew<typeof webhookRelay>(input);
}
