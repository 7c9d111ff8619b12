import { z } from 'zod';
import type { AppDeps } from '../app/deps.ts';
import { statisticsQuerySchema } from '../domain/statistics.ts';
import { ACCESS } from './access-policies.ts';
import { defineRoute } from './route.ts';
import { errorSchema } from './schemas.ts';

const percentilesSchema = z.object({
  count: z.number().int().meta({ description: 'Requests measured (durations under a minute are left out).' }),
  p50Seconds: z.number().int().nullable(),
  p80Seconds: z.number().int().nullable(),
});

const statisticsSchema = z
  .object({
    from: z.string().meta({ description: 'First day of the period (Europe/Paris), YYYY-MM-DD.' }),
    to: z.string().meta({ description: 'Last day of the period, included.' }),
    granularity: z.enum(['day', 'week', 'month']),
    definition: z.string().nullable(),
    submitted: z.number().int().meta({ description: 'First submissions of new requests.' }),
    reopenedSubmitted: z.number().int().meta({ description: 'First submissions of reopened habilitations.' }),
    validated: z.number().int(),
    refused: z.number().int(),
    acceptanceRate: z.number().nullable().meta({ description: 'validated / (validated + refused).' }),
    timeToSubmission: percentilesSchema,
    timeToFirstInstruction: percentilesSchema,
    timeToDecision: percentilesSchema,
    series: z.array(
      z.object({
        period: z.string(),
        submitted: z.number().int(),
        validated: z.number().int(),
        refused: z.number().int(),
        backlog: z
          .number()
          .int()
          .meta({ description: 'Waiting for an instructor at the end of the bucket.' }),
      }),
    ),
  })
  .meta({ id: 'Statistics' });

export function statisticsRoutes(deps: AppDeps) {
  return [
    defineRoute({
      method: 'get',
      path: '/stats',
      summary: 'Public statistics of access requests',
      description:
        'Open to everyone, as the /statistiques page. Without `from` and `to`, the last 3 months. The series is ' +
        'by day up to 62 days, by week up to 200, by month beyond. Answers are cached about five minutes.',
      tags: ['Statistics'],
      auth: 'public',
      access: ACCESS.everyone,
      query: statisticsQuerySchema,
      responses: {
        200: { description: 'The period’s figures.', schema: statisticsSchema },
        422: {
          description:
            'A malformed date, a period that ends before it starts or spans more than five years, an unknown API.',
          schema: errorSchema,
        },
      },
      handler: async ({ query }) => ({ status: 200, body: await deps.statistics.forPeriod(query) }),
    }),
  ];
}
