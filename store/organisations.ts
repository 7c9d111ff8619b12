import type { DirectoryFacts } from '../domain/directory-facts.ts';
import type { Queryable } from './pool.ts';

export interface Organisation extends DirectoryFacts {
  id: string;
  directoryCheckedAt: Date;
  createdAt: Date;
}

const COLUMNS = `id, siret, siren, name, legal_category, activity, address, active, is_administration,
  directory_checked_at, created_at`;

interface Row {
  id: string;
  siret: string;
  siren: string;
  name: string;
  legal_category: string;
  activity: string | null;
  address: string;
  active: boolean;
  is_administration: boolean | null;
  directory_checked_at: Date;
  created_at: Date;
}

const toOrganisation = (row: Row): Organisation => ({
  id: row.id,
  siret: row.siret,
  siren: row.siren,
  name: row.name,
  legalCategory: row.legal_category,
  activity: row.activity,
  address: row.address,
  active: row.active,
  isAdministration: row.is_administration,
  directoryCheckedAt: row.directory_checked_at,
  createdAt: row.created_at,
});

export async function findOrganisationBySiret(
  db: Queryable,
  siret: string,
): Promise<Organisation | undefined> {
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM organisations WHERE siret = $1`, [siret]);
  return rows[0] && toOrganisation(rows[0]);
}

/**
 * The organisation of a SIRET, created from the directory facts if it does not exist yet, and locked for the
 * rest of the transaction: two activations for the same SIRET decide one after the other.
 */
export async function lockOrganisation(
  tx: Queryable,
  facts: DirectoryFacts,
  checkedAt: Date,
): Promise<{ organisation: Organisation; created: boolean }> {
  const inserted = await tx.query<Row>(
    `INSERT INTO organisations (siret, siren, name, legal_category, activity, address, active, is_administration,
                                directory_checked_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (siret) DO NOTHING
     RETURNING ${COLUMNS}`,
    [
      facts.siret,
      facts.siren,
      facts.name,
      facts.legalCategory,
      facts.activity,
      facts.address,
      facts.active,
      facts.isAdministration,
      checkedAt,
    ],
  );
  if (inserted.rows[0]) return { organisation: toOrganisation(inserted.rows[0]), created: true };
  const { rows } = await tx.query<Row>(`SELECT ${COLUMNS} FROM organisations WHERE siret = $1 FOR UPDATE`, [
    facts.siret,
  ]);
  return { organisation: toOrganisation(rows[0]!), created: false };
}

export async function findOrganisationById(db: Queryable, id: string): Promise<Organisation | undefined> {
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM organisations WHERE id = $1`, [id]);
  return rows[0] && toOrganisation(rows[0]);
}

/** An existing organisation, locked for the rest of the transaction. */
export async function lockOrganisationById(tx: Queryable, id: string): Promise<Organisation | undefined> {
  const { rows } = await tx.query<Row>(`SELECT ${COLUMNS} FROM organisations WHERE id = $1 FOR UPDATE`, [id]);
  return rows[0] && toOrganisation(rows[0]);
}
