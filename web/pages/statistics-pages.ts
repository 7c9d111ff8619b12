import { Router } from 'express';
import type { AppDeps } from '../../app/deps.ts';
import { theApi } from '../../domain/api-name.ts';
import { formatElapsed, formatPercent } from '../../domain/french-format.ts';
import {
  parisToday,
  PRESET_LABELS,
  PRESETS,
  presetRange,
  type DurationPercentiles,
  type Preset,
  type RequestStatistics,
} from '../../domain/statistics.ts';
import { fieldErrorsOf } from '../forms.ts';
import { durationsChart, periodLabel, timeSeriesChart } from '../statistics-chart.ts';

const GRANULARITY_LABELS = { day: 'par jour', week: 'par semaine', month: 'par mois' } as const;

const single = (value: unknown) => (typeof value === 'string' ? value : undefined);

/** The page's query: a preset (`periode`), or two dates (`du`, `au`) when `periode=personnalisee`. */
function periodAsked(query: Record<string, unknown>, today: string) {
  const preset = single(query.periode);
  if (preset === 'personnalisee') {
    return { preset, from: single(query.du) ?? '', to: single(query.au) ?? '' };
  }
  const chosen: Preset = PRESETS.includes(preset as Preset) ? (preset as Preset) : '3m';
  return { preset: chosen, ...presetRange(chosen, today) };
}

function durationRow(label: string, measure: DurationPercentiles) {
  return {
    label,
    count: measure.count,
    p50: measure.p50Seconds === null ? '—' : formatElapsed(measure.p50Seconds),
    p80: measure.p80Seconds === null ? '—' : formatElapsed(measure.p80Seconds),
  };
}

function present(stats: RequestStatistics, apiName: string | undefined) {
  const scope = apiName ? `pour ${theApi(apiName)}` : 'pour toutes les API';
  const durations = [
    ['Dépôt (de la création à la première soumission)', stats.timeToSubmission],
    ['Première instruction (décision ou demande de modifications)', stats.timeToFirstInstruction],
    ['Décision (validation ou refus)', stats.timeToDecision],
  ] as const;
  const totals = stats.series.reduce(
    (sum, point) => ({
      submitted: sum.submitted + point.submitted,
      validated: sum.validated + point.validated,
      refused: sum.refused + point.refused,
    }),
    { submitted: 0, validated: 0, refused: 0 },
  );
  return {
    figures: [
      { label: 'Demandes soumises', value: stats.submitted },
      { label: 'Réouvertures soumises', value: stats.reopenedSubmitted },
      { label: 'Demandes validées', value: stats.validated },
      { label: 'Demandes refusées', value: stats.refused },
      {
        label: 'Taux d’acceptation',
        value: stats.acceptanceRate === null ? '—' : formatPercent(stats.acceptanceRate),
      },
    ],
    durations: durations.map(([label, measure]) => durationRow(label, measure)),
    durationsChart: durationsChart(
      durations.map(([label, measure]) => ({ label: label.split(' (')[0]!, ...measure })),
      {
        title: `Délais médians et à 80 %, en jours, ${scope}`,
        description: durations
          .map(([label, measure]) => {
            const row = durationRow(label, measure);
            return `${label} : médiane ${row.p50}, 80 % des demandes en ${row.p80}.`;
          })
          .join(' '),
      },
    ),
    granularity: GRANULARITY_LABELS[stats.granularity],
    seriesChart: timeSeriesChart(stats.series, stats.granularity, {
      title: `Demandes soumises, validées et refusées ${GRANULARITY_LABELS[stats.granularity]}, et demandes en attente d’instruction, ${scope}`,
      description:
        `Sur la période : ${totals.submitted} demandes soumises (réouvertures comprises), ${totals.validated} validées, ` +
        `${totals.refused} refusées ; ${stats.series.at(-1)?.backlog ?? 0} en attente d’instruction à la fin de la période. ` +
        'Le détail figure dans le tableau qui suit.',
    }),
    series: stats.series.map((point) => ({
      ...point,
      label: periodLabel(point.period, stats.granularity, true),
    })),
  };
}

export function statisticsPages(deps: AppDeps): Router {
  const router = Router();
  router.get('/statistiques', async (req, res) => {
    const query = req.query as Record<string, unknown>;
    const asked = periodAsked(query, parisToday());
    const definition = single(query.api) || undefined;
    const definitions = deps.definitions.list().map((d) => ({
      slug: d.slug,
      name: d.name,
      selected: d.slug === definition,
    }));
    const view = {
      title: 'Statistiques',
      presets: [
        ...PRESETS.map((value) => ({ value, label: PRESET_LABELS[value], checked: asked.preset === value })),
        { value: 'personnalisee', label: 'Autre période', checked: asked.preset === 'personnalisee' },
      ],
      values: { du: asked.from, au: asked.to },
      definitions,
    };
    try {
      const stats = await deps.statistics.forPeriod({ from: asked.from, to: asked.to, definition });
      const apiName = definitions.find((d) => d.selected)?.name;
      res.render('statistiques', {
        ...view,
        period: { from: stats.from, to: stats.to },
        ...present(stats, apiName),
      });
    } catch (error) {
      const errors = fieldErrorsOf(error);
      if (!errors) throw error;
      // The form's own names, so that each message sits under its field.
      const named = { du: errors.from, au: errors.to, api: errors.definition };
      res.status(422).render('statistiques', {
        ...view,
        errors: named,
        errorCount: Object.values(named).filter(Boolean).length,
      });
    }
  });
  return router;
}
