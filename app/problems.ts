import { AppError, type Problem } from '../domain/errors.ts';
import type { UnreadableReason } from '../domain/unreadable-requests.ts';
import { isDatabaseUnavailable } from '../store/pool.ts';

/**
 * The typed problem behind an error that reached an edge: one of app/'s own, a request that could not be read
 * (its body or its address), or a database that cannot be reached (a 503, never a 500). Undefined for anything
 * else, which each edge answers as unexpected.
 */
export function problemOf(error: unknown): Problem | undefined {
  if (error instanceof AppError) return error.problem;
  if (isDatabaseUnavailable(error)) return { kind: 'Unavailable', service: 'postgres' };
  const reason = unreadableReason(error);
  if (reason) return { kind: 'UnreadableRequest', reason };
  return undefined;
}

/** body-parser (and raw-body under it) name most of their refusals with a `type`. */
const BODY_PARSER_TYPES: Record<string, UnreadableReason> = {
  'entity.parse.failed': 'malformed_json',
  'request.size.invalid': 'malformed_body',
  'querystring.parse.rangeError': 'body_too_deep',
  'entity.too.large': 'body_too_large',
  'parameters.too.many': 'too_many_fields',
  'encoding.unsupported': 'unsupported_encoding',
  'charset.unsupported': 'unsupported_charset',
  'request.aborted': 'aborted',
};

/**
 * Express and its body parsers throw http-errors (a `status`, `expose` for client faults) before any of our
 * code runs: a path parameter that is not valid %-encoding is a URIError marked 400 by the router, and a body
 * whose Content-Encoding lies (gzip that is not gzip) is zlib's own error marked 400, without a `type`.
 */
function unreadableReason(error: unknown): UnreadableReason | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { type, status, expose } = error as { type?: unknown; status?: unknown; expose?: unknown };
  if (error instanceof URIError && status === 400) return 'malformed_path';
  if (typeof type === 'string' && BODY_PARSER_TYPES[type]) return BODY_PARSER_TYPES[type];
  if (expose === true && status === 400) return 'malformed_body';
  return undefined;
}
