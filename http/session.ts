import connectPgSimple from 'connect-pg-simple';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import session from 'express-session';
import { ExpiringCache } from '../domain/expiring-cache.ts';
import type { Db } from '../store/pool.ts';

declare module 'express-session' {
  interface SessionData {
    userId?: string;
    flash?: { type: 'success' | 'info' | 'warning' | 'error'; message: string }[];
  }
}

export const SESSION_COOKIE = 'sesame_session';
export const SESSION_TTL_MS = 8 * 60 * 60_000;
/**
 * A session's expiry moves forward with use (rolling), but writing it on every request made every read a write.
 * A process writes it at most this often per session: the stored expiry lags by a minute out of eight hours.
 */
const TOUCH_INTERVAL_MS = 60_000;

export interface SessionMiddleware {
  middleware: RequestHandler;
  close(): Promise<void>;
}

/**
 * Server-side sessions in Postgres: the cookie holds only a signed random id. It is HttpOnly and SameSite=Lax,
 * and Secure whenever the public address is https (the request's protocol is read through `trust proxy`).
 */
export function createSessionMiddleware(options: {
  db: Db;
  secret: string;
  secureCookies: boolean;
}): SessionMiddleware {
  const PgStore = connectPgSimple(session);
  const store = new PgStore({
    pool: options.db,
    tableName: 'sessions',
    createTableIfMissing: false,
    pruneSessionInterval: 15 * 60,
    errorLog: () => undefined,
  });
  const touchedRecently = new ExpiringCache<true>(10_000);
  const touch = store.touch.bind(store);
  store.touch = (sid, sess, callback) => {
    const now = Date.now();
    if (touchedRecently.get(sid, now)) return callback?.();
    touchedRecently.set(sid, true, now + TOUCH_INTERVAL_MS);
    touch(sid, sess, callback);
  };
  return {
    middleware: session({
      store,
      name: SESSION_COOKIE,
      secret: options.secret,
      resave: false,
      saveUninitialized: false,
      rolling: true,
      cookie: {
        httpOnly: true,
        sameSite: 'lax',
        secure: options.secureCookies,
        maxAge: SESSION_TTL_MS,
        path: '/',
      },
    }),
    close: async () => store.close(),
  };
}

/** A new session id at sign-in, so that an id planted before signing in is worth nothing after. */
export function startAuthenticatedSession(req: Request, userId: string): Promise<void> {
  return new Promise((resolve, reject) => {
    req.session.regenerate((error) => {
      if (error) return reject(error as Error);
      req.session.userId = userId;
      req.session.save((saveError) => (saveError ? reject(saveError as Error) : resolve()));
    });
  });
}

/** Signing out replaces the session (rather than leaving none) so the page that follows can show a message. */
export function endAuthenticatedSession(req: Request): Promise<void> {
  return new Promise((resolve, reject) => {
    req.session.regenerate((error) => (error ? reject(error as Error) : resolve()));
  });
}

/**
 * Saves the session before any redirect leaves. express-session sends a response's headers before its session
 * is stored, and browsers follow a redirect as soon as they read its headers: the next page could load the
 * session as it was before, and a message left for it (a flash) would be lost.
 */
export function saveSessionBeforeRedirect(req: Request, res: Response, next: NextFunction): void {
  const redirect = res.redirect.bind(res) as (...args: unknown[]) => void;
  res.redirect = ((...args: unknown[]) => {
    if (!req.session) return redirect(...args);
    req.session.save(() => redirect(...args));
  }) as Response['redirect'];
  next();
}
