import {
  SHORTEST_COUNTED_SECONDS,
  type DurationPercentiles,
  type Granularity,
  type StatisticsPoint,
} from '../domain/statistics.ts';
import type { Queryable } from './pool.ts';

/**
 * Statistics are computed from the request events, the one record of every transition with its time. A
 * request's revision is followed from its first submission (the `submit` events of that revision) to its first
 * instruction (`approve`, `refuse` or `request_changes`) and its decision (`approve` or `refuse`). Periods are
 * French days: `$1` and `$2` are the first and last day, `[$1 00:00, $2 + 1 day 00:00)` in Europe/Paris.
 */
const MILESTONES = `
  events AS (
    SELECT e.request_id, e.revision, e.type, e.occurred_at, r.created_at
    FROM request_events e JOIN access_requests r ON r.id = e.request_id
    WHERE e.type IN ('submit', 'approve', 'refuse', 'request_changes')
      AND ($3::text IS NULL OR r.definition = $3)
  ),
  submissions AS (
    SELECT request_id, revision, min(occurred_at) AS at, min(created_at) AS created_at
    FROM events WHERE type = 'submit' GROUP BY request_id, revision
  ),
  instructions AS (
    SELECT request_id, revision, min(occurred_at) AS at
    FROM events WHERE type IN ('approve', 'refuse', 'request_changes') GROUP BY request_id, revision
  ),
  decisions AS (
    SELECT DISTINCT ON (request_id, revision) request_id, revision, type, occurred_at AS at
    FROM events WHERE type IN ('approve', 'refuse') ORDER BY request_id, revision, occurred_at
  )`;

const PERIOD = `
  period AS (
    SELECT ($1::date)::timestamp AT TIME ZONE 'Europe/Paris' AS starts,
           ($2::date + 1)::timestamp AT TIME ZONE 'Europe/Paris' AS ends
  )`;

interface SummaryRow {
  submitted: number;
  reopened_submitted: number;
  validated: number;
  refused: number;
  submission_count: number;
  submission_p50: number | null;
  submission_p80: number | null;
  instruction_count: number;
  instruction_p50: number | null;
  instruction_p80: number | null;
  decision_count: number;
  decision_p50: number | null;
  decision_p80: number | null;
}

const percentiles = (name: string, seconds: string) => `
  count(*) FILTER (WHERE ${seconds} >= ${SHORTEST_COUNTED_SECONDS})::int AS ${name}_count,
  percentile_cont(0.5) WITHIN GROUP (ORDER BY ${seconds}) FILTER (WHERE ${seconds} >= ${SHORTEST_COUNTED_SECONDS}) AS ${name}_p50,
  percentile_cont(0.8) WITHIN GROUP (ORDER BY ${seconds}) FILTER (WHERE ${seconds} >= ${SHORTEST_COUNTED_SECONDS}) AS ${name}_p80`;

export interface StatisticsSummary {
  submitted: number;
  reopenedSubmitted: number;
  validated: number;
  refused: number;
  timeToSubmission: DurationPercentiles;
  timeToFirstInstruction: DurationPercentiles;
  timeToDecision: DurationPercentiles;
}

export async function summarise(
  db: Queryable,
  range: { from: string; to: string; definition: string | null },
): Promise<StatisticsSummary> {
  const { rows } = await db.query<SummaryRow>(
    `WITH ${MILESTONES}, ${PERIOD},
     counted_submissions AS (
       SELECT s.revision, extract(epoch FROM s.at - s.created_at) AS seconds
       FROM submissions s, period p WHERE s.at >= p.starts AND s.at < p.ends
     ),
     counted_instructions AS (
       SELECT extract(epoch FROM i.at - s.at) AS seconds
       FROM instructions i JOIN submissions s USING (request_id, revision), period p
       WHERE i.at >= p.starts AND i.at < p.ends
     ),
     counted_decisions AS (
       SELECT d.type, extract(epoch FROM d.at - s.at) AS seconds
       FROM decisions d JOIN submissions s USING (request_id, revision), period p
       WHERE d.at >= p.starts AND d.at < p.ends
     )
     SELECT
       (SELECT count(*) FILTER (WHERE revision = 1)::int FROM counted_submissions) AS submitted,
       (SELECT count(*) FILTER (WHERE revision > 1)::int FROM counted_submissions) AS reopened_submitted,
       (SELECT count(*) FILTER (WHERE type = 'approve')::int FROM counted_decisions) AS validated,
       (SELECT count(*) FILTER (WHERE type = 'refuse')::int FROM counted_decisions) AS refused,
       submission.*, instruction.*, decision.*
     FROM
       (SELECT ${percentiles('submission', 'seconds')} FROM counted_submissions WHERE revision = 1) submission,
       (SELECT ${percentiles('instruction', 'seconds')} FROM counted_instructions) instruction,
       (SELECT ${percentiles('decision', 'seconds')} FROM counted_decisions) decision`,
    [range.from, range.to, range.definition],
  );
  const row = rows[0]!;
  const measure = (count: number, p50: number | null, p80: number | null): DurationPercentiles => ({
    count,
    p50Seconds: p50 === null ? null : Math.round(p50),
    p80Seconds: p80 === null ? null : Math.round(p80),
  });
  return {
    submitted: row.submitted,
    reopenedSubmitted: row.reopened_submitted,
    validated: row.validated,
    refused: row.refused,
    timeToSubmission: measure(row.submission_count, row.submission_p50, row.submission_p80),
    timeToFirstInstruction: measure(row.instruction_count, row.instruction_p50, row.instruction_p80),
    timeToDecision: measure(row.decision_count, row.decision_p50, row.decision_p80),
  };
}

