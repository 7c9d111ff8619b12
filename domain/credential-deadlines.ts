/**
 * The durable schedule of a credential (spec §5): reminders before expiry, expiry, end of a grace period,
 * destruction of an unrevealed token's sealed copy. Pure: the lifecycle activities call it with the facts
 * read from Postgres and the current time, act on what is due, and tell the workflow when to wake next.
 */
export type DeadlineKind = 'reminder' | 'expiry' | 'retirement' | 'sealed_copy';

export interface Deadline {
  kind: DeadlineKind;
  at: number;
  /** For reminders: how long before expiry (one of the configured offsets). */
  offsetMs?: number;
}

export interface ScheduleFacts {
  /** Revoked, deleted: nothing is left to do. */
  ended: boolean;
  expiresAt: number;
  /** When the credential stops because it was replaced (rotation, superseded habilitation). */
  retiresAt: number | null;
  /** When the unrevealed sealed copy must be destroyed, if there is one. */
  sealedUntil: number | null;
  /** Start of the current validity period (creation, renewal, reset): reminders due before it are skipped. */
  periodStart: number;
  remindersSent: number[];
  expiryNotified: boolean;
}

/** Everything still to happen, due or not, in time order. Empty: the lifecycle is over. */
export function pendingDeadlines(
  facts: ScheduleFacts,
  offsetsMs: readonly number[],
  now: number,
): Deadline[] {
  const deadlines: Deadline[] = [];
  if (facts.sealedUntil !== null) deadlines.push({ kind: 'sealed_copy', at: facts.sealedUntil });
  if (facts.ended) return deadlines;
  const replaced = facts.retiresAt !== null && facts.retiresAt <= facts.expiresAt;
  if (replaced) {
    // A replaced credential gets no reminder: its successor does. It only has to reach its end.
    if (facts.retiresAt! > now) deadlines.push({ kind: 'retirement', at: facts.retiresAt! });
  } else {
    const reminders = offsetsMs
      .filter((offset) => !facts.remindersSent.includes(offset))
      .map((offset) => ({ kind: 'reminder' as const, at: facts.expiresAt - offset, offsetMs: offset }))
      // Already past when the period began (a token valid 60 days gets no D-90), or past expiry.
      .filter((reminder) => reminder.at >= facts.periodStart && reminder.at < facts.expiresAt);
    // After an outage several reminders may be due at once: only the closest to expiry is worth sending.
    const due = reminders.filter((reminder) => reminder.at <= now);
    const latestDue = due.reduce<(typeof due)[number] | undefined>(
      (best, reminder) => (best === undefined || reminder.offsetMs < best.offsetMs ? reminder : best),
      undefined,
    );
    deadlines.push(...reminders.filter((reminder) => reminder.at > now));
    if (latestDue && facts.expiresAt > now) deadlines.push(latestDue);
    if (!facts.expiryNotified) deadlines.push({ kind: 'expiry', at: facts.expiresAt });
  }
  return deadlines.sort((a, b) => a.at - b.at);
}

/** Reminders that were due together with `sent` and are skipped because `sent` is closer to expiry. */
export function remindersSkippedBy(sentOffsetMs: number, offsetsMs: readonly number[]): number[] {
  return offsetsMs.filter((offset) => offset > sentOffsetMs);
}
