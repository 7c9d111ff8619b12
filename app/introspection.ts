import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { CredentialSettings } from '../domain/credential-settings.ts';
import type { DefinitionCatalog } from '../domain/definitions.ts';
import { ExpiringCache } from '../domain/expiring-cache.ts';
import { checkTokenShape } from '../domain/token-format.ts';
import { isTokenUsable, retirementOf, type TokenRules } from '../domain/token-status.ts';
import { hasControlCharacter } from '../domain/text-input.ts';
import { hashSecret } from '../security/token-secrets.ts';
import type { Db } from '../store/pool.ts';
import type { ProviderCredential } from '../store/provider-credentials.ts';
import {
  splitCredentials,
  type ProviderAuthentication,
  type ProviderCredentialsInput,
} from './provider-authentication.ts';
import { findAccountForIntrospection, recordTechnicalAccountUses } from '../store/technical-accounts.ts';
import { findTokensBySecretHashes, recordTokenUses, type IntrospectedToken } from '../store/tokens.ts';
import { verifyAgainstDecoy, verifyPassword } from './passwords.ts';

/**
 * Token introspection for API providers (RFC 7662, spec §5): the hot path of the platform. Per call it reads
 * one indexed row for a token (in a query shared with the calls that arrive at the same moment) and never writes: last-use times are kept in memory and written in one
 * statement every LAST_USED_FLUSH_INTERVAL (and at shutdown). Provider client credentials are cached briefly;
 * technical-account passwords (argon2id, ~20 ms) are verified once and the success cached briefly, tied to the
 * password's set time so that a reset kills the old password at once.
 */
export interface IntrospectionRequest extends ProviderCredentialsInput {
  token: unknown;
  tokenTypeHint: unknown;
}

/** What an answer said, for the metrics; 'invalid_request': no token to look at. */
export type IntrospectionOutcome = 'active' | 'inactive' | 'unauthorised_client' | 'invalid_request';

/**
 * For the metrics: whether the caches a call consulted (the provider's client credentials; for a technical
 * account, its verified password) all answered ('hit'), or one sent it to Postgres or to argon2 ('miss');
 * 'none' when it stopped before any (malformed client credentials).
 */
export type IntrospectionCacheUse = 'hit' | 'miss' | 'none';

export interface IntrospectionAnswer {
  status: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
  outcome: IntrospectionOutcome;
}

export interface Introspection {
  introspect(request: IntrospectionRequest): Promise<IntrospectionAnswer & { cache: IntrospectionCacheUse }>;
  /** Writes the last-use times collected so far. */
  flush(): Promise<void>;
  /** Stops the periodic flush and writes what is left. */
  stop(): Promise<void>;
}

const BASIC_CACHE_TTL_MS = 60_000;
const CACHE_MAX_ENTRIES = 10_000;
/** Lookups arriving in the same turn of the event loop go to the database together, this many at most. */
const LOOKUP_BATCH = 100;

const INACTIVE: IntrospectionAnswer = { status: 200, body: { active: false }, outcome: 'inactive' };
const UNAUTHORIZED: IntrospectionAnswer = {
  status: 401,
  outcome: 'unauthorised_client',
  body: { error: 'invalid_client', message: 'Identifiants du fournisseur absents ou invalides.' },
  headers: { 'WWW-Authenticate': 'Basic realm="sesame-introspection", charset="UTF-8"' },
};

/**
 * Token lookups that arrive together (under load, dozens per turn of the event loop) share one query. This is
 * not a cache: each query starts after every lookup it answers was asked, so a revocation committed before a
 * call is always seen by it.
 */
function tokenLookups(db: Db) {
  let pending: {
    hash: string;
    resolve: (token: IntrospectedToken | undefined) => void;
    reject: (error: unknown) => void;
  }[] = [];
  let scheduled = false;

  function run(): void {
    scheduled = false;
    while (pending.length > 0) {
      const batch = pending.slice(0, LOOKUP_BATCH);
      pending = pending.slice(LOOKUP_BATCH);
      findTokensBySecretHashes(db, [...new Set(batch.map((lookup) => lookup.hash))]).then(
        (found) => {
          for (const lookup of batch) lookup.resolve(found.get(lookup.hash));
        },
        (error: unknown) => {
          for (const lookup of batch) lookup.reject(error);
        },
      );
    }
  }

  return (hash: string): Promise<IntrospectedToken | undefined> =>
    new Promise((resolve, reject) => {
      pending.push({ hash, resolve, reject });
      if (!scheduled) {
        scheduled = true;
        setImmediate(run);
      }
    });
}

const seconds = (date: Date) => Math.floor(date.getTime() / 1000);

/** One call's use of the caches: a single miss makes it a miss. */
class CacheUse {
  value: IntrospectionCacheUse = 'none';
  consulted(hit: boolean): void {
    this.value = hit && this.value !== 'miss' ? 'hit' : 'miss';
  }
}

