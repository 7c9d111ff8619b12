import path from 'node:path';
import { z } from 'zod';
import type { CredentialSettings } from '../domain/credential-settings.ts';
import type { WebhookSettings } from '../domain/webhook-settings.ts';
import type { DefinitionCatalog } from '../domain/definitions.ts';
import type { RequestTimerOverrides } from '../domain/request-timers.ts';
import { formatDuration, parseDuration } from '../domain/duration.ts';
import { parseRateLimit, type RateLimits } from '../domain/rate-limits.ts';
import { DEFAULT_DEFINITIONS_DIR, loadDefinitions } from './definitions.ts';

/**
 * The whole configuration of a Sésame process, read once from the environment at start-up. Every value has a
 * development default except the few that production must set on purpose; a missing or malformed value stops
 * the process with a message naming the variable and what is expected.
 */

type Env = Record<string, string | undefined>;

const quoted = (value: string) => JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);

function integer<T extends number | undefined>(min: number, max: number, fallback: T) {
  return z
    .string()
    .optional()
    .transform((raw, ctx): number | T => {
      if (raw === undefined) return fallback;
      const value = Number(raw);
      if (!/^\d+$/.test(raw) || value < min || value > max) {
        ctx.addIssue({
          code: 'custom',
          message: `expected an integer from ${min} to ${max} (got ${quoted(raw)})`,
        });
        return z.NEVER;
      }
      return value;
    });
}

function duration(fallback: string) {
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      const value = parseDuration(raw ?? fallback);
      if (value === undefined) {
        ctx.addIssue({
          code: 'custom',
          message: `expected a duration such as 30s, 15m, 48h or 7d (got ${quoted(raw ?? '')})`,
        });
        return z.NEVER;
      }
      return value;
    });
}

function rateLimit(fallback: string) {
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      const value = parseRateLimit(raw ?? fallback);
      if (value === undefined) {
        ctx.addIssue({
          code: 'custom',
          message: `expected a count per window of at least 1s, such as 5/15m or 20/1h (got ${quoted(raw ?? '')})`,
        });
        return z.NEVER;
      }
      return value;
    });
}

function optionalDuration() {
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined) return undefined;
      const value = parseDuration(raw);
      if (value === undefined) {
        ctx.addIssue({
          code: 'custom',
          message: `expected a duration such as 30s, 15m, 48h or 7d (got ${quoted(raw)})`,
        });
        return z.NEVER;
      }
      return value;
    });
}

function durationList(fallback: string) {
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      const parts = (raw ?? fallback).split(',').map((part) => part.trim());
      const values = parts.map((part) => parseDuration(part));
      if (parts.length === 0 || values.some((value) => value === undefined)) {
        ctx.addIssue({
          code: 'custom',
          message: `expected durations separated by commas, such as 90d,30d,7d,1d (got ${quoted(raw ?? '')})`,
        });
        return z.NEVER;
      }
      return (values as number[]).sort((a, b) => b - a);
    });
}

/** Delays from the first attempt, in order; `0` (at once) is allowed here, unlike in a plain duration. */
function delayList(fallback: string) {
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      const parts = (raw ?? fallback).split(',').map((part) => part.trim());
      const values = parts.map((part) => (part === '0' || part === '0s' ? 0 : parseDuration(part)));
      const ordered = values.every((value, index) => index === 0 || (values[index - 1] ?? 0) <= (value ?? 0));
      if (parts.length === 0 || values.some((value) => value === undefined) || !ordered) {
        ctx.addIssue({
          code: 'custom',
          message: `expected delays in increasing order separated by commas, such as 0,5s,5m,30m (got ${quoted(raw ?? '')})`,
        });
        return z.NEVER;
      }
      return values as number[];
    });
}

function oneOf<const T extends readonly [string, ...string[]]>(values: T, fallback: T[number]) {
  return z
    .string()
    .optional()
    .transform((raw, ctx): T[number] => {
      if (raw === undefined) return fallback;
      if (!(values as readonly string[]).includes(raw)) {
        ctx.addIssue({
          code: 'custom',
          message: `expected one of ${values.join(', ')} (got ${quoted(raw)})`,
        });
        return z.NEVER;
      }
      return raw;
    });
}

