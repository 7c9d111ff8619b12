import type { Definition } from './definitions';

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
