import { timingSafeEqual } from 'node:crypto';
import { ExpiringCache } from '../domain/expiring-cache.ts';
import { hasControlCharacter } from '../domain/text-input.ts';
import { hashSecret } from '../security/token-secrets.ts';
import type { Db } from '../store/pool.ts';
import { findProviderCredential, type ProviderCredential } from '../store/provider-credentials.ts';

/**
 * How an API provider proves who it is, with its client credentials, wherever it calls Sésame (introspection,
 * the catch-up feed): one rule in one place. Credentials are cached briefly per process, unknown ids too.
 */
export interface ProviderCredentialsInput {
  authorization: string | undefined;
  /** `client_secret_post`: the provider's credentials in the form instead of the Authorization header. */
  clientId?: unknown;
  clientSecret?: unknown;
}

export interface ProviderAuthentication {
  /**
   * The provider the credentials name, undefined when they are absent, malformed or wrong; 'ambiguous' when both
   * methods are used at once. `cacheHit` is told whether the cache answered (for the metrics).
   */
  authenticate(
    input: ProviderCredentialsInput,
    cacheHit?: (hit: boolean) => void,
  ): Promise<ProviderCredential | 'ambiguous' | undefined>;
}

const PROVIDER_CACHE_TTL_MS = 30_000;
const UNKNOWN_PROVIDER_CACHE_TTL_MS = 5_000;
const CACHE_MAX_ENTRIES = 10_000;

/** `Basic base64(id:secret)` → its two parts, or undefined when malformed. */
function parseBasic(header: string | undefined): { id: string; secret: string } | undefined {
  if (!header || !/^Basic [A-Za-z0-9+/=]+$/.test(header) || header.length > 2_000) return undefined;
  return splitCredentials(Buffer.from(header.slice(6), 'base64').toString('utf8'));
}

export function splitCredentials(decoded: string): { id: string; secret: string } | undefined {
  const colon = decoded.indexOf(':');
  if (colon <= 0 || colon === decoded.length - 1) return undefined;
  return { id: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}

/** application/x-www-form-urlencoded decoding of one value; undefined when an escape is malformed. */
function formDecoded(value: string): string | undefined {
  // Our ids and secrets contain neither: introspection's hot path skips the decoder.
  if (!value.includes('%') && !value.includes('+')) return value;
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

/**
 * A provider's client credentials, by either method of RFC 6749 §2.3.1. In the Basic header the id and secret
 * are form-urlencoded before Base64 (as OAuth libraries do); ours contain no character that encoding changes,
 * so clients that send them as they are (curl -u) are understood the same. 'ambiguous': both methods at once,
 * which the RFC forbids.
 */
function clientCredentials(
  request: ProviderCredentialsInput,
): { id: string; secret: string } | 'ambiguous' | undefined {
  const posted = request.clientId !== undefined || request.clientSecret !== undefined;
  if (request.authorization !== undefined) {
    if (posted) return 'ambiguous';
    const basic = parseBasic(request.authorization);
    const id = basic && formDecoded(basic.id);
    const secret = basic && formDecoded(basic.secret);
    return id && secret ? { id, secret } : undefined;
  }
  const { clientId: id, clientSecret: secret } = request;
  return typeof id === 'string' && typeof secret === 'string' && id !== '' && secret !== ''
    ? { id, secret }
    : undefined;
}

const sameHash = (a: string, b: string) =>
  a.length === b.length && timingSafeEqual(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

export function createProviderAuthentication(deps: { db: Db }): ProviderAuthentication {
  const providers = new ExpiringCache<ProviderCredential | null>(CACHE_MAX_ENTRIES);
  return {
    async authenticate(input, cacheHit) {
      const credentials = clientCredentials(input);
      if (credentials === 'ambiguous') return 'ambiguous';
      if (!credentials || credentials.id.length > 200 || credentials.secret.length > 500) return undefined;
      const now = Date.now();
      let provider = providers.get(credentials.id, now);
      cacheHit?.(provider !== undefined);
      if (provider === undefined) {
        // Checked on a miss only, off the cached path: a client id no provider could hold (control characters,
        // which Postgres refuses) is unknown without a query.
        provider = hasControlCharacter(credentials.id)
          ? null
          : ((await findProviderCredential(deps.db, credentials.id)) ?? null);
        providers.set(
          credentials.id,
          provider,
          now + (provider ? PROVIDER_CACHE_TTL_MS : UNKNOWN_PROVIDER_CACHE_TTL_MS),
        );
      }
      if (!provider || provider.revokedAt) return undefined;
      return sameHash(hashSecret(credentials.secret), provider.secretHash) ? provider : undefined;
    },
  };
}