/** An undefined fallback leaves the default to loadConfig, where it can depend on other settings. */
function booleanFlag<T extends boolean | undefined>(fallback: T) {
  return z
    .string()
    .optional()
    .transform((raw, ctx): boolean | T => {
      if (raw === undefined) return fallback;
      if (['true', '1', 'yes'].includes(raw)) return true;
      if (['false', '0', 'no'].includes(raw)) return false;
      ctx.addIssue({ code: 'custom', message: `expected true or false (got ${quoted(raw)})` });
      return z.NEVER;
    });
}

function urlWithProtocol(protocols: string[], example: string, { secret = false } = {}) {
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined) return undefined;
      let url: URL | undefined;
      try {
        url = new URL(raw);
      } catch {
        url = undefined;
      }
      if (!url || !protocols.includes(url.protocol)) {
        ctx.addIssue({
          code: 'custom',
          message: `expected a URL such as ${example}${secret ? '' : ` (got ${quoted(raw)})`}`,
        });
        return z.NEVER;
      }
      return raw;
    });
}

function hostAndPort() {
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined) return undefined;
      if (!/^[A-Za-z0-9.\-[\]:]+:\d{1,5}$/.test(raw)) {
        ctx.addIssue({
          code: 'custom',
          message: `expected host:port such as temporal.internal:7233 (got ${quoted(raw)})`,
        });
        return z.NEVER;
      }
      return raw;
    });
}

function text(fallback?: string) {
  return z
    .string()
    .optional()
    .transform((raw) => raw ?? fallback);
}

const DEVELOPMENT_APP_SECRET = 'development-only-secret-do-not-use-in-production';

