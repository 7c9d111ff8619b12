import type { Db } from '../store/pool';
import { deleteSpentPasswordResets } from '../store/password-resets';
import { deleteClosedWindows } from '../store/rate-limits';

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
