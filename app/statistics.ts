import { validationFailed } from '../domain/errors.ts';
import type { DefinitionCatalog } from '../domain/definitions.ts';
import { ExpiringCache } from '../domain/expiring-cache.ts';
import {
  granularityOf,
  parisToday,
  periodOf,
  statisticsQuerySchema,
  type RequestStatistics,
} from '../domain/statistics.ts';
import type { Queryable } from '../store/pool.ts';
import { medianDecisionSeconds, series, summarise } from '../store/statistics.ts';
import { parseInput } from './validation.ts';

/** How long an answer is served again before it is computed anew: the page is public and cheap to reload. */
export const STATISTICS_CACHE_MS = 5 * 60_000;
const MEDIAN_WINDOW_MS = 91 * 86_400_000;

export interface Statistics {
  /** The public statistics of a period (`from`, `to`: YYYY-MM-DD, both or neither) and optionally one API. */
  forPeriod(query: unknown): Promise<RequestStatistics>;
  /** Per definition slug, the median time to a decision over the last 3 months (absent: no decision). */
  medianDecisionTimes(): Promise<Map<string, number>>;
}

/** Built once per process (runtime/services.ts): the cache belongs to the process, like introspection's. */
export function createStatistics(deps: { db: Queryable; definitions: DefinitionCatalog }): Statistics {
  const answers = new ExpiringCache<Promise<RequestStatistics>>(200);
  let medians: { value: Promise<Map<string, number>>; until: number } | undefined;

  async function compute(range: { from: string; to: string; definition: string | null }) {
    const granularity = granularityOf(range.from, range.to);
    const [summary, points] = await Promise.all([
      summarise(deps.db, range),
      series(deps.db, { ...range, granularity }),
    ]);
    const decided = summary.validated + summary.refused;
    return {
      ...range,
      granularity,
      ...summary,
      acceptanceRate: decided === 0 ? null : summary.validated / decided,
      series: points,
    };
  }

  return {
    async forPeriod(query) {
      const parsed = parseInput(statisticsQuerySchema, query);
      if (parsed.definition !== undefined && !deps.definitions.find(parsed.definition)) {
        throw validationFailed([{ path: 'definition', message: 'Aucune API ne porte cet identifiant.' }]);
      }
      const range = { ...periodOf(parsed, parisToday()), definition: parsed.definition ?? null };
      const key = `${range.from}/${range.to}/${range.definition ?? ''}`;
      const now = Date.now();
      const hit = answers.get(key, now);
      if (hit) return hit;
      // The pending answer is what is cached, so that a burst of visitors computes it once; a failure is not kept.
      const answer = compute(range);
      answers.set(key, answer, now + STATISTICS_CACHE_MS);
      answer.catch(() => answers.delete(key));
      return answer;
    },
    medianDecisionTimes() {
      const now = Date.now();
      if (medians && medians.until > now) return medians.value;
      const value = medianDecisionSeconds(deps.db, new Date(now - MEDIAN_WINDOW_MS));
      medians = { value, until: now + STATISTICS_CACHE_MS };
      value.catch(() => (medians = undefined));
      return value;
    },
  };
}
