import {
  continueAsNew,
  defineSignal,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
} from '@temporalio/workflow';
import type { CredentialActivities } from '../activities/credentials';
import { firstAttemptLocal } from './first-attempt-local';
import { followDeadlines } from './credential-deadlines';

export interface TechnicalAccountLifecycleInput {
  accountId: string;
  /** Reminders to the main manager before the password expires. */
  reminderOffsetsMs: number[];
  activityTimeoutMs: number;
}

export const technicalAccountWorkflowId = (accountId: string) => `technical-account-${accountId}`;

/** Sent after a password reset or a deletion. */
export const technicalAccountChangedSignal = defineSignal('technicalAccountChanged');

/** Password-expiry reminders of one technical account, until it expires or is deleted (same shape as tokens). */
export async function technicalAccountLifecycle(
  input: TechnicalAccountLifecycleInput,
): Promise<'ended' | 'abandoned'> {
  const options = {
    startToCloseTimeout: input.activityTimeoutMs,
    // Retried for as long as it takes: a database outage must not end a credential's reminders.
    retry: { initialInterval: '1s', maximumInterval: '1 minute' },
  };
  const { advanceTechnicalAccountLifecycle: durably } = proxyActivities<CredentialActivities>(options);
  // Since this patch each turn's first attempt runs locally: one workflow task a turn instead of two.
  const advanceTechnicalAccountLifecycle = patched('local-first-attempt')
    ? firstAttemptLocal(
        proxyLocalActivities<CredentialActivities>({ ...options, retry: { maximumAttempts: 1 } })
          .advanceTechnicalAccountLifecycle,
        durably,
      )
    : durably;
  const changes = { seen: false };
  setHandler(technicalAccountChangedSignal, () => {
    changes.seen = true;
  });
  const outcome = await followDeadlines(
    () => advanceTechnicalAccountLifecycle(input.accountId, input.reminderOffsetsMs),
    changes,
  );
  if (outcome !== 'continue') return outcome;
  return await continueAsNew<typeof technicalAccountLifecycle>(input);
}