/**
 * One point per day, week or month of the period: submissions (new and reopened), decisions, and the backlog at
 * the bucket's end — the requests whose last transition by then left them with the instructors.
 */
export async function series(
  db: Queryable,
  range: { from: string; to: string; definition: string | null; granularity: Granularity },
): Promise<StatisticsPoint[]> {
  const { rows } = await db.query<StatisticsPoint>(
    `WITH ${MILESTONES}, ${PERIOD},
     buckets AS (
       SELECT greatest(local, ($1::date)::timestamp) AS local_start,
              greatest(local, ($1::date)::timestamp) AT TIME ZONE 'Europe/Paris' AS starts,
              least(local + ('1 ' || $4)::interval, ($2::date + 1)::timestamp) AT TIME ZONE 'Europe/Paris' AS ends
       FROM generate_series(date_trunc($4, ($1::date)::timestamp), ($2::date)::timestamp, ('1 ' || $4)::interval) AS local
     ),
     transitions AS (
       SELECT e.to_state, e.occurred_at AS since,
              lead(e.occurred_at) OVER (PARTITION BY e.request_id ORDER BY e.id) AS until
       FROM request_events e JOIN access_requests r ON r.id = e.request_id
       WHERE e.to_state IS NOT NULL AND ($3::text IS NULL OR r.definition = $3)
     )
     SELECT to_char(b.local_start, 'YYYY-MM-DD') AS period,
       (SELECT count(*) FROM submissions s WHERE s.at >= b.starts AND s.at < b.ends)::int AS submitted,
       (SELECT count(*) FROM decisions d WHERE d.type = 'approve' AND d.at >= b.starts AND d.at < b.ends)::int AS validated,
       (SELECT count(*) FROM decisions d WHERE d.type = 'refuse' AND d.at >= b.starts AND d.at < b.ends)::int AS refused,
       (SELECT count(*) FROM transitions t
         WHERE t.to_state IN ('submitted', 'pending_support') AND t.since < b.ends
           AND (t.until IS NULL OR t.until >= b.ends))::int AS backlog
     FROM buckets b ORDER BY b.starts`,
    [range.from, range.to, range.definition, range.granularity],
  );
  return rows;
}

/** Per definition, the median time from a revision's first submission to its decision, over decisions since `since`. */
export async function medianDecisionSeconds(db: Queryable, since: Date): Promise<Map<string, number>> {
  const { rows } = await db.query<{ definition: string; median: number }>(
    `WITH submissions AS (
       SELECT e.request_id, e.revision, min(e.occurred_at) AS at
       FROM request_events e WHERE e.type = 'submit' GROUP BY e.request_id, e.revision
     ),
     decisions AS (
       SELECT e.request_id, e.revision, min(e.occurred_at) AS at
       FROM request_events e WHERE e.type IN ('approve', 'refuse') AND e.occurred_at >= $1
       GROUP BY e.request_id, e.revision
     )
     SELECT r.definition, percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM d.at - s.at)) AS median
     FROM decisions d JOIN submissions s USING (request_id, revision) JOIN access_requests r ON r.id = d.request_id
     WHERE extract(epoch FROM d.at - s.at) >= ${SHORTEST_COUNTED_SECONDS}
     GROUP BY r.definition`,
    [since],
  );
  return new Map(rows.map((row) => [row.definition, Math.round(row.median)]));
}