const envSchema = z
  .object({
    NODE_ENV: oneOf(['development', 'test', 'production'], 'development'),
    HOST: text(),
    PORT: integer(0, 65535, 3000),
    PUBLIC_URL: urlWithProtocol(['http:', 'https:'], 'https://sesame.example.gouv.fr'),
    TRUST_PROXY: text('loopback'),
    LOG_LEVEL: oneOf(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'], 'info'),
    DATA_DIR: text('data'),

    DATABASE_URL: urlWithProtocol(['postgres:', 'postgresql:'], 'postgres://user:password@host:5432/sesame', {
      secret: true,
    }),
    DATABASE_POOL_SIZE: integer(1, 200, 10),

    TEMPORAL_ADDRESS: hostAndPort(),
    TEMPORAL_NAMESPACE: text('default'),
    TEMPORAL_TASK_QUEUE: text('sesame'),
    TEMPORAL_TLS: booleanFlag(false),
    TEMPORAL_API_KEY: text(),
    TEMPORAL_CLI_PATH: text(),
    TEMPORAL_UI_PORT: integer(0, 65535, 8233),
    TEMPORAL_CALL_TIMEOUT: duration('15s'),
    WORKFLOW_BUNDLE_PATH: text(),

    DIRECTORY_URL: urlWithProtocol(['http:', 'https:'], 'https://recherche-entreprises.api.gouv.fr'),
    DIRECTORY_TIMEOUT: duration('5s'),
    DIRECTORY_RETRIES: integer(0, 10, 2),

    // ProConnect (docs/proconnect.md); unset, `npm start` runs a local identity provider in its place.
    PROCONNECT_DISCOVERY_URL: urlWithProtocol(
      ['http:', 'https:'],
      'https://proconnect.example.gouv.fr/api/v2/.well-known/openid-configuration',
    ),
    PROCONNECT_CLIENT_ID: text(),
    PROCONNECT_CLIENT_SECRET: text(),

    SMTP_URL: urlWithProtocol(['smtp:', 'smtps:'], 'smtp://user:password@smtp.example.fr:587', {
      secret: true,
    }),
    MAIL_FROM: text(),

    APP_SECRET: text(),
    DEMO_PASSWORD: text(),
    SHUTDOWN_TIMEOUT: duration('15s'),

    // Timer overrides: production keeps the defaults, tests shrink them to seconds.
    MAIL_SEND_TIMEOUT: duration('1m'),
    MAIL_RETRY_INITIAL_INTERVAL: duration('10s'),
    MAIL_RETRY_MAX_INTERVAL: duration('1h'),
    MAIL_GIVE_UP_AFTER: duration('3d'),
    OUTBOX_RELAY_INTERVAL: duration('1m'),
    HOUSEKEEPING_INTERVAL: duration('1h'),
    ACTIVATION_LINK_TTL: duration('48h'),
    ACTIVITY_TIMEOUT: duration('30s'),
    PASSWORD_RESET_TTL: duration('1h'),

    // Rate limits, as count/window, kept in Postgres so that they hold across web replicas.
    RATE_LIMIT_SIGN_IN_FAILURES_PER_ACCOUNT: rateLimit('5/15m'),
    RATE_LIMIT_SIGN_IN_FAILURES_PER_IP: rateLimit('20/15m'),
    RATE_LIMIT_INVITATION_FAILURES_PER_PERSON: rateLimit('10/15m'),
    RATE_LIMIT_INVITATION_FAILURES_PER_IP: rateLimit('30/15m'),
    RATE_LIMIT_SIGN_UPS_PER_IP: rateLimit('20/1h'),
    RATE_LIMIT_EMAILS_PER_ADDRESS: rateLimit('5/1h'),
    RATE_LIMIT_EMAILS_PER_IP: rateLimit('30/1h'),
    RATE_LIMIT_MESSAGES_PER_PERSON: rateLimit('30/1h'),

    DEFINITIONS_DIR: text(),
    // Override every definition's request timers (tests use seconds); unset, each definition's own apply.
    REQUEST_DRAFT_REMINDER_AFTER: optionalDuration(),
    REQUEST_DRAFT_ARCHIVE_AFTER: optionalDuration(),
    REQUEST_INSTRUCTION_SLA: optionalDuration(),

    // Credentials (spec §5); tests use seconds.
    TOKEN_VALIDITY_OVERRIDE: optionalDuration(),
    TOKEN_REMINDER_OFFSETS: durationList('90d,30d,7d,1d'),
    TOKEN_RENEWAL_WINDOW: duration('90d'),
    ROTATION_GRACE_HOUR: duration('1h'),
    SUPERSEDED_TOKEN_GRACE: duration('24h'),
    SEALED_TOKEN_TTL: duration('7d'),
    TECH_ACCOUNT_PASSWORD_TTL: duration('365d'),
    TECH_ACCOUNT_REMINDERS: durationList('30d,7d,1d'),
    LAST_USED_FLUSH_INTERVAL: duration('10s'),
    DEMO_PROVIDER_PORT: integer(0, 65535, 3001),

    // Webhooks (docs/webhooks.md): the Standard Webhooks retry schedule; tests shrink it to seconds.
    WEBHOOK_RETRY_SCHEDULE: delayList('0,5s,5m,30m,2h,5h,10h,14h,20h,24h'),
    WEBHOOK_TIMEOUT: duration('15s'),
    WEBHOOK_DISABLE_AFTER: duration('5d'),
    WEBHOOK_SECRET_OVERLAP: duration('24h'),
    WEBHOOK_RELAY_INTERVAL: duration('1m'),
    WEBHOOK_ALLOW_LOCAL_HTTP: booleanFlag(undefined),

    // Prometheus metrics: off the public port in production, on a listener of their own when METRICS_PORT is set.
    METRICS_PORT: integer(1, 65535, undefined),
    METRICS_HOST: text(),
    METRICS_PUBLIC: booleanFlag(undefined),
  })
  .superRefine((env, ctx) => {
    const production = env.NODE_ENV === 'production';
    if (production && (env.APP_SECRET === undefined || env.APP_SECRET.length < 32)) {
      ctx.addIssue({
        code: 'custom',
        path: ['APP_SECRET'],
        message: 'required when NODE_ENV=production: a random value of at least 32 characters',
      });
    } else if (env.APP_SECRET !== undefined && env.APP_SECRET.length < 32) {
      ctx.addIssue({ code: 'custom', path: ['APP_SECRET'], message: 'expected at least 32 characters' });
    }
    if (production && env.PUBLIC_URL === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['PUBLIC_URL'],
        message:
          'required when NODE_ENV=production: the address users reach, such as https://sesame.example.gouv.fr',
      });
    }
    if (production && env.SMTP_URL === undefined) {
      // Without SMTP the development mailbox would swallow every email: in production that is a loss.
      ctx.addIssue({
        code: 'custom',
        path: ['SMTP_URL'],
        message: 'required when NODE_ENV=production: smtp://user:password@host:587 or smtps://…',
      });
    }
    if (env.DEMO_PASSWORD !== undefined && env.DEMO_PASSWORD.length < 12) {
      ctx.addIssue({ code: 'custom', path: ['DEMO_PASSWORD'], message: 'expected at least 12 characters' });
    }
    if (env.METRICS_PORT !== undefined && env.METRICS_PORT === env.PORT) {
      ctx.addIssue({
        code: 'custom',
        path: ['METRICS_PORT'],
        message: `expected a port other than PORT (${env.PORT}); METRICS_PUBLIC=true serves /metrics on PORT`,
      });
    }
    if (production && env.WEBHOOK_ALLOW_LOCAL_HTTP) {
      ctx.addIssue({
        code: 'custom',
        path: ['WEBHOOK_ALLOW_LOCAL_HTTP'],
        message: 'refused when NODE_ENV=production: webhooks go to https addresses outside private networks',
      });
    }
    checkProConnect(env, ctx);
    if (env.MAIL_RETRY_INITIAL_INTERVAL > env.MAIL_RETRY_MAX_INTERVAL) {
      ctx.addIssue({
        code: 'custom',
        path: ['MAIL_RETRY_INITIAL_INTERVAL'],
        message: `expected at most MAIL_RETRY_MAX_INTERVAL (${formatDuration(env.MAIL_RETRY_MAX_INTERVAL)})`,
      });
    }
  });

