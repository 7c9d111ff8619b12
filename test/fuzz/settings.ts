import type { CampaignOptions } from './campaign.ts';

/**
 * The fuzz run's settings, from the environment: FUZZ_SEED (default: `npm test`'s bounded run a fixed one, so that
 * a change lands or not on its own merits, not on the draw; `npm run fuzz` a new one each run to explore; always printed),
 * FUZZ_RUNS (requests per target), FUZZ_PATH and FUZZ_ONLY (replay one counterexample of one target), FUZZ_TRACE=1
 * (print every request and its status).
 * `npm test` runs the bounded campaign; `npm run fuzz` ten times as many requests per target.
 */
export const BOUNDED_RUNS = 12;
export const LONG_RUNS = BOUNDED_RUNS * 10;
const BOUNDED_SEED = 20_261_201;

function integer(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value)) throw new Error(`${name}: expected an integer (got "${raw}")`);
  return value;
}

export function fuzzSettings(kind: 'bounded' | 'long'): Omit<CampaignOptions, 'progress'> {
  return {
    seed: integer('FUZZ_SEED', kind === 'bounded' ? BOUNDED_SEED : Math.floor(Math.random() * 2 ** 31)),
    runs: integer('FUZZ_RUNS', kind === 'bounded' ? BOUNDED_RUNS : LONG_RUNS),
    path: process.env.FUZZ_PATH || undefined,
    only: process.env.FUZZ_ONLY || undefined,
    pagesPerReader: kind === 'bounded' ? 60 : 150,
    trace: process.env.FUZZ_TRACE === '1',
  };
}
