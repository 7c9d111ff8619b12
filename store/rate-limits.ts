import type { Queryable } from './pool.ts';

/**
 * Fixed-window counters kept in Postgres so that every web process sees the same count: a limit enforced
 * per process would multiply by the number of replicas.
 */
export interface WindowCount {
  hits: number;
  windowEndsAt: Date;
}

export async function countHit(db: Queryable, key: string, windowMs: number): Promise<WindowCount> {
  const { rows } = await db.query<{ hits: number; window_ends_at: Date }>(
    `INSERT INTO rate_limit_counters AS c (key, hits, window_ends_at)
     VALUES ($1, 1, now() + $2 * interval '1 millisecond')
     ON CONFLICT (key) DO UPDATE SET
       hits = CASE WHEN c.window_ends_at <= now() THEN 1 ELSE c.hits + 1 END,
       window_ends_at = CASE WHEN c.window_ends_at <= now() THEN excluded.window_ends_at ELSE c.window_ends_at END
     RETURNING hits, window_ends_at`,
    [key, windowMs],
  );
  const row = rows[0]!;
  return { hits: row.hits, windowEndsAt: row.window_ends_at };
}

/** The current window's count, or undefined when the key has no open window. */
export async function currentCount(db: Queryable, key: string): Promise<WindowCount | undefined> {
  const { rows } = await db.query<{ hits: number; window_ends_at: Date }>(
    'SELECT hits, window_ends_at FROM rate_limit_counters WHERE key = $1 AND window_ends_at > now()',
    [key],
  );
  const row = rows[0];
  return row && { hits: row.hits, windowEndsAt: row.window_ends_at };
}

export async function clearCount(db: Queryable, key: string): Promise<void> {
  await db.query('DELETE FROM rate_limit_counters WHERE key = $1', [key]);
}

/** Closed windows are useless; removing them keeps the table the size of the current traffic. */
export async function deleteClosedWindows(db: Queryable): Promise<number> {
  const { rowCount } = await db.query('DELETE FROM rate_limit_counters WHERE window_ends_at <= now()');
  return rowCount ?? 0;
}