/** The three ProConnect settings go together; its discovery document is reached over https in production. */
function checkProConnect(
  env: {
    NODE_ENV: string;
    PROCONNECT_DISCOVERY_URL?: string;
    PROCONNECT_CLIENT_ID?: string;
    PROCONNECT_CLIENT_SECRET?: string;
  },
  ctx: z.RefinementCtx,
): void {
  const url = env.PROCONNECT_DISCOVERY_URL;
  if (url === undefined) {
    for (const name of ['PROCONNECT_CLIENT_ID', 'PROCONNECT_CLIENT_SECRET'] as const) {
      if (env[name] !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['PROCONNECT_DISCOVERY_URL'],
          message: `required with ${name}: the discovery document of ProConnect (…/.well-known/openid-configuration)`,
        });
        return;
      }
    }
    return;
  }
  if (!new URL(url).pathname.includes('/.well-known/')) {
    ctx.addIssue({
      code: 'custom',
      path: ['PROCONNECT_DISCOVERY_URL'],
      message: `expected the provider's discovery document, ending in /.well-known/openid-configuration (got ${quoted(url)})`,
    });
  }
  if (env.NODE_ENV === 'production' && new URL(url).protocol !== 'https:') {
    ctx.addIssue({
      code: 'custom',
      path: ['PROCONNECT_DISCOVERY_URL'],
      message: 'expected an https URL when NODE_ENV=production',
    });
  }
  if (env.PROCONNECT_CLIENT_ID === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['PROCONNECT_CLIENT_ID'],
      message: 'required with PROCONNECT_DISCOVERY_URL: the client id ProConnect gave this service',
    });
  }
  if (env.PROCONNECT_CLIENT_SECRET === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['PROCONNECT_CLIENT_SECRET'],
      message: 'required with PROCONNECT_DISCOVERY_URL: the client secret ProConnect gave this service',
    });
  }
}

