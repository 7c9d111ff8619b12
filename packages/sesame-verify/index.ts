import { createHash } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * @sesame/verify — drop-in verification of Sésame credentials for an API provider's Express application.
 *
 *   const sesame = sesameVerify({ introspectionUrl, clientId, clientSecret });
 *   app.get('/v3/etablissements/:siret', sesame.requireScopes('unites_legales_etablissements'), handler);
 *
 * The bearer token of each request is checked with Sésame's introspection endpoint. Answers are cached for a
 * short time (positive: `cacheTtlMs`, never past the token's own expiry; negative: `negativeCacheTtlMs`), keyed
 * by the token's SHA-256 so that the cache never holds a usable secret, and concurrent requests with the same
 * token share one introspection call. A revoked token is therefore refused at the latest `cacheTtlMs` later.
 * Depends on nothing but Node and Express.
 */
export interface SesameVerifyOptions {
  introspectionUrl: string;
  clientId: string;
  clientSecret: string;
  /** How long an active answer is trusted (default 30 s). */
  cacheTtlMs?: number;
  /** How long an inactive answer is remembered (default 5 s): a flood of bad tokens does not reach Sésame. */
  negativeCacheTtlMs?: number;
  /** Longest wait for Sésame (default 2 s); past it the request gets 503. */
  timeoutMs?: number;
  /** Bound of the cache (default 10 000 entries). */
  maxEntries?: number;
}

/** What Sésame says about an active credential, put on `res.locals.sesame`. */
export interface SesameCredential {
  active: true;
  scopes: string[];
  exp: number;
  iat: number;
  /** The habilitation the token belongs to. */
  sub: string;
  organisation: { siret: string; name: string };
}

export interface SesameVerify {
  /** Requires a valid bearer token holding every scope listed (none: any valid token). */
  requireScopes(...scopes: string[]): RequestHandler;
  /** Asks Sésame (or the cache) about a token; undefined when it is not active. */
  verify(token: string): Promise<SesameCredential | undefined>;
  /** Empties the cache (tests, or a provider that learnt of a revocation out of band). */
  clear(): void;
}

interface CacheEntry {
  credential: SesameCredential | undefined;
  until: number;
}

const BEARER = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/;

function challenge(res: Response, error?: 'invalid_token' | 'insufficient_scope', scope?: string[]): void {
  const parts = ['Bearer realm="api"'];
  if (error) parts.push(`error="${error}"`);
  if (scope) parts.push(`scope="${scope.join(' ')}"`);
  res.setHeader('WWW-Authenticate', parts.join(', '));
}

export function sesameVerify(options: SesameVerifyOptions): SesameVerify {
  const cacheTtlMs = options.cacheTtlMs ?? 30_000;
  const negativeCacheTtlMs = options.negativeCacheTtlMs ?? 5_000;
  const timeoutMs = options.timeoutMs ?? 2_000;
  const maxEntries = options.maxEntries ?? 10_000;
  if (!(cacheTtlMs > 0)) throw new Error('sesameVerify: cacheTtlMs must be positive');
  if (!(negativeCacheTtlMs >= 0)) throw new Error('sesameVerify: negativeCacheTtlMs must not be negative');
  const authorization = `Basic ${Buffer.from(`${options.clientId}:${options.clientSecret}`).toString('base64')}`;
  const cache = new Map<string, CacheEntry>();
  const inFlight = new Map<string, Promise<SesameCredential | undefined>>();

  async function introspect(token: string): Promise<SesameCredential | undefined> {
    const response = await fetch(options.introspectionUrl, {
      method: 'POST',
      headers: {
        authorization,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body: new URLSearchParams({ token }).toString(),
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (response.status !== 200) throw new Error(`Sésame introspection answered ${response.status}`);
    const answer = (await response.json()) as Record<string, unknown>;
    if (answer.active !== true) return undefined;
    return {
      active: true,
      scopes: typeof answer.scope === 'string' && answer.scope !== '' ? answer.scope.split(' ') : [],
      exp: Number(answer.exp),
      iat: Number(answer.iat),
      sub: String(answer.sub),
      organisation: answer.organisation as SesameCredential['organisation'],
    };
  }

  const keyOf = (token: string) => createHash('sha256').update(token).digest('base64url');

  /** The cached answer, if fresh: `null` when there is none (undefined means "known inactive"). */
  function cachedAnswer(key: string): SesameCredential | undefined | null {
    const cached = cache.get(key);
    return cached && cached.until > Date.now() ? cached.credential : null;
  }

  function ask(key: string, token: string): Promise<SesameCredential | undefined> {
    const pending = inFlight.get(key);
    if (pending) return pending;
    const call = introspect(token)
      .then((credential) => {
        const until = credential
          ? Math.min(Date.now() + cacheTtlMs, credential.exp * 1000)
          : Date.now() + negativeCacheTtlMs;
        if (cache.size >= maxEntries) cache.clear();
        if (until > Date.now()) cache.set(key, { credential, until });
        return credential;
      })
      .finally(() => inFlight.delete(key));
    inFlight.set(key, call);
    return call;
  }

  async function verify(token: string): Promise<SesameCredential | undefined> {
    const key = keyOf(token);
    const cached = cachedAnswer(key);
    return cached === null ? ask(key, token) : cached;
  }

  function requireScopes(...scopes: string[]): RequestHandler {
    const decide = (res: Response, next: NextFunction, credential: SesameCredential | undefined) => {
      if (!credential) {
        challenge(res, 'invalid_token');
        res
          .status(401)
          .json({ error: 'invalid_token', message: 'Jeton d’accès invalide, expiré ou révoqué.' });
        return;
      }
      const missing = scopes.filter((scope) => !credential.scopes.includes(scope));
      if (missing.length > 0) {
        challenge(res, 'insufficient_scope', scopes);
        res.status(403).json({
          error: 'insufficient_scope',
          message: `Ce jeton ne donne pas accès à ces données (périmètre manquant : ${missing.join(', ')}).`,
        });
        return;
      }
      res.locals.sesame = credential;
      next();
    };
    return (req: Request, res: Response, next: NextFunction) => {
      const match = BEARER.exec(req.headers.authorization ?? '');
      if (!match) {
        challenge(res);
        res
          .status(401)
          .json({ error: 'unauthorized', message: 'Jeton d’accès absent (en-tête Authorization: Bearer).' });
        return;
      }
      const token = match[1]!;
      const key = keyOf(token);
      // A cached answer is decided at once, without waiting for a promise: the common case stays cheap.
      const cached = cachedAnswer(key);
      if (cached !== null) return decide(res, next, cached);
      ask(key, token).then(
        (credential) => decide(res, next, credential),
        () => {
          res.status(503).json({
            error: 'verification_unavailable',
            message: 'La vérification du jeton est momentanément impossible. Veuillez réessayer.',
          });
        },
      );
    };
  }

  return { requireScopes, verify, clear: () => cache.clear() };
}
