import type { Queryable } from './pool.ts';

/**
 * Per definition, the requests waiting for an instructor's decision: submitted ones (those held for support wait
 * on support, not on the instructor, though the queue lists them too). `null` counts every definition.
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

/** The reason given with the latest request for changes of each of these requests (those that have one). */
export async function latestChangeReasons(db: Queryable, requestIds: string[]): Promise<Map<string, string>> {
  if (requestIds.length === 0) return new Map();
  const { rows } = await db.query<{ request_id: string; body: string }>(
    `SELECT DISTINCT ON (e.request_id) e.request_id, t.body
       FROM request_events e JOIN request_texts t ON t.id = e.text_id
      WHERE e.request_id = ANY($1::uuid[]) AND e.type = 'request_changes'
      ORDER BY e.request_id, e.occurred_at DESC, e.id DESC`,
    [requestIds],
  );
  return new Map(rows.map((row) => [row.request_id, row.body]));
}
