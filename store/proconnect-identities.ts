import type { Queryable } from './pool.ts';

export interface ProConnectIdentity {
  userId: string;
  subject: string;
  idpId: string | null;
}

/** The account a ProConnect subject signed in to before (`forUpdate`: locked for the caller's transaction). */
export async function findIdentityBySubject(
  db: Queryable,
  subject: string,
  options: { forUpdate?: boolean } = {},
): Promise<ProConnectIdentity | undefined> {
  const { rows } = await db.query<{ user_id: string; subject: string; idp_id: string | null }>(
    `SELECT user_id, subject, idp_id FROM proconnect_identities WHERE subject = $1${options.forUpdate ? ' FOR UPDATE' : ''}`,
    [subject],
  );
  const row = rows[0];
  return row && { userId: row.user_id, subject: row.subject, idpId: row.idp_id };
}

/** Whether an account already has a ProConnect identity (its own or another subject's). */
export async function hasIdentity(db: Queryable, userId: string): Promise<boolean> {
  const { rows } = await db.query('SELECT 1 FROM proconnect_identities WHERE user_id = $1', [userId]);
  return rows.length > 0;
}

/**
 * Ties a subject to an account. False when either already has another tie (a concurrent sign-in won): the
 * caller answers as for a sign-in that must start again, and nothing is half-written.
 */
export async function insertIdentity(
  tx: Queryable,
  identity: ProConnectIdentity & { linkedVia: 'creation' | 'password' },
): Promise<boolean> {
  const { rowCount } = await tx.query(
    `INSERT INTO proconnect_identities (user_id, subject, idp_id, linked_via) VALUES ($1, $2, $3, $4)
     ON CONFLICT DO NOTHING`,
    [identity.userId, identity.subject, identity.idpId, identity.linkedVia],
  );
  return rowCount === 1;
}

export async function recordIdentitySignIn(
  tx: Queryable,
  subject: string,
  idpId: string | null,
): Promise<void> {
  await tx.query('UPDATE proconnect_identities SET idp_id = $2, last_sign_in_at = now() WHERE subject = $1', [
    subject,
    idpId,
  ]);
}
