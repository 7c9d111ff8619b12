import { AppError } from '../domain/errors.ts';
import type { RateLimit } from '../domain/rate-limits.ts';
import { countHit, currentCount, type WindowCount } from '../store/rate-limits.ts';
import type { Queryable } from '../store/pool.ts';
import type { AppDeps } from './deps.ts';

/** One counter: the limit that applies and the key it counts under (`sign-in:ip:203.0.113.7`…). */
export interface Counter {
  key: string;
  limit: RateLimit;
}

function tooManyRequests(blockedUntil: number[]): AppError {
  return new AppError({
    kind: 'TooManyRequests',
    retryAfterSeconds: Math.max(1, Math.ceil((Math.max(...blockedUntil) - Date.now()) / 1000)),
  });
}

/**
 * For limits on failures (sign-in, invitation codes): refuses with 429 while any counter has reached its
 * limit, saying when the last of them reopens. The caller counts the failures with `countFailures`.
 */
export async function refuseWhenLimited(db: Queryable, counters: Counter[]): Promise<void> {
  const counts = await Promise.all(counters.map((counter) => currentCount(db, counter.key)));
  const blockedUntil = counts.flatMap((count, index) =>
    count && count.hits >= counters[index]!.limit.max ? [count.windowEndsAt.getTime()] : [],
  );
  if (blockedUntil.length > 0) throw tooManyRequests(blockedUntil);
}

export async function countFailures(db: Queryable, counters: Counter[]): Promise<void> {
  for (const counter of counters) await countHit(db, counter.key, counter.limit.windowMs);
}

/** Emails sent to one address a caller chose, whoever the caller and whatever the email. */
export function addressCounter(deps: Pick<AppDeps, 'rateLimits'>, to: string): Counter {
  return { key: `email:address:${to}`, limit: deps.rateLimits.emailsPerAddress };
}

/** An email to an address an anonymous caller typed, counted per address and per client address. */
export function emailCounters(deps: Pick<AppDeps, 'rateLimits'>, to: string, ip: string): Counter[] {
  return [addressCounter(deps, to), { key: `email:ip:${ip}`, limit: deps.rateLimits.emailsPerIp }];
}

/**
 * For limits on attempts (what sends an email to an address the caller chose): every call counts, and the
 * one that goes past a limit is refused. Counting first makes concurrent calls unable to slip past together.
 */
export async function spendAttempt(db: Queryable, counters: Counter[]): Promise<void> {
  const counts: WindowCount[] = [];
  for (const counter of counters) counts.push(await countHit(db, counter.key, counter.limit.windowMs));
  const blockedUntil = counts.flatMap((count, index) =>
    count.hits > counters[index]!.limit.max ? [count.windowEndsAt.getTime()] : [],
  );
  if (blockedUntil.length > 0) throw tooManyRequests(blockedUntil);
}
