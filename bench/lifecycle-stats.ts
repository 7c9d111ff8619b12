/** Small statistics helpers for the lifecycle benchmark. */

export const round = (value: number, digits = 1): number => {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
};

/** Nearest-rank percentile of `values` (which need not be sorted); NaN for none. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

export interface Distribution {
  p50: number;
  p95: number;
  mean: number;
  max: number;
  count: number;
}

/** Milliseconds, to a tenth. */
export function distribution(values: number[]): Distribution {
  const mean = values.length === 0 ? NaN : values.reduce((sum, value) => sum + value, 0) / values.length;
  return {
    p50: round(percentile(values, 50)),
    p95: round(percentile(values, 95)),
    mean: round(mean),
    max: round(values.length === 0 ? NaN : Math.max(...values)),
    count: values.length,
  };
}
