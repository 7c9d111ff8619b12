import { parseDuration } from './duration.ts';

/** At most `max` hits per fixed window of `windowMs`. */
export interface RateLimit {
  max: number;
  windowMs: number;
}

/**
 * Every limit the platform enforces, by what it protects. Guessing (passwords, invitation codes) counts
 * failures only; what sends an email to an address the caller typed counts every attempt, so that Sésame
 * cannot be used to flood someone's mailbox.
 */
export interface RateLimits {
  signInFailuresPerAccount: RateLimit;
  signInFailuresPerIp: RateLimit;
  invitationFailuresPerPerson: RateLimit;
  invitationFailuresPerIp: RateLimit;
  /** Sign-up attempts from one client address (each looks the SIRET up in Sirene and may send an email). */
  signUpsPerIp: RateLimit;
  /** Emails sent to one address at an anonymous caller's request: sign-up, new activation link, password reset. */
  emailsPerAddress: RateLimit;
  /** The same emails, counted per client address. */
  emailsPerIp: RateLimit;
  /** Messages on requests, each emailed to the other side, per author. */
  messagesPerPerson: RateLimit;
}

/** `5/15m` → five per fifteen minutes; undefined when malformed. */
export function parseRateLimit(raw: string): RateLimit | undefined {
  const match = /^(\d{1,6})\s*\/\s*(\S+)$/.exec(raw.trim());
  if (!match) return undefined;
  const max = Number(match[1]);
  const windowMs = parseDuration(match[2]!);
  if (max < 1 || windowMs === undefined || windowMs < 1_000) return undefined;
  return { max, windowMs };
}
