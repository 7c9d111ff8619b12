import {
  ActivityFailure,
  ApplicationFailure,
  continueAsNew,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  sleep,
} from '@temporalio/workflow';
import type { MailActivities } from '../activities/mail.ts';
import { firstAttemptLocal } from './first-attempt-local.ts';

export interface DeliverEmailInput {
  /** The outbox row: the email's content and recipient stay in Postgres, never in this workflow's history. */
  emailId: string;
  sendTimeoutMs: number;
  retryInitialIntervalMs: number;
  retryMaxIntervalMs: number;
  giveUpAfterMs: number;
}

export type DeliveryOutcome = 'sent' | 'failed';

/**
 * Delivers one outbox email, retrying with exponential back-off while the SMTP server fails, for as long as
 * `giveUpAfterMs`. An email it gives up on stays in the outbox, marked failed, for an operator to see.
 */
export async function deliverEmail(input: DeliverEmailInput): Promise<DeliveryOutcome> {
  const { sendEmail } = proxyActivities<MailActivities>({
    startToCloseTimeout: input.sendTimeoutMs,
    scheduleToCloseTimeout: input.giveUpAfterMs,
    retry: {
      initialInterval: input.retryInitialIntervalMs,
      maximumInterval: input.retryMaxIntervalMs,
      backoffCoefficient: 2,
    },
  });
  const { markEmailUndeliverable } = proxyActivities<MailActivities>({
    startToCloseTimeout: '1 minute',
    retry: { maximumInterval: '1 minute' },
  });
  const giveUp = async () => {
    log.warn('email delivery abandoned', { emailId: input.emailId });
    await markEmailUndeliverable(input.emailId);
    return 'failed' as const;
  };

  // Since this patch the first attempt is a local activity: an email that goes out at once costs one workflow
  // task instead of three.
  const send = patched('local-first-attempt')
    ? firstAttemptLocal(
        proxyLocalActivities<MailActivities>({
          startToCloseTimeout: input.sendTimeoutMs,
          retry: { maximumAttempts: 1 },
        }).sendEmail,
        sendEmail,
      )
    : sendEmail;
  try {
    await send(input.emailId);
    return 'sent';
  } catch (error) {
    // The regular activity's failure (retries spent, or a refusal), or a refusal at the local first attempt.
    if (error instanceof ActivityFailure || (error instanceof ApplicationFailure && error.nonRetryable))
      return giveUp();
    throw error;
  }
}

export interface OutboxRelayInput {
  intervalMs: number;
}

// A relay loop's history grows with every turn; starting afresh keeps it small.
const TURNS_BEFORE_CONTINUE_AS_NEW = 200;

/**
 * Safety net of the outbox: an email committed by a process that died (or could not reach Temporal) before
 * starting its delivery workflow is found here and sent anyway.
 */
export async function outboxRelay(input: OutboxRelayInput): Promise<never> {
  const { dispatchStrandedEmails } = proxyActivities<MailActivities>({
    startToCloseTimeout: '2 minutes',
    retry: { maximumInterval: '1 minute' },
  });
  for (let turn = 0; turn < TURNS_BEFORE_CONTINUE_AS_NEW; turn++) {
    await sleep(input.intervalMs);
    await dispatchStrandedEmails(input.intervalMs);
  }
  return await continueAsNew<typeof outboxRelay>(input);
}
