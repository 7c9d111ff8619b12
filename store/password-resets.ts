import type { Queryable } from './pool.ts';

export async function insertPasswordReset(
  tx: Queryable,
  reset: { tokenHash: string; userId: string; expiresAt: Date },
): Promise<void> {
  await tx.query('INSERT INTO password_resets (token_hash, user_id, expires_at) VALUES ($1, $2, $3)', [
    reset.tokenHash,
    reset.userId,
    reset.expiresAt,
  ]);
}

export type ResetLinkState = 'valid' | 'used' | 'expired' | 'unknown';

export async function resetLinkState(db: Queryable, tokenHash: string): Promise<ResetLinkState> {
  const { rows } = await db.query<{ used: boolean; expired: boolean }>(
    'SELECT used_at IS NOT NULL AS used, expires_at <= now() AS expired FROM password_resets WHERE token_hash = $1',
    [tokenHash],
  );
  const row = rows[0];
  if (!row) return 'unknown';
  if (row.used) return 'used';
  return row.expired ? 'expired' : 'valid';
}

/**
 * Uses a valid reset link, once: returns its user, or undefined when it is unknown, used or expired. Every
 * other link of that user dies with it.
 */
export async function consumePasswordReset(tx: Queryable, tokenHash: string): Promise<string | undefined> {
  const { rows } = await tx.query<{ user_id: string }>(
    `UPDATE password_resets SET used_at = now()
      WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now()
      RETURNING user_id`,
    [tokenHash],
  );
  const userId = rows[0]?.user_id;
  if (userId !== undefined) {
    await tx.query('UPDATE password_resets SET used_at = now() WHERE user_id = $1 AND used_at IS NULL', [
      userId,
    ]);
  }
  return userId;
}

/** Links expired or used more than a day ago are of no use to anyone. */
export async function deleteSpentPasswordResets(db: Queryable): Promise<number> {
  const { rowCount } = await db.query(
    `DELETE FROM password_resets WHERE coalesce(used_at, expires_at) < now() - interval '1 day'`,
  );
  return rowCount ?? 0;
}
