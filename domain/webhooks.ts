/** Every event a provider can subscribe to (issue 14, item 2). */
export const WEBHOOK_EVENT_TYPES = [
  'request.created',
  'request.submitted',
  'request.changes_requested',
  'request.validated',
  'request.refused',
  'request.archived',
  'request.revoked',
  'request.reopened',
  'token.issued',
  'token.rotated',
  'token.revoked',
  'token.expired',
  'technical_account.created',
  'technical_account.password_reset',
  'technical_account.deleted',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** Sent to one endpoint on creation, on a new URL and on demand; never in the feed. */
export const WEBHOOK_TEST_EVENT = 'webhook.test';

export type WebhookEndpointStatus = 'pending' | 'active' | 'disabled';
export type WebhookDisabledReason = 'manual' | 'gone' | 'failing';

/** A payload above this is a bug: the data carries identifiers only. */
export const MAX_PAYLOAD_BYTES = 20 * 1024;
/** What is kept of a receiver's answer, per attempt. */
export const RESPONSE_EXCERPT_BYTES = 1024;

export const SECRET_PREFIX = 'whsec_';

/** The longest Retry-After honoured: beyond it the schedule's own next delay applies. */
const MAX_RETRY_AFTER_MS = 24 * 3_600_000;

/** A Retry-After header (seconds or an HTTP date) in milliseconds from `now`; undefined when absent or unreadable. */
export function retryAfterMs(header: string | undefined, now: number): number | undefined {
  if (header === undefined) return undefined;
  const trimmed = header.trim();
  const ms = /^\d+$/.test(trimmed) ? Number(trimmed) * 1_000 : Date.parse(trimmed) - now;
  if (!Number.isFinite(ms)) return undefined;
  return Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS);
}

export interface TargetRules {
  /** Development and tests: http:// and loopback addresses are let through (never in production). */
  allowLocalHttp: boolean;
}

export type UrlProblem = 'not_a_url' | 'scheme' | 'credentials' | 'too_long';

/** The checks on a URL's text; where it resolves to is checked apart (at save time and at each delivery). */
export function urlProblem(text: string, rules: TargetRules): UrlProblem | undefined {
  if (text.length > 2_000) return 'too_long';
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'not_a_url';
  }
  if (url.protocol !== 'https:' && !(rules.allowLocalHttp && url.protocol === 'http:')) return 'scheme';
  if (url.username !== '' || url.password !== '') return 'credentials';
  if (url.hostname === '') return 'not_a_url';
  return undefined;
}
