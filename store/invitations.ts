import type { GrantableRole } from '../domain/role-rules.ts';
import type { Queryable } from './pool.ts';

/** An invitation code as the list shows it: never the code, only its last characters. */
export interface InvitationCode {
  id: string;
  organisationId: string;
  lastCharacters: string;
  roles: GrantableRole[];
  createdAt: Date;
  expiresAt: Date;
  createdBy: PersonRef | null;
  usedBy: PersonRef | null;
  usedAt: Date | null;
  deactivatedAt: Date | null;
}

export interface PersonRef {
  id: string;
  givenName: string;
  familyName: string;
  email: string;
}

const SELECT = `
  SELECT c.id, c.organisation_id, c.last_characters, c.roles, c.created_at, c.expires_at, c.used_at, c.deactivated_at,
         creator.id AS creator_id, creator.given_name AS creator_given_name,
         creator.family_name AS creator_family_name, creator.email AS creator_email,
         member.id AS member_id, member.given_name AS member_given_name,
         member.family_name AS member_family_name, member.email AS member_email
    FROM invitation_codes c
    LEFT JOIN users creator ON creator.id = c.created_by
    LEFT JOIN users member ON member.id = c.used_by`;

interface Row {
  id: string;
  organisation_id: string;
  last_characters: string;
  roles: GrantableRole[];
  created_at: Date;
  expires_at: Date;
  used_at: Date | null;
  deactivated_at: Date | null;
  creator_id: string | null;
  creator_given_name: string | null;
  creator_family_name: string | null;
  creator_email: string | null;
  member_id: string | null;
  member_given_name: string | null;
  member_family_name: string | null;
  member_email: string | null;
}

const person = (
  id: string | null,
  givenName: string | null,
  familyName: string | null,
  email: string | null,
) =>
  id === null ? null : { id, givenName: givenName ?? '', familyName: familyName ?? '', email: email ?? '' };

const toInvitationCode = (row: Row): InvitationCode => ({
  id: row.id,
  organisationId: row.organisation_id,
  lastCharacters: row.last_characters,
  roles: row.roles,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
  createdBy: person(row.creator_id, row.creator_given_name, row.creator_family_name, row.creator_email),
  usedBy: person(row.member_id, row.member_given_name, row.member_family_name, row.member_email),
  usedAt: row.used_at,
  deactivatedAt: row.deactivated_at,
});

export async function insertInvitationCodes(
  tx: Queryable,
  batch: {
    organisationId: string;
    createdBy: string;
    roles: GrantableRole[];
    expiresAt: Date;
    codes: { hash: string; lastCharacters: string }[];
  },
): Promise<{ id: string; expiresAt: Date }[]> {
  const { rows } = await tx.query<{ id: string; expires_at: Date; code_hash: string }>(
    `INSERT INTO invitation_codes (organisation_id, created_by, roles, expires_at, code_hash, last_characters)
     SELECT $1, $2, $3, $4, code.hash, code.last_characters
       FROM unnest($5::text[], $6::text[]) AS code (hash, last_characters)
     RETURNING id, expires_at, code_hash`,
    [
      batch.organisationId,
      batch.createdBy,
      batch.roles,
      batch.expiresAt,
      batch.codes.map((code) => code.hash),
      batch.codes.map((code) => code.lastCharacters),
    ],
  );
  // RETURNING does not promise the input's order: match the rows back to the codes by hash.
  const byHash = new Map(rows.map((row) => [row.code_hash, row] as const));
  return batch.codes.map((code) => {
    const row = byHash.get(code.hash)!;
    return { id: row.id, expiresAt: row.expires_at };
  });
}

/** Every code of an organisation, newest first. */
export async function listInvitationCodes(db: Queryable, organisationId: string): Promise<InvitationCode[]> {
  const { rows } = await db.query<Row>(
    `${SELECT} WHERE c.organisation_id = $1 ORDER BY c.created_at DESC, c.id`,
    [organisationId],
  );
  return rows.map(toInvitationCode);
}

/** One code of an organisation; a code of another organisation is not found. */
export async function findInvitationCode(
  db: Queryable,
  organisationId: string,
  id: string,
): Promise<InvitationCode | undefined> {
  const { rows } = await db.query<Row>(`${SELECT} WHERE c.organisation_id = $1 AND c.id = $2`, [
    organisationId,
    id,
  ]);
  return rows[0] && toInvitationCode(rows[0]);
}

/**
 * Deactivates a code of the organisation unless it was used. Locked first, so that a deactivation racing a
 * redemption ends one way or the other, never both.
 */
export async function deactivateInvitationCode(
  tx: Queryable,
  input: { organisationId: string; id: string; by: string },
): Promise<'deactivated' | 'already_deactivated' | 'used' | 'not_found'> {
  const { rows } = await tx.query<{ used_at: Date | null; deactivated_at: Date | null }>(
    'SELECT used_at, deactivated_at FROM invitation_codes WHERE organisation_id = $1 AND id = $2 FOR UPDATE',
    [input.organisationId, input.id],
  );
  const code = rows[0];
  if (!code) return 'not_found';
  if (code.used_at) return 'used';
  if (code.deactivated_at) return 'already_deactivated';
  await tx.query(`UPDATE invitation_codes SET deactivated_at = now(), deactivated_by = $2 WHERE id = $1`, [
    input.id,
    input.by,
  ]);
  return 'deactivated';
}

export interface ClaimedInvitation {
  id: string;
  organisationId: string;
  roles: GrantableRole[];
  createdBy: string | null;
  createdAt: Date;
}

/**
 * Marks a valid code as used by `userId`, in one conditional UPDATE: among concurrent claims of one code, the
 * first takes the row lock and the others, re-checking `used_at IS NULL` once it commits, claim nothing.
 */
export async function claimInvitationCode(
  tx: Queryable,
  codeHash: string,
  userId: string,
): Promise<ClaimedInvitation | undefined> {
  const { rows } = await tx.query<{
    id: string;
    organisation_id: string;
    roles: GrantableRole[];
    created_by: string | null;
    created_at: Date;
  }>(
    `UPDATE invitation_codes SET used_at = now(), used_by = $2
      WHERE code_hash = $1 AND used_at IS NULL AND deactivated_at IS NULL AND expires_at > now()
      RETURNING id, organisation_id, roles, created_by, created_at`,
    [codeHash, userId],
  );
  const row = rows[0];
  return (
    row && {
      id: row.id,
      organisationId: row.organisation_id,
      roles: row.roles,
      createdBy: row.created_by,
      createdAt: row.created_at,
    }
  );
}

/** What became of a code that could not be claimed (undefined: no such code), with the database's clock. */
export async function findInvitationCodeState(
  db: Queryable,
  codeHash: string,
): Promise<{ usedAt: Date | null; deactivatedAt: Date | null; expiresAt: Date; now: Date } | undefined> {
  const { rows } = await db.query<{
    used_at: Date | null;
    deactivated_at: Date | null;
    expires_at: Date;
    now: Date;
  }>('SELECT used_at, deactivated_at, expires_at, now() AS now FROM invitation_codes WHERE code_hash = $1', [
    codeHash,
  ]);
  const row = rows[0];
  return (
    row && { usedAt: row.used_at, deactivatedAt: row.deactivated_at, expiresAt: row.expires_at, now: row.now }
  );
}
