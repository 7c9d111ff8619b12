import type { Db } from '../store/pool.ts';
import { deleteSpentPasswordResets } from '../store/password-resets.ts';
import { deleteClosedWindows } from '../store/rate-limits.ts';

export function createHousekeepingActivities(deps: { db: Db }) {
  return {
    async deleteExpiredRecords(): Promise<{ rateLimitWindows: number; passwordResets: number }> {
      return {
        rateLimitWindows: await deleteClosedWindows(deps.db),
        passwordResets: await deleteSpentPasswordResets(deps.db),
      };
    },
  };
}

export type HousekeepingActivities = ReturnType<typeof createHousekeepingActivities>;