export function createIntrospection(deps: {
  providers: ProviderAuthentication;
  db: Db;
  definitions: DefinitionCatalog;
  settings: CredentialSettings;
  logger: Logger;
}): Introspection {
  const { db, settings, logger } = deps;
  const rules: TokenRules = {
    renewalWindowMs: settings.tokenRenewalWindowMs,
    supersededGraceMs: settings.supersededTokenGraceMs,
  };
  const lookupToken = tokenLookups(db);
  const verifiedBasic = new ExpiringCache<{ accountId: string; passwordSetAt: number }>(CACHE_MAX_ENTRIES);
  let tokenUses = new Map<string, Date>();
  let accountUses = new Map<string, Date>();

  async function introspectToken(token: string, provider: ProviderCredential): Promise<IntrospectionAnswer> {
    // A mistyped, truncated or made-up token is refused without a query.
    if (checkTokenShape(token) !== 'valid') return INACTIVE;
    const found = await lookupToken(hashSecret(token));
    const now = new Date();
    if (!found || found.definition !== provider.definition || !isTokenUsable(found, rules, now))
      return INACTIVE;
    tokenUses.set(found.id, now);
    const retirement = retirementOf(found, rules);
    const end = retirement && retirement < found.expiresAt ? retirement : found.expiresAt;
    return {
      status: 200,
      outcome: 'active',
      body: {
        active: true,
        scope: found.scope,
        exp: seconds(end),
        iat: seconds(found.createdAt),
        sub: found.habilitationId,
        token_type: 'Bearer',
        organisation: found.organisation,
      },
    };
  }

  async function introspectBasic(
    token: string,
    provider: ProviderCredential,
    cache: CacheUse,
  ): Promise<IntrospectionAnswer> {
    if (token.length > 1_000 || !/^[A-Za-z0-9+/]+={0,2}$/.test(token)) return INACTIVE;
    const credentials = splitCredentials(Buffer.from(token, 'base64').toString('utf8'));
    if (!credentials || credentials.id.length > 200 || hasControlCharacter(credentials.id)) return INACTIVE;
    const definition = deps.definitions.find(provider.definition);
    if (!definition?.credentialTypes.includes('technical_account')) return INACTIVE;
    const account = await findAccountForIntrospection(db, credentials.id, provider.definition);
    const now = new Date();
    if (!account) {
      // Same cost as a wrong password, so that timings do not tell which logins exist.
      await verifyAgainstDecoy(credentials.secret);
      return INACTIVE;
    }
    const cacheKey = createHash('sha256')
      .update(`${credentials.id}\u0000${credentials.secret}`)
      .digest('hex');
    const cached = verifiedBasic.get(cacheKey, now.getTime());
    const cacheAnswers =
      cached?.accountId === account.id && cached.passwordSetAt === account.passwordSetAt.getTime();
    cache.consulted(cacheAnswers);
    const verified = cacheAnswers || (await verifyPassword(account.passwordHash, credentials.secret));
    if (!verified) return INACTIVE;
    if (!cached)
      verifiedBasic.set(
        cacheKey,
        { accountId: account.id, passwordSetAt: account.passwordSetAt.getTime() },
        now.getTime() + BASIC_CACHE_TTL_MS,
      );
    if (account.passwordExpiresAt <= now || account.habilitations.length === 0) return INACTIVE;
    accountUses.set(account.id, now);
    return {
      status: 200,
      outcome: 'active',
      body: {
        active: true,
        scope: [...new Set(account.habilitations.flatMap((habilitation) => habilitation.scopes))].join(' '),
        exp: seconds(account.passwordExpiresAt),
        iat: seconds(account.passwordSetAt),
        sub: account.id,
        username: account.login,
        token_type: 'basic_credentials',
        organisation: { siret: account.organisation.siret, name: account.organisation.name },
      },
    };
  }

  async function flush(): Promise<void> {
    const tokens = tokenUses;
    const accounts = accountUses;
    tokenUses = new Map();
    accountUses = new Map();
    try {
      await recordTokenUses(db, tokens);
      await recordTechnicalAccountUses(db, accounts);
    } catch (error) {
      // Kept for the next turn (newer uses win), so a database hiccup loses nothing.
      for (const [id, at] of tokens) if (!tokenUses.has(id)) tokenUses.set(id, at);
      for (const [id, at] of accounts) if (!accountUses.has(id)) accountUses.set(id, at);
      logger.warn({ err: error }, 'last-use times not written yet');
    }
  }

  const timer = setInterval(() => void flush(), settings.lastUsedFlushIntervalMs);
  timer.unref();

  async function answer(request: IntrospectionRequest, cache: CacheUse): Promise<IntrospectionAnswer> {
    const provider = await deps.providers.authenticate(request, (hit) => cache.consulted(hit));
    if (provider === 'ambiguous')
      return {
        status: 400,
        outcome: 'invalid_request',
        body: {
          error: 'invalid_request',
          message:
            'Authentifiez-vous par une seule méthode : l’en-tête Authorization ou client_id et client_secret dans le formulaire.',
        },
      };
    if (!provider) return UNAUTHORIZED;
    if (typeof request.token !== 'string' || request.token === '')
      return {
        status: 400,
        outcome: 'invalid_request',
        body: { error: 'invalid_request', message: 'Le paramètre « token » est obligatoire.' },
      };
    return request.tokenTypeHint === 'basic_credentials'
      ? introspectBasic(request.token, provider, cache)
      : introspectToken(request.token, provider);
  }

  return {
    async introspect(request) {
      const cache = new CacheUse();
      return { ...(await answer(request, cache)), cache: cache.value };
    },
    flush,
    async stop() {
      clearInterval(timer);
      await flush();
    },
  };
}
