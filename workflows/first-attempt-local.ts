import { ApplicationFailure, TemporalFailure } from '@temporalio/workflow';

/**
 * An activity whose first attempt runs as a local activity — inside the workflow task that asks for it, with
 * no round trip through the task queue — and whose later attempts, if that one fails, are the regular
 * activity's, with its retry policy and its timers. Most calls succeed at once and cost one workflow task;
 * a failing one is retried as durably as before. A refusal (a non-retryable failure) is thrown as it came,
 * unwrapped: local activities' failures reach the workflow that way.
 */
export function firstAttemptLocal<A extends unknown[], R>(
  local: (...args: A) => Promise<R>,
  regular: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  return async (...args: A) => {
    try {
      return await local(...args);
    } catch (error) {
      if (!(error instanceof TemporalFailure)) throw error;
      if (error instanceof ApplicationFailure && error.nonRetryable) throw error;
    }
    return regular(...args);
  };
}
