import type { Granularity, StatisticsPoint } from '../domain/statistics.ts';

/**
 * The statistics charts, drawn as SVG on the server: no script, no library, readable without CSS. Each chart is
 * an image with a title and a description for screen readers, and the page puts its data in a table right
 * after it. Colours are DSFR's, and each series also differs by its form (bars side by side in a fixed order,
 * the backlog a dashed line with points), so that colour is never the only cue.
 */
export const SERIES_COLOURS = {
  submitted: '#000091',
  validated: '#18753c',
  refused: '#ce0500',
  backlog: '#3a3a3a',
} as const;

const escape = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

const dayMonth = new Intl.DateTimeFormat('fr-FR', { day: 'numeric', month: 'short', timeZone: 'UTC' });
const monthYear = new Intl.DateTimeFormat('fr-FR', { month: 'short', year: 'numeric', timeZone: 'UTC' });
const monthYearLong = new Intl.DateTimeFormat('fr-FR', { month: 'long', year: 'numeric', timeZone: 'UTC' });
const longDay = new Intl.DateTimeFormat('fr-FR', { dateStyle: 'long', timeZone: 'UTC' });

/** A bucket's name, short for the axis or in full for the table. */
export function periodLabel(period: string, granularity: Granularity, full = false): string {
  const date = new Date(`${period}T00:00:00Z`);
  if (granularity === 'month') return (full ? monthYearLong : monthYear).format(date);
  if (granularity === 'week') return full ? `Semaine du ${longDay.format(date)}` : dayMonth.format(date);
  return full ? longDay.format(date) : dayMonth.format(date);
}

/** Round steps for the vertical axis: 1, 2, 5, 10, 20, 50… (counts: never below 1), four of them covering the highest value. */
function axisStep(max: number): number {
  const rough = Math.max(1, max / 4);
  const power = 10 ** Math.floor(Math.log10(rough));
  return [1, 2, 5, 10].map((m) => m * power).find((step) => step >= rough) ?? 10 * power;
}

const WIDTH = 760;
const HEIGHT = 300;
const MARGIN = { top: 16, right: 16, bottom: 44, left: 44 };

export function timeSeriesChart(
  points: StatisticsPoint[],
  granularity: Granularity,
  text: { title: string; description: string },
): string {
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const highest = Math.max(0, ...points.flatMap((p) => [p.submitted, p.validated, p.refused, p.backlog]));
  const step = axisStep(highest);
  const top = Math.max(step * 4, Math.ceil(highest / step) * step);
  const y = (value: number) => MARGIN.top + plotHeight - (value / top) * plotHeight;
  const slot = plotWidth / Math.max(1, points.length);
  const barWidth = Math.max(1, Math.min(14, (slot * 0.8) / 3));
  const x = (index: number) => MARGIN.left + slot * index + slot / 2;
  // At most about twelve labels along the axis, whatever the number of buckets.
  const labelEvery = Math.max(1, Math.ceil(points.length / 12));

  const grid = Array.from({ length: Math.round(top / step) + 1 }, (_, i) => i * step)
    .map(
      (value) =>
        `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${y(value)}" y2="${y(value)}" stroke="#dddddd"/>` +
        `<text x="${MARGIN.left - 6}" y="${y(value) + 4}" text-anchor="end" font-size="12" fill="#3a3a3a">${value}</text>`,
    )
    .join('');
  const bars = points
    .map((point, index) =>
      (['submitted', 'validated', 'refused'] as const)
        .map((series, k) => {
          const value = point[series];
          const left = x(index) + (k - 1.5) * barWidth;
          return value === 0
            ? ''
            : `<rect x="${left.toFixed(1)}" y="${y(value).toFixed(1)}" width="${barWidth.toFixed(1)}" height="${(y(0) - y(value)).toFixed(1)}" fill="${SERIES_COLOURS[series]}"/>`;
        })
        .join(''),
    )
    .join('');
  const line = points
    .map((point, index) => `${x(index).toFixed(1)},${y(point.backlog).toFixed(1)}`)
    .join(' ');
  const dots = points
    .map(
      (point, index) =>
        `<circle cx="${x(index).toFixed(1)}" cy="${y(point.backlog).toFixed(1)}" r="3" fill="${SERIES_COLOURS.backlog}"/>`,
    )
    .join('');
  const labels = points
    .map((point, index) =>
      index % labelEvery === 0
        ? `<text x="${x(index).toFixed(1)}" y="${HEIGHT - MARGIN.bottom + 18}" text-anchor="middle" font-size="12" fill="#3a3a3a">${escape(periodLabel(point.period, granularity))}</text>`
        : '',
    )
    .join('');

  return (
    `<svg class="sesame-chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-labelledby="chart-series-title chart-series-desc" xmlns="http://www.w3.org/2000/svg">` +
    `<title id="chart-series-title">${escape(text.title)}</title><desc id="chart-series-desc">${escape(text.description)}</desc>` +
    grid +
    bars +
    (points.length > 1
      ? `<polyline points="${line}" fill="none" stroke="${SERIES_COLOURS.backlog}" stroke-width="2" stroke-dasharray="6 4"/>`
      : '') +
    dots +
    labels +
    `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${y(0)}" y2="${y(0)}" stroke="#3a3a3a"/>` +
    `</svg>`
  );
}

/** Horizontal bars: the median and the 80th percentile of each measured duration, in days. */
export function durationsChart(
  rows: { label: string; p50Seconds: number | null; p80Seconds: number | null }[],
  text: { title: string; description: string },
): string {
  const rowHeight = 56;
  const left = 200;
  const right = 60;
  const height = rows.length * rowHeight + 24;
  const days = (seconds: number | null) => (seconds ?? 0) / 86_400;
  const highest = Math.max(0.1, ...rows.flatMap((row) => [days(row.p50Seconds), days(row.p80Seconds)]));
  const scale = (WIDTH - left - right) / highest;
  const format = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 1 });
  const bars = rows
    .map((row, i) => {
      const top = 12 + i * rowHeight;
      const bar = (seconds: number | null, offset: number, colour: string, name: string) =>
        seconds === null
          ? `<text x="${left}" y="${top + offset + 12}" font-size="12" fill="#3a3a3a">${name} : pas de donnée</text>`
          : `<rect x="${left}" y="${top + offset}" width="${Math.max(1, days(seconds) * scale).toFixed(1)}" height="16" fill="${colour}"/>` +
            `<text x="${(left + Math.max(1, days(seconds) * scale) + 6).toFixed(1)}" y="${top + offset + 12}" font-size="12" fill="#3a3a3a">${name} ${format.format(days(seconds))} j</text>`;
      return (
        `<text x="${left - 8}" y="${top + 20}" text-anchor="end" font-size="13" fill="#161616">${escape(row.label)}</text>` +
        bar(row.p50Seconds, 0, SERIES_COLOURS.submitted, 'médiane') +
        bar(row.p80Seconds, 20, '#6a6af4', '80 %')
      );
    })
    .join('');
  return (
    `<svg class="sesame-chart" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-labelledby="chart-durations-title chart-durations-desc" xmlns="http://www.w3.org/2000/svg">` +
    `<title id="chart-durations-title">${escape(text.title)}</title><desc id="chart-durations-desc">${escape(text.description)}</desc>` +
    bars +
    `</svg>`
  );
}
