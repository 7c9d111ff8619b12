import { csrfSync } from 'csrf-sync';
import type { Request } from 'express';

/**
 * Synchronizer tokens kept in the server-side session. Forms send `_csrf`; JSON clients send the token
 * returned at sign-in in `X-CSRF-Token`.
 */
const csrf = csrfSync({
  getTokenFromRequest: (req) => {
    const header = req.get('x-csrf-token');
    if (header) return header;
    const body = req.body as Record<string, unknown> | undefined;
    return typeof body?._csrf === 'string' ? body._csrf : undefined;
  },
  size: 32,
});

export function csrfToken(req: Request): string {
  return csrf.generateToken(req);
}

export function isCsrfValid(req: Request): boolean {
  return req.session !== undefined && csrf.isRequestValid(req);
}
