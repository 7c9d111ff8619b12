import { AppError } from '../domain/errors.ts';
import { currentCount } from '../store/rate-limits.ts';
import type { Queryable } from '../store/pool.ts';

/**
 * Refuses with 429 while any of the counters has reached its limit, saying when the last of them reopens
 * (sign-in failures per account and per address, invitation code guesses per person and per address…).
 */
export async function refuseWhenLimited(
  db: Queryable,
  limits: { key: string; max: number }[],
): Promise<void> {
  const counts = await Promise.all(limits.map((limit) => currentCount(db, limit.key)));
  const blockedUntil = counts.flatMap((count, index) =>
    count && count.hits >= limits[index]!.max ? [count.windowEndsAt.getTime()] : [],
  );
  if (blockedUntil.length === 0) return;
  throw new AppError({
    kind: 'TooManyRequests',
    retryAfterSeconds: Math.max(1, Math.ceil((Math.max(...blockedUntil) - Date.now()) / 1000)),
  });
}
