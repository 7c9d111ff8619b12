import { isGrpcServiceError } from '@temporalio/client';
import { AppError } from '../domain/errors.ts';
import type { AppDeps } from './deps.ts';

// gRPC status codes: CANCELLED, DEADLINE_EXCEEDED, UNAVAILABLE.
const UNAVAILABLE = new Set<number>([1, 4, 14]);

/**
 * The workflow task timeout of the workflows HTTP requests wait on (a request's commands, an activation): how long the server
 * waits for a worker that took a workflow task and died (SIGKILL, out of memory, a lost machine) before it hands
 * the task to a live worker. Temporal's default, 10 s, equalled TEMPORAL_CALL_TIMEOUT's old default: a command
 * caught by a worker's death was answered 503 although it then succeeded (issue 12). It must exceed the longest
 * task a live worker takes, local activities included (the SDK extends a task past it only while they run); the
 * figures `npm run chaos` measured are in docs/operations.md. A command caught by a kill then needs this timeout,
 * the server's timer to fire, and a live worker to fetch and replay the history and run the command, which is
 * why TEMPORAL_CALL_TIMEOUT defaults to 15 s. The sticky queue's timeout (runtime/worker.ts) is the other half: the
 * workflows a dead worker had cached.
 */
export const WORKFLOW_TASK_TIMEOUT_MS = 5_000;

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
