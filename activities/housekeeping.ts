import type { Db } from '../store/pool';
import { deleteClosedWindows } from '../store/rate-limits';

export function createHousekeepingActivities(deps: { db: Db }) {
  return {
    async deleteExpiredRecords(): Promise<{ rateLimitWindows: number }> {
      return { rateLimitWindows: await deleteClosedWindows(deps.db) };
    },
  };
}

export type HousekeepingActivities = ReturnType<typeof createHousekeepingActivities>;