export interface Config {
  env: 'development' | 'test' | 'production';
  http: { host: string; port: number; publicUrl: URL; trustProxy: string };
  logLevel: string;
  dataDir: string;
  database: { url: string | undefined; poolSize: number };
  temporal: {
    address: string | undefined;
    namespace: string;
    taskQueue: string;
    tls: boolean;
    apiKey: string | undefined;
    cliPath: string | undefined;
    uiPort: number;
    callTimeoutMs: number;
    workflowBundlePath: string | undefined;
  };
  mail: {
    smtpUrl: string | undefined;
    from: string;
    sendTimeoutMs: number;
    retryInitialIntervalMs: number;
    retryMaxIntervalMs: number;
    giveUpAfterMs: number;
    relayIntervalMs: number;
  };
  housekeepingIntervalMs: number;
  webhooks: WebhookSettings;
  directory: {
    /** Undefined: `npm start` serves the bundled stand-in; the production processes use the public API. */
    url: string | undefined;
    timeoutMs: number;
    retries: number;
  };
  accounts: { activationLinkTtlMs: number; passwordResetTtlMs: number };
  rateLimits: RateLimits;
  /** Longest attempt of a business activity before Temporal retries it (on another worker if this one died). */
  activityTimeoutMs: number;
  appSecret: string;
  /** True when the secret is the built-in development one: worth a warning, refused in production. */
  appSecretIsDevelopmentDefault: boolean;
  demoPassword: string | undefined;
  shutdownTimeoutMs: number;
  definitions: DefinitionCatalog;
  /** Set: replaces every definition's own timer (tests use seconds). */
  requestTimers: RequestTimerOverrides;
  credentials: CredentialSettings;
  /** Port of the demo provider API that `npm start` runs beside the platform (0: any free port). */
  demoProviderPort: number;
  /** Undefined: ProConnect is off, except under `npm start`, which runs a local identity provider instead. */
  proconnect: { discoveryUrl: URL; clientId: string; clientSecret: string } | undefined;
  metrics: {
    /** Set: a listener of its own serves /metrics, for the web process and the worker alike. */
    port: number | undefined;
    host: string;
    /** /metrics on the public port too: for development; in production only when METRICS_PUBLIC says so. */
    public: boolean;
  };
}

