import { isGrpcServiceError } from '@temporalio/client';
import { AppError } from '../domain/errors.ts';
import type { AppDeps } from './deps.ts';

// gRPC status codes: CANCELLED, DEADLINE_EXCEEDED, UNAVAILABLE.
const UNAVAILABLE = new Set<number>([1, 4, 14]);

/**
 * Runs calls to Temporal made on behalf of an HTTP request under a deadline: a server or worker that does not
 * answer becomes a clear 503, not a request hanging until the client gives up.
 */
export async function withTemporalDeadline<T>(
  deps: Pick<AppDeps, 'temporal'>,
  work: () => Promise<T>,
): Promise<T> {
  const { client, callTimeoutMs } = deps.temporal;
  try {
    return await client.withDeadline(Date.now() + callTimeoutMs, work);
  } catch (error) {
    if (isTemporalUnavailable(error)) throw new AppError({ kind: 'Unavailable', service: 'temporal' });
    throw error;
  }
}

export function isTemporalUnavailable(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    if (isGrpcServiceError(current) && UNAVAILABLE.has(current.code)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
