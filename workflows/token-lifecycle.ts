import { condition, continueAsNew, defineSignal, proxyActivities, setHandler } from '@temporalio/workflow';
import type { CredentialActivities } from '../activities/credentials';

export interface TokenLifecycleInput {
  tokenId: string;
  /** Reminders before expiry (D-90, D-30, D-7, D-1 by default; seconds in tests). */
  reminderOffsetsMs: number[];
  activityTimeoutMs: number;
}

export const tokenWorkflowId = (tokenId: string) => `token-${tokenId}`;

/** Sent after anything that changes the token's dates or status (renewal, rotation, revocation, reveal). */
export const tokenChangedSignal = defineSignal('tokenChanged');

const TURNS_BEFORE_CONTINUE_AS_NEW = 100;

/**
 * The life of one token, from issuance to its end: reminders before expiry, the expiry email, the end of a
 * rotation's grace, the destruction of a sealed copy nobody revealed. The truth stays in Postgres: each turn
 * asks an activity to do what is due and say when to wake next; a signal makes it look again at once.
 */
export async function tokenLifecycle(input: TokenLifecycleInput): Promise<'ended' | 'abandoned'> {
  const { advanceTokenLifecycle } = proxyActivities<CredentialActivities>({
    startToCloseTimeout: input.activityTimeoutMs,
    // A token created in a transaction that then rolled back never becomes visible: give up after a while.
    scheduleToCloseTimeout: '1 hour',
    retry: { initialInterval: '1s', maximumInterval: '1 minute' },
  });
  let changed = false;
  setHandler(tokenChangedSignal, () => {
    changed = true;
  });
  for (let turn = 0; turn < TURNS_BEFORE_CONTINUE_AS_NEW; turn++) {
    changed = false;
    let next: number | null;
    try {
      next = await advanceTokenLifecycle(input.tokenId, input.reminderOffsetsMs);
    } catch {
      return 'abandoned';
    }
    if (next === null) return 'ended';
    await condition(() => changed, Math.max(1, next - Date.now()));
  }
  return await continueAsNew<typeof tokenLifecycle>(input);
}
