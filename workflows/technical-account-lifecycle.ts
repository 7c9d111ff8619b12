import { condition, continueAsNew, defineSignal, proxyActivities, setHandler } from '@temporalio/workflow';
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

/** Password-expiry reminders of one technical account, until it expires or is deleted (same shape as tokens). */
export async function technicalAccountLifecycle(
  input: TechnicalAccountLifecycleInput,
): Promise<'ended' | 'abandoned'> {
  const { advanceTechnicalAccountLifecycle } = proxyActivities<CredentialActivities>({
    startToCloseTimeout: input.activityTimeoutMs,
    scheduleToCloseTimeout: '1 hour',
    retry: { initialInterval: '1s', maximumInterval: '1 minute' },
  });
  let changed = false;
  setHandler(technicalAccountChangedSignal, () => {
    changed = true;
  });
  for (let turn = 0; turn < TURNS_BEFORE_CONTINUE_AS_NEW; turn++) {
    changed = false;
    let next: number | null;
    try {
      next = await advanceTechnicalAccountLifecycle(input.accountId, input.reminderOffsetsMs);
    } catch {
      return 'abandoned';
    }
    if (next === null) return 'ended';
    await condition(() => changed, Math.max(1, next - Date.now()));
  }
  return await continueAsNew<typeof technicalAccountLifecycle>(input);
}
