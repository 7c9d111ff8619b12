import { seal, unseal } from '../security/sealing.ts';
import type { User } from '../store/users.ts';
import type { AppDeps } from './deps.ts';

/**
 * Secrets shown once (a technical account's password, a token, invitation codes, a webhook's signing secret)
 * cross one redirect so that the page showing them answers a GET (post/redirect/get): a refresh never creates
 * a second account nor sends the form again. What crosses is sealed (AES-256-GCM, the key of credential
 * downloads) for this person and this purpose, and lives a few minutes: held in the session, it is unreadable
 * to whoever reads the session table, and the GET of the page that shows it removes it.
 */
const SHOWN_ONCE_TTL_MS = 10 * 60_000;

export type ShownOncePurpose = 'technical-account-password' | 'token' | 'invitation-codes' | 'webhook-secret';

const binding = (actor: User, purpose: ShownOncePurpose) => `shown-once:${purpose}:${actor.id}`;

export function sealShownOnce(deps: AppDeps, actor: User, purpose: ShownOncePurpose, value: unknown): string {
  const payload = JSON.stringify({ value, expiresAt: Date.now() + SHOWN_ONCE_TTL_MS });
  return seal(deps.credentials.downloadKey, payload, binding(actor, purpose));
}

/** The sealed value, or undefined when it is not this person's, not for this purpose, or too old. */
export function openShownOnce<T>(
  deps: AppDeps,
  actor: User,
  purpose: ShownOncePurpose,
  sealed: string,
): T | undefined {
  const opened = unseal(deps.credentials.downloadKey, sealed, binding(actor, purpose));
  if (opened === undefined) return undefined;
  const { value, expiresAt } = JSON.parse(opened) as { value: T; expiresAt: number };
  return expiresAt < Date.now() ? undefined : value;
}
