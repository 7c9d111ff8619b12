import type { Request } from 'express';
import type { AppDeps } from '../app/deps.ts';
import { openShownOnce, sealShownOnce, type ShownOncePurpose } from '../app/shown-once.ts';

declare module 'express-session' {
  interface SessionData {
    /** A secret to show on the next GET of `path`, sealed (app/shown-once.ts); that GET removes it. */
    shownOnce?: { path: string; sealed: string };
  }
}

/** Leaves a secret, sealed, for the page the POST redirects to (post/redirect/get). */
export function keepShownOnce(
  deps: AppDeps,
  req: Request,
  path: string,
  purpose: ShownOncePurpose,
  value: unknown,
): void {
  req.session.shownOnce = { path, sealed: sealShownOnce(deps, req.user!, purpose, value) };
}

/**
 * The secret left for this page, once: reading it removes it, even when it was left for another page, so that it
 * is never shown twice and never stays in the session beyond the next page that shows a secret. Undefined on a
 * refresh, or when it was for another page.
 */
export function takeShownOnce<T>(deps: AppDeps, req: Request, purpose: ShownOncePurpose): T | undefined {
  const kept = req.session?.shownOnce;
  if (!kept) return undefined;
  delete req.session.shownOnce;
  if (kept.path !== req.originalUrl) return undefined;
  return openShownOnce<T>(deps, req.user!, purpose, kept.sealed);
}
