import type { Queryable } from './pool.ts';

/**
 * Sessions not yet expired (the table is connect-pg-simple's, written by http/session.ts; expired rows linger
 * until its periodic prune). Counted over the expiry index.
 */
export async function countLiveSessions(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ count: number }>(
    'SELECT count(*)::int AS count FROM sessions WHERE expire > now()',
  );
  return rows[0]!.count;
}