/** The public "recherche d'entreprises" API, used when DIRECTORY_URL is not set outside `npm start`. */
export const PUBLIC_DIRECTORY_URL = 'https://recherche-entreprises.api.gouv.fr';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((line) => `  - ${line}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Reads the configuration from environment variables; throws ConfigError naming every faulty variable. */
export function loadConfig(rawEnv: Env = process.env): Config {
  // An exported-but-empty variable (`DATABASE_URL=`) means "not set", as in most twelve-factor apps.
  const env: Env = Object.fromEntries(Object.entries(rawEnv).filter(([, value]) => value !== ''));
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const e = parsed.data;
  const { catalog, problems } = loadDefinitions(
    e.DEFINITIONS_DIR ? path.resolve(e.DEFINITIONS_DIR) : DEFAULT_DEFINITIONS_DIR,
  );
  if (problems.length > 0) throw new ConfigError(problems);
  const production = e.NODE_ENV === 'production';
  const publicUrl = new URL(e.PUBLIC_URL ?? `http://localhost:${e.PORT}`);
  const defaultHost = production ? '0.0.0.0' : '127.0.0.1';
  return {
    env: e.NODE_ENV,
    http: {
      host: e.HOST ?? defaultHost,
      port: e.PORT,
      publicUrl,
      trustProxy: e.TRUST_PROXY ?? 'loopback',
    },
    logLevel: e.LOG_LEVEL,
    dataDir: path.resolve(e.DATA_DIR ?? 'data'),
    database: { url: e.DATABASE_URL, poolSize: e.DATABASE_POOL_SIZE },
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE ?? 'default',
      taskQueue: e.TEMPORAL_TASK_QUEUE ?? 'sesame',
      tls: e.TEMPORAL_TLS || e.TEMPORAL_API_KEY !== undefined,
      apiKey: e.TEMPORAL_API_KEY,
      cliPath: e.TEMPORAL_CLI_PATH,
      uiPort: e.TEMPORAL_UI_PORT,
      callTimeoutMs: e.TEMPORAL_CALL_TIMEOUT,
      workflowBundlePath: e.WORKFLOW_BUNDLE_PATH,
    },
    mail: {
      smtpUrl: e.SMTP_URL,
      from: e.MAIL_FROM ?? `"Sésame" <ne-pas-repondre@${publicUrl.hostname}>`,
      sendTimeoutMs: e.MAIL_SEND_TIMEOUT,
      retryInitialIntervalMs: e.MAIL_RETRY_INITIAL_INTERVAL,
      retryMaxIntervalMs: e.MAIL_RETRY_MAX_INTERVAL,
      giveUpAfterMs: e.MAIL_GIVE_UP_AFTER,
      relayIntervalMs: e.OUTBOX_RELAY_INTERVAL,
    },
    housekeepingIntervalMs: e.HOUSEKEEPING_INTERVAL,
    webhooks: {
      retryScheduleMs: e.WEBHOOK_RETRY_SCHEDULE,
      timeoutMs: e.WEBHOOK_TIMEOUT,
      disableAfterMs: e.WEBHOOK_DISABLE_AFTER,
      secretOverlapMs: e.WEBHOOK_SECRET_OVERLAP,
      relayIntervalMs: e.WEBHOOK_RELAY_INTERVAL,
      // `npm start` delivers to the demo provider on this machine; tests say what they need.
      allowLocalHttp: e.WEBHOOK_ALLOW_LOCAL_HTTP ?? e.NODE_ENV === 'development',
    },
    directory: { url: e.DIRECTORY_URL, timeoutMs: e.DIRECTORY_TIMEOUT, retries: e.DIRECTORY_RETRIES },
    accounts: { activationLinkTtlMs: e.ACTIVATION_LINK_TTL, passwordResetTtlMs: e.PASSWORD_RESET_TTL },
    rateLimits: {
      signInFailuresPerAccount: e.RATE_LIMIT_SIGN_IN_FAILURES_PER_ACCOUNT,
      signInFailuresPerIp: e.RATE_LIMIT_SIGN_IN_FAILURES_PER_IP,
      invitationFailuresPerPerson: e.RATE_LIMIT_INVITATION_FAILURES_PER_PERSON,
      invitationFailuresPerIp: e.RATE_LIMIT_INVITATION_FAILURES_PER_IP,
      signUpsPerIp: e.RATE_LIMIT_SIGN_UPS_PER_IP,
      emailsPerAddress: e.RATE_LIMIT_EMAILS_PER_ADDRESS,
      emailsPerIp: e.RATE_LIMIT_EMAILS_PER_IP,
      messagesPerPerson: e.RATE_LIMIT_MESSAGES_PER_PERSON,
    },
    activityTimeoutMs: e.ACTIVITY_TIMEOUT,
    appSecret: e.APP_SECRET ?? DEVELOPMENT_APP_SECRET,
    appSecretIsDevelopmentDefault: e.APP_SECRET === undefined,
    demoPassword: e.DEMO_PASSWORD,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT,
    definitions: catalog,
    requestTimers: {
      draftReminderMs: e.REQUEST_DRAFT_REMINDER_AFTER,
      draftArchiveMs: e.REQUEST_DRAFT_ARCHIVE_AFTER,
      instructionSlaMs: e.REQUEST_INSTRUCTION_SLA,
    },
    credentials: {
      tokenValidityOverrideMs: e.TOKEN_VALIDITY_OVERRIDE,
      tokenReminderOffsetsMs: e.TOKEN_REMINDER_OFFSETS,
      tokenRenewalWindowMs: e.TOKEN_RENEWAL_WINDOW,
      rotationGraceHourMs: e.ROTATION_GRACE_HOUR,
      supersededTokenGraceMs: e.SUPERSEDED_TOKEN_GRACE,
      sealedTokenTtlMs: e.SEALED_TOKEN_TTL,
      technicalAccountPasswordValidityMs: e.TECH_ACCOUNT_PASSWORD_TTL,
      technicalAccountReminderOffsetsMs: e.TECH_ACCOUNT_REMINDERS,
      lastUsedFlushIntervalMs: e.LAST_USED_FLUSH_INTERVAL,
    },
    demoProviderPort: e.DEMO_PROVIDER_PORT,
    proconnect:
      e.PROCONNECT_DISCOVERY_URL === undefined
        ? undefined
        : {
            discoveryUrl: new URL(e.PROCONNECT_DISCOVERY_URL),
            clientId: e.PROCONNECT_CLIENT_ID!,
            clientSecret: e.PROCONNECT_CLIENT_SECRET!,
          },
    metrics: {
      port: e.METRICS_PORT,
      host: e.METRICS_HOST ?? defaultHost,
      public: e.METRICS_PUBLIC ?? !production,
    },
  };
}

/**
 * The production entry points (separate web and worker processes) cannot start embedded services: each
 * process would get a database and a Temporal server of its own.
 */
export function requireExternalServices(config: Config): void {
  const problems: string[] = [];
  if (config.database.url === undefined) {
    problems.push('DATABASE_URL: required to run web and worker as separate processes (postgres://…)');
  }
  if (config.temporal.address === undefined) {
    problems.push('TEMPORAL_ADDRESS: required to run web and worker as separate processes (host:7233)');
  }
  if (problems.length > 0) throw new ConfigError(problems);
}
