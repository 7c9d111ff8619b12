import express, { type RequestHandler } from 'express';
import { AppError } from '../domain/errors.ts';

/** Our deepest input (a draft's contacts) nests four levels; anything near this limit is not a form. */
export const MAX_JSON_DEPTH = 32;
export const MAX_JSON_BYTES = '1mb';

/**
 * The one JSON body parser of the API: size limited by body-parser (413), then depth limited here, before any
 * schema walks the value — zod recurses, so thousands of nested arrays would overflow its stack (a 500).
 * JSON.parse itself does not recurse, so the check can wait until the value exists.
 */
export function jsonBody(): RequestHandler[] {
  return [
    express.json({ limit: MAX_JSON_BYTES }),
    (req, _res, next) => {
      if (depthExceeds(req.body, MAX_JSON_DEPTH)) {
        throw new AppError({ kind: 'UnreadableRequest', reason: 'body_too_deep' });
      }
      next();
    },
  ];
}

/** Whether a parsed JSON value nests more than `limit` arrays or objects; iterative, stops at the limit. */
export function depthExceeds(value: unknown, limit: number): boolean {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const { value: current, depth } = stack.pop()!;
    if (typeof current !== 'object' || current === null) continue;
    if (depth >= limit) return true;
    for (const child of Object.values(current)) stack.push({ value: child, depth: depth + 1 });
  }
  return false;
}
