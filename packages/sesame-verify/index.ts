import { createHmac, hash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * @sesame/verify — drop-in verification of Sésame credentials for an API provider's Node application: an
 * Express middleware, which is also a plain `node:http` one (`(req, res, next)`), since it uses nothing of
 * Express.
 *
 *   const sesame = sesameVerify({ introspectionUrl, clientId, clientSecret });
 *   app.get('/v3/etablissements/:siret', sesame.requireScopes('unites_legales_etablissements'), handler);
 *
 * The bearer token of each request is checked with Sésame's introspection endpoint. Answers are cached for a
 * short time (positive: `cacheTtlMs`, never past the token's own expiry; negative: `negativeCacheTtlMs`), keyed
 * by the token's SHA-256 so that the cache never holds a usable secret, and concurrent requests with the same
 * token share one introspection call. A revoked token is therefore refused at the latest `cacheTtlMs` later.
 * Depends on nothing but Node.
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

/** Express's `res`, or a plain `node:http` one (which gets a `locals` object). */
export type VerifiedResponse = ServerResponse & { locals?: Record<string, unknown> };

/** A middleware of Express and of plain `node:http` servers alike. */
export type VerifyHandler = (
  req: IncomingMessage,
  res: VerifiedResponse,
  next: (error?: unknown) => void,
) => void;

export interface SesameVerify {
  /**
   * Requires a valid bearer token holding every scope listed (none: any valid token). On success the caller's
   * credential is on `res.locals.sesame`.
   */
  requireScopes(...scopes: string[]): VerifyHandler;
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

function refuse(
  res: ServerResponse,
  status: number,
  body: { error: string; message: string },
  challenge?: { error?: 'invalid_token' | 'insufficient_scope'; scope?: string[] },
): void {
  const json = JSON.stringify(body);
  const headers: Record<string, string | number> = {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(json),
  };
  if (challenge) {
    const parts = ['Bearer realm="api"'];
    if (challenge.error) parts.push(`error="${challenge.error}"`);
    if (challenge.scope) parts.push(`scope="${challenge.scope.join(' ')}"`);
    headers['WWW-Authenticate'] = parts.join(', ');
  }
  res.writeHead(status, headers);
  res.end(json);
}

export function sesameVerify(options: SesameVerifyOptions): SesameVerify {
  const cacheTtlMs = options.cacheTtlMs ?? 30_000;
  const negativeCacheTtlMs = options.negativeCacheTtlMs ?? 5_000;
  const timeoutMs = options.timeoutMs ?? 2_000;
  const maxEntries = options.maxEntries ?? 10_000;
  if (!(cacheTtlMs > 0)) throw new Error('sesameVerify: cacheTtlMs must be positive');
  if (!(negativeCacheTtlMs >= 0)) throw new Error('sesameVerify: negativeCacheTtlMs must not be negative');
  if (!(maxEntries >= 1)) throw new Error('sesameVerify: maxEntries must be at least 1');
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

  // The one-shot hash: on every request of the provider's API, it costs a third of createHash's.
  const keyOf = (token: string) => hash('sha256', token, 'base64url');

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
        cache.delete(key);
        if (until > Date.now()) {
          // The oldest entry makes room (a Map keeps insertion order): a burst of unknown tokens pushes out a
          // few answers rather than emptying the cache, which would send every caller back to Sésame at once.
          if (cache.size >= maxEntries) cache.delete(cache.keys().next().value!);
          cache.set(key, { credential, until });
        }
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

  function requireScopes(...scopes: string[]): VerifyHandler {
    const decide = (
      res: VerifiedResponse,
      next: (error?: unknown) => void,
      credential: SesameCredential | undefined,
    ) => {
      if (!credential) {
        refuse(
          res,
          401,
          { error: 'invalid_token', message: 'Jeton d’accès invalide, expiré ou révoqué.' },
          { error: 'invalid_token' },
        );
        return;
      }
      if (!scopes.every((scope) => credential.scopes.includes(scope))) {
        const missing = scopes.filter((scope) => !credential.scopes.includes(scope));
        refuse(
          res,
          403,
          {
            error: 'insufficient_scope',
            message: `Ce jeton ne donne pas accès à ces données (périmètre manquant : ${missing.join(', ')}).`,
          },
          { error: 'insufficient_scope', scope: scopes },
        );
        return;
      }
      (res.locals ??= {}).sesame = credential;
      next();
    };
    return (req, res, next) => {
      const match = BEARER.exec(req.headers.authorization ?? '');
      if (!match) {
        refuse(
          res,
          401,
          { error: 'unauthorized', message: 'Jeton d’accès absent (en-tête Authorization: Bearer).' },
          {},
        );
        return;
      }
      const token = match[1]!;
      const key = keyOf(token);
      // A cached answer is decided at once, without waiting for a promise: the common case stays cheap.
      const cached = cachedAnswer(key);
      if (cached !== null) return decide(res, next, cached);
      ask(key, token).then(
        (credential) => decide(res, next, credential),
        () =>
          refuse(res, 503, {
            error: 'verification_unavailable',
            message: 'La vérification du jeton est momentanément impossible. Veuillez réessayer.',
          }),
      );
    };
  }

  return { requireScopes, verify, clear: () => cache.clear() };
}

/** Why a webhook delivery was refused by `verifyWebhook`. */
export class WebhookVerificationError extends Error {
  constructor(
    readonly reason:
      'missing_headers' | 'bad_timestamp' | 'too_old' | 'too_new' | 'bad_signature' | 'bad_secret',
  ) {
    super(`webhook refused: ${reason}`);
    this.name = 'WebhookVerificationError';
  }
}

/** A verified delivery: the event as Sésame sent it, and its id (the same on every retry: deduplicate on it). */
export interface VerifiedWebhook {
  id: string;
  timestamp: number;
  payload: { type: string; timestamp: string; data: Record<string, unknown> };
}

type HeaderSource = { get(name: string): string | null } | Record<string, string | string[] | undefined>;

function headerOf(headers: HeaderSource, name: string): string | undefined {
  if (typeof (headers as { get?: unknown }).get === 'function') {
    return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  }
  const record = headers as Record<string, string | string[] | undefined>;
  const value = record[name] ?? Object.entries(record).find(([key]) => key.toLowerCase() === name)?.[1];
  return Array.isArray(value) ? value[0] : value;
}

const WEBHOOK_SECRET_PREFIX = 'whsec_';

/**
 * Checks a Sésame webhook delivery (Standard Webhooks v1): the `webhook-signature` header holds one or two
 * `v1,<base64 HMAC-SHA256>` of `webhook-id.webhook-timestamp.body`, keyed with the secret's bytes. Pass the raw
 * body exactly as received (before any JSON parsing). `secret` may be a list: during a rotation, hold the old
 * and the new secret, and either verifies. Refuses a timestamp more than `toleranceSeconds` (default 300) away
 * from now, so that a captured delivery cannot be replayed later. Throws WebhookVerificationError.
 */
export function verifyWebhook(
  secret: string | readonly string[],
  headers: HeaderSource,
  rawBody: string | Buffer,
  options: { toleranceSeconds?: number; now?: Date } = {},
): VerifiedWebhook {
  const id = headerOf(headers, 'webhook-id');
  const timestampText = headerOf(headers, 'webhook-timestamp');
  const signatures = headerOf(headers, 'webhook-signature');
  if (!id || !timestampText || !signatures) throw new WebhookVerificationError('missing_headers');
  if (!/^\d{1,12}$/.test(timestampText)) throw new WebhookVerificationError('bad_timestamp');
  const timestamp = Number(timestampText);
  const now = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const tolerance = options.toleranceSeconds ?? 300;
  if (timestamp < now - tolerance) throw new WebhookVerificationError('too_old');
  if (timestamp > now + tolerance) throw new WebhookVerificationError('too_new');

  const body = typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody;
  const signed = Buffer.concat([Buffer.from(`${id}.${timestampText}.`, 'utf8'), body]);
  const secrets = typeof secret === 'string' ? [secret] : secret;
  const expected = secrets.map((candidate) => {
    const encoded = candidate.startsWith(WEBHOOK_SECRET_PREFIX)
      ? candidate.slice(WEBHOOK_SECRET_PREFIX.length)
      : candidate;
    const key = Buffer.from(encoded, 'base64');
    if (key.length === 0) throw new WebhookVerificationError('bad_secret');
    return createHmac('sha256', key).update(signed).digest();
  });
  const given = signatures
    .split(' ')
    .map((entry) => entry.split(','))
    .filter(([version, value]) => version === 'v1' && value !== undefined)
    .map(([, value]) => Buffer.from(value!, 'base64'));
  const matches = given.some((signature) =>
    expected.some((mac) => mac.length === signature.length && timingSafeEqual(mac, signature)),
  );
  if (!matches) throw new WebhookVerificationError('bad_signature');
  let payload: VerifiedWebhook['payload'];
  try {
    payload = JSON.parse(body.toString('utf8')) as VerifiedWebhook['payload'];
  } catch {
    throw new WebhookVerificationError('bad_signature');
  }
  return { id, timestamp, payload };
}
