import { continueAsNew, defineSignal, setHandler } from '@temporalio/workflow';
import { followDeadlines, lifecycleTurn } from './credential-deadlines.ts';

export interface TokenLifecycleInput {
  tokenId: string;
  /** Reminders before expiry (D-90, D-30, D-7, D-1 by default; seconds in tests). */
  reminderOffsetsMs: number[];
  activityTimeoutMs: number;
}

export const tokenWorkflowId = (tokenId: string) => `token-${tokenId}`;

/** Sent after anything that changes the token's dates or status (renewal, rotation, revocation, reveal). */
export const tokenChangedSignal = defineSignal('tokenChanged');

/**
 * The life of one token, from issuance to its end: reminders before expiry, the expiry email, the end of a
 * rotation's grace, the destruction of a sealed copy nobody revealed. The truth stays in Postgres: each turn
 * asks an activity to do what is due and say when to wake next; a signal makes it look again at once.
 */
export async function tokenLifecycle(input: TokenLifecycleInput): Promise<'ended' | 'abandoned'> {
  const advanceTokenLifecycle = lifecycleTurn('advanceTokenLifecycle', input.activityTimeoutMs);
  const changes = { seen: false };
  setHandler(tokenChangedSignal, () => {
    changes.seen = true;
  });
  const outcome = await followDeadlines(
    () => advanceTokenLifecycle(input.tokenId, input.reminderOffsetsMs),
    changes,
  );
  if (outcome !== 'continue') return outcome;
  return await continueAsNew<typeof tokenLifecycle>(input);
}
