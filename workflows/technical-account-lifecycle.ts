import {
  condition,
  continueAsNew,
  defineSignal,
  proxyActivities,
  setHandler,
  sleep,
} from '@temporalio/workflow';
import type { CredentialActivities } from '../activities/credentials';

export interface TechnicalAccountLifecycleInput {
  accountId: string;
  /** Reminders to the main manager before the password expires. */
  reminderOffsetsMs: number[];
  activityTimeoutMs: number;
}

export const technicalAccountWorkflowId = (accountId: string) => `technical-account-${accountId}`;

/** Sent after a password reset or a deletion. */
export const technicalAccountChangedSignal = defineSignal('technicalAccountChanged');

const TURNS_BEFORE_CONTINUE_AS_NEW = 100;
/** About 8 minutes of checks (1 s, 2 s, 4 s… then every 30 s) for a row that never appears. */
const MISSING_CHECKS = 20;

/** Password-expiry reminders of one technical account, until it expires or is deleted (same shape as tokens). */
export async function technicalAccountLifecycle(
  input: TechnicalAccountLifecycleInput,
): Promise<'ended' | 'abandoned'> {
  const { advanceTechnicalAccountLifecycle } = proxyActivities<CredentialActivities>({
    startToCloseTimeout: input.activityTimeoutMs,
    // Retried for as long as it takes: a database outage must not end a credential's reminders.
    retry: { initialInterval: '1s', maximumInterval: '1 minute' },
  });
  let changed = false;
  let missing = 0;
  setHandler(technicalAccountChangedSignal, () => {
    changed = true;
  });
  for (let turn = 0; turn < TURNS_BEFORE_CONTINUE_AS_NEW; turn++) {
    changed = false;
    const next = await advanceTechnicalAccountLifecycle(input.accountId, input.reminderOffsetsMs);
    if (next === 'missing') {
      // Started by a transaction that has not committed yet, or that rolled back: wait a little, then give up.
      missing += 1;
      if (missing > MISSING_CHECKS) return 'abandoned';
      await sleep(Math.min(30_000, 500 * 2 ** missing));
      continue;
    }
    missing = 0;
    if (next === null) return 'ended';
    await condition(() => changed, Math.max(1, next - Date.now()));
  }
  return await continueAsNew<typeof technicalAccountLifecycle>(input);
}
