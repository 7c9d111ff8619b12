import {
  condition,
  continueAsNew,
  defineSignal,
  proxyActivities,
  setHandler,
  sleep,
} from '@temporalio/workflow';
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
/** About 8 minutes of checks (1 s, 2 s, 4 s… then every 30 s) for a row that never appears. */
const MISSING_CHECKS = 20;

/**
 * The life of one token, from issuance to its end: reminders before expiry, the expiry email, the end of a
 * rotation's grace, the destruction of a sealed copy nobody revealed. The truth stays in Postgres: each turn
 * asks an activity to do what is due and say when to wake next; a signal makes it look again at once.
 */
export async function tokenLifecycle(input: TokenLifecycleInput): Promise<'ended' | 'abandoned'> {
  const { advanceTokenLifecycle } = proxyActivities<CredentialActivities>({
    startToCloseTimeout: input.activityTimeoutMs,
    // Retried for as long as it takes: a database outage must not end a credential's reminders.
    retry: { initialInterval: '1s', maximumInterval: '1 minute' },
  });
  let changed = false;
  let missing = 0;
  setHandler(tokenChangedSignal, () => {
    changed = true;
  });
  for (let turn = 0; turn < TURNS_BEFORE_CONTINUE_AS_NEW; turn++) {
    changed = false;
    const next = await advanceTokenLifecycle(input.tokenId, input.reminderOffsetsMs);
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
  return await continueAsNew<typeof tokenLifecycle>(input);
}
