import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Directory } from '../directory/client.ts';
import type { DefinitionCatalog } from '../domain/definitions.ts';
import type { RateLimits } from '../domain/rate-limits.ts';
import type { RequestTimerOverrides } from '../domain/request-timers.ts';
import type { CredentialDeps } from '../ports/credentials.ts';
import type { Mailer } from '../mail/mailer.ts';
import type { Db } from '../store/pool.ts';
import type { Introspection } from './introspection.ts';
import type { Statistics } from './statistics.ts';
import type { ProConnectClient } from './proconnect-client.ts';
import type { WebhookSettings } from '../domain/webhook-settings.ts';
import type { ProviderAuthentication } from './provider-authentication.ts';
import type { WebhookOutbox } from './webhook-outbox.ts';

/** What the commands of app/ are given; built once per process by runtime/services.ts. */
export interface AppDeps {
  db: Db;
  mailer: Mailer;
  temporal: { client: Client; taskQueue: string; callTimeoutMs: number };
  directory: Directory;
  logger: Logger;
  /** The address people reach, for the links written in emails. */
  publicUrl: URL;
  accounts: { activationLinkTtlMs: number; passwordResetTtlMs: number };
  /** Every limit against guessing and flooding (RATE_LIMIT_* settings). */
  rateLimits: RateLimits;
  /** Passed to workflows: how long one activity attempt may take before it is retried. */
  activityTimeoutMs: number;
  definitions: DefinitionCatalog;
  /** Replace the definitions' own request timers when set (tests use seconds). */
  requestTimers: RequestTimerOverrides;
  /** Opens the sealed secrets of queued emails, for the development mailbox. */
  sealingKey: Buffer;
  /** Tokens, technical accounts and their lifecycles (spec §5). */
  credentials: CredentialDeps;
  /** The providers' hot path, with its per-process caches and batched last-use times. */
  introspection: Introspection;
  /** The public statistics, cached a few minutes per process. */
  statistics: Statistics;
  /** Sign-in through ProConnect; undefined when it is not configured (only email accounts are offered). */
  proconnect: ProConnectClient | undefined;
  /** The webhook event outbox: events written in the transaction of their change (issue 14). */
  webhooks: WebhookOutbox;
  webhookSettings: WebhookSettings;
  /** Providers' client credentials, for introspection and the catch-up feed. */
  providers: ProviderAuthentication;
}

/** An absolute link to a page of the platform. */
export function pageUrl(deps: Pick<AppDeps, 'publicUrl'>, path: string): string {
  return new URL(path, deps.publicUrl).toString();
}
