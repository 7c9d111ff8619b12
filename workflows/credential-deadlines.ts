import { condition, patched, proxyActivities, proxyLocalActivities, sleep } from '@temporalio/workflow';
import type { CredentialActivities } from '../activities/credentials.ts';
import { firstAttemptLocal } from './first-attempt-local.ts';

const TURNS_BEFORE_CONTINUE_AS_NEW = 100;
/** About 8 minutes of checks (1 s, 2 s, 4 s… then every 30 s) for a row that never appears. */
const MISSING_CHECKS = 20;

/**
 * The loop both credential lifecycles share. The truth stays in Postgres: each turn `advance` does what is due
 * and says when to wake next (epoch ms), null when nothing is left, or 'missing' while the row is not visible;
 * a change signalled meanwhile (`changes.seen`) makes it look again at once. Answers 'continue' after enough
 * turns, for the caller to continue as new with a short history.
 */
export async function followDeadlines(
  advance: () => Promise<number | null | 'missing'>,
  changes: { seen: boolean },
): Promise<'ended' | 'abandoned' | 'continue'> {
  let missing = 0;
  for (let turn = 0; turn < TURNS_BEFORE_CONTINUE_AS_NEW; turn++) {
    changes.seen = false;
    const next = await advance();
    if (next === 'missing') {
      // Started by a transaction that has not committed yet, or that rolled back: wait a little, then give up.
      missing += 1;
      if (missing > MISSING_CHECKS) return 'abandoned';
      await sleep(Math.min(30_000, 500 * 2 ** missing));
      continue;
    }
    missing = 0;
    if (next === null) return 'ended';
    await condition(() => changes.seen, Math.max(1, next - Date.now()));
  }
  return 'continue';
}

/**
 * The activity of one turn of a credential's lifecycle (`advanceTokenLifecycle`…), retried for as long as it
 * takes: a database outage must not end a credential's reminders. Since the `local-first-attempt` patch, each
 * turn's first attempt runs locally: one workflow task a turn instead of two. Call it before the first await.
 */
export function lifecycleTurn(
  name: 'advanceTokenLifecycle' | 'advanceTechnicalAccountLifecycle',
  activityTimeoutMs: number,
): (id: string, reminderOffsetsMs: number[]) => Promise<number | null | 'missing'> {
  const options = {
    startToCloseTimeout: activityTimeoutMs,
    retry: { initialInterval: '1s', maximumInterval: '1 minute' },
  };
  const durably = proxyActivities<CredentialActivities>(options)[name];
  if (!patched('local-first-attempt')) return durably;
  const locally = proxyLocalActivities<CredentialActivities>({ ...options, retry: { maximumAttempts: 1 } })[
    name
  ];
  return firstAttemptLocal(locally, durably);
}
