import { continueAsNew, proxyActivities, sleep } from '@temporalio/workflow';
import type { HousekeepingActivities } from '../activities/housekeeping.ts';

export interface HousekeepingInput {
  intervalMs: number;
}

const TURNS_BEFORE_CONTINUE_AS_NEW = 200;

/** Removes records that have outlived their use (closed rate-limit windows…), on a durable timer. */
export async function housekeeping(input: HousekeepingInput): Promise<never> {
  const { deleteExpiredRecords } = proxyActivities<HousekeepingActivities>({
    startToCloseTimeout: '5 minutes',
    retry: { maximumInterval: '5 minutes' },
  });
  for (let turn = 0; turn < TURNS_BEFORE_CONTINUE_AS_NEW; turn++) {
    await sleep(input.intervalMs);
    await deleteExpiredRecords();
  }
  return await continueAsNew<typeof housekeeping>(input);
}
