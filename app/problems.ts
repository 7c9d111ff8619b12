import { AppError, type Problem } from '../domain/errors.ts';
import { isDatabaseUnavailable } from '../store/pool.ts';

/**
 * The typed problem behind an error that reached an edge: one of app/'s own, or a database that cannot be
 * reached (a 503, never a 500). Undefined for anything else, which each edge answers as unexpected.
 */
export function problemOf(error: unknown): Problem | undefined {
  if (error instanceof AppError) return error.problem;
  if (isDatabaseUnavailable(error)) return { kind: 'Unavailable', service: 'postgres' };
  return undefined;
}
