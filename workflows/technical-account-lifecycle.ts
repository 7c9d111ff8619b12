import { continueAsNew, defineSignal, setHandler } from '@temporalio/workflow';
import { followDeadlines, lifecycleTurn } from './credential-deadlines.ts';

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
  const advanceTechnicalAccountLifecycle = lifecycleTurn(
    'advanceTechnicalAccountLifecycle',
    input.activityTimeoutMs,
  );
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
