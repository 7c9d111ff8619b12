import type { Queryable } from './pool.ts';

/**
 * Per definition, the requests waiting for an instructor's decision (submitted, as the queue counts them). `null`
 * counts every definition.
 */
export async function countSubmittedByDefinition(
  db: Queryable,
  definitions: string[] | null,
): Promise<Map<string, number>> {
  const { rows } = await db.query<{ definition: string; waiting: number }>(
    `SELECT r.definition, count(*)::int AS waiting
       FROM access_requests r
      WHERE r.state = 'submitted' AND r.submitted_at IS NOT NULL
        AND ($1::text[] IS NULL OR r.definition = ANY($1::text[]))
      GROUP BY r.definition`,
    [definitions],
  );
  return new Map(rows.map((row) => [row.definition, row.waiting]));
}
