import { z } from 'zod';

/**
 * The public statistics of access requests (spec §7): what a period is, how finely its series is cut, and what
 * the answer holds. Days are French days (Europe/Paris): a request submitted at 23:30 in Paris counts on that day.
 */
export type Granularity = 'day' | 'week' | 'month';

/** One duration measure over a period: how many requests it covers and its median and 80th percentile. */
export interface DurationPercentiles {
  count: number;
  p50Seconds: number | null;
  p80Seconds: number | null;
}

export interface StatisticsPoint {
  /** First day of the bucket (YYYY-MM-DD), clipped to the period. */
  period: string;
  submitted: number;
  validated: number;
  refused: number;
  /** Requests waiting for an instructor (submitted or held for support) at the end of the bucket. */
  backlog: number;
}

export interface RequestStatistics {
  from: string;
  to: string;
  granularity: Granularity;
  definition: string | null;
  /** First submissions of new requests, and apart those of reopened habilitations. */
  submitted: number;
  reopenedSubmitted: number;
  validated: number;
  refused: number;
  /** validated / (validated + refused); null without any decision. */
  acceptanceRate: number | null;
  /** Creation → first submission (first revisions only). */
  timeToSubmission: DurationPercentiles;
  /** A revision's first submission → its first decision or request for changes. */
  timeToFirstInstruction: DurationPercentiles;
  /** A revision's first submission → its validation or refusal. */
  timeToDecision: DurationPercentiles;
  series: StatisticsPoint[];
}

/** Durations shorter than this are left out: a decision within a minute is a test or a demonstration. */
export const SHORTEST_COUNTED_SECONDS = 60;
export const LONGEST_RANGE_DAYS = 5 * 366;

const DAY_MS = 86_400_000;
const isoDay = /^\d{4}-\d{2}-\d{2}$/;

/** A calendar date written YYYY-MM-DD that exists (no 2026-02-30). */
export const calendarDate = (label: string) =>
  z
    .string({ error: `${label} : indiquez une date au format AAAA-MM-JJ.` })
    .refine(
      (value) => isoDay.test(value) && new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) === value,
      `${label} : indiquez une date qui existe, au format AAAA-MM-JJ.`,
    );

export const dayCount = (from: string, to: string) =>
  Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS) + 1;

/** Days for a month of data, weeks up to about six months, months beyond: between 5 and 60 bars. */
export function granularityOf(from: string, to: string): Granularity {
  const days = dayCount(from, to);
  if (days <= 62) return 'day';
  if (days <= 200) return 'week';
  return 'month';
}

/** Today in Paris, as YYYY-MM-DD. */
export function parisToday(now = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris' }).format(now);
}

function shiftDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

function shiftMonths(day: string, months: number): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCMonth(date.getUTCMonth() + months);
  return date.toISOString().slice(0, 10);
}

export const PRESETS = ['30j', '3m', '12m', 'annee'] as const;
export type Preset = (typeof PRESETS)[number];

export const PRESET_LABELS: Record<Preset, string> = {
  '30j': '30 derniers jours',
  '3m': '3 derniers mois',
  '12m': '12 derniers mois',
  annee: 'Depuis le 1er janvier',
};

/** A preset's period, ending today. */
export function presetRange(preset: Preset, today: string): { from: string; to: string } {
  switch (preset) {
    case '30j':
      return { from: shiftDays(today, -29), to: today };
    case '3m':
      return { from: shiftDays(shiftMonths(today, -3), 1), to: today };
    case '12m':
      return { from: shiftDays(shiftMonths(today, -12), 1), to: today };
    case 'annee':
      return { from: `${today.slice(0, 4)}-01-01`, to: today };
  }
}

/**
 * The period asked for: both dates, or neither (the last 3 months). A period ends after it starts and spans at
 * most five years, which bounds what one uncached answer costs.
 */
export const statisticsQuerySchema = z
  .object({
    from: calendarDate('Date de début').optional(),
    to: calendarDate('Date de fin').optional(),
    definition: z.string({ error: 'Indiquez l’identifiant d’une API.' }).max(100).optional(),
  })
  .superRefine((query, ctx) => {
    if ((query.from === undefined) !== (query.to === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [query.from === undefined ? 'from' : 'to'],
        message: 'Indiquez les deux dates de la période, ou aucune.',
      });
      return;
    }
    if (query.from === undefined || query.to === undefined) return;
    const days = dayCount(query.from, query.to);
    if (days < 1) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'La date de fin doit suivre la date de début.' });
    } else if (days > LONGEST_RANGE_DAYS) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'La période ne peut dépasser cinq ans.' });
    }
  });

export type StatisticsQuery = z.output<typeof statisticsQuerySchema>;

/** The query's period, or the last 3 months ending today. */
export function periodOf(query: StatisticsQuery, today: string): { from: string; to: string } {
  return query.from !== undefined && query.to !== undefined
    ? { from: query.from, to: query.to }
    : presetRange('3m', today);
}
