/**
 * The durations of credentials (spec §5), from configuration: production keeps the defaults, tests shrink
 * them to seconds. They reach workflows as arguments, in milliseconds.
 */
export interface CredentialSettings {
  /** Set: every new token is valid this long instead of its definition's `validityMonths`, and renewals add it. */
  tokenValidityOverrideMs: number | undefined;
  /** Reminders before a token's expiry (D-90, D-30, D-7, D-1), longest first. */
  tokenReminderOffsetsMs: number[];
  /** How long before expiry a token can be renewed (and shows as expiring). */
  tokenRenewalWindowMs: number;
  /** One hour of a rotation's grace period, as chosen by the holder in hours (tests shrink it to seconds). */
  rotationGraceHourMs: number;
  /** How long the token of a superseded habilitation keeps working (like a rotation's default grace). */
  supersededTokenGraceMs: number;
  /** How long an unrevealed token's sealed copy is kept. */
  sealedTokenTtlMs: number;
  /** How long a technical account's password is valid. */
  technicalAccountPasswordValidityMs: number;
  /** Reminders before a technical account's password expires. */
  technicalAccountReminderOffsetsMs: number[];
  /** How often a web process writes the last-use times it collected from introspection. */
  lastUsedFlushIntervalMs: number;
}

/** Months added as calendar months (18 months after 31 August is 28 February), as people count them. */
export function addMonths(from: Date, months: number): Date {
  const result = new Date(from);
  const day = result.getUTCDate();
  result.setUTCDate(1);
  result.setUTCMonth(result.getUTCMonth() + months);
  const lastDay = new Date(Date.UTC(result.getUTCFullYear(), result.getUTCMonth() + 1, 0)).getUTCDate();
  result.setUTCDate(Math.min(day, lastDay));
  return result;
}
