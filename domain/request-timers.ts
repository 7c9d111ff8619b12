import type { Definition } from './definitions.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface RequestTimers {
  draftReminderMs: number;
  draftArchiveMs: number;
  instructionSlaMs: number;
}

export type RequestTimerOverrides = Partial<Record<keyof RequestTimers, number | undefined>>;

/** The durations a request's workflow waits, from its definition unless configuration overrides them. */
export function requestTimers(definition: Definition, overrides: RequestTimerOverrides): RequestTimers {
  return {
    draftReminderMs: overrides.draftReminderMs ?? definition.timers.draftReminderDays * DAY_MS,
    draftArchiveMs: overrides.draftArchiveMs ?? definition.timers.draftArchiveDays * DAY_MS,
    instructionSlaMs: overrides.instructionSlaMs ?? definition.timers.instructionSlaDays * DAY_MS,
  };
}

/** How long a request has waited since its submission, in whole days, against its definition's SLA. */
export function instructionAge(
  request: { state: string; submittedAt: Date | null },
  slaDays: number,
  now = Date.now(),
): { ageDays: number | undefined; overdue: boolean } {
  if (!request.submittedAt) return { ageDays: undefined, overdue: false };
  const ageDays = Math.floor((now - request.submittedAt.getTime()) / DAY_MS);
  return { ageDays, overdue: request.state === 'submitted' && ageDays >= slaDays };
}
