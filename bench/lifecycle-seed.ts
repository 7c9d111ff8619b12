import type pg from 'pg';
import { hashPassword } from '../app/passwords.ts';
import { createDirectoryClient } from '../directory/client.ts';
import { loadOrganisations } from '../directory/organisations.ts';
import { lockOrganisation } from '../store/organisations.ts';

/**
 * What the benchmark puts straight into the database, where going through the product would only make the
 * set-up slow: organisations (from the directory stand-in's own answers, as an activation records them),
 * active applicants and their memberships, and the instruction queue's 100 000 submitted requests.
 */

export interface Applicant {
  email: string;
  siret: string;
  organisation: string;
}

/** Open, publishable establishments of public-law organisations (legal categories 71xx to 74xx). */
function eligibleHeadOffices(): string[] {
  return loadOrganisations()
    .organisations.filter(
      (organisation) =>
        organisation.state === 'A' &&
        organisation.diffusible !== false &&
        /^7[1-4]/.test(organisation.legalCategory),
    )
    .flatMap((organisation) =>
      organisation.establishments
        .filter((establishment) => establishment.headOffice && establishment.state === 'A')
        .map((establishment) => establishment.siret),
    );
}

/**
 * Every eligible organisation of the data set (the queue spreads over them), and applicants in the first
 * `organisations` of them: the first of each is its main manager, the others applicants ("demandeur").
 */
export async function seedPeople(
  db: pg.Client,
  options: { directoryUrl: string; organisations: number; applicants: number; password: string },
): Promise<{ applicants: Applicant[]; organisations: number }> {
  const sirets = eligibleHeadOffices();
  if (sirets.length < options.organisations)
    throw new Error(`the directory data set has only ${sirets.length} eligible organisations`);
  const directory = createDirectoryClient({ baseUrl: options.directoryUrl, timeoutMs: 5_000, retries: 2 });
  const organisations = new Map<string, { id: string; name: string }>();
  for (const siret of sirets) {
    const facts = await directory.findEstablishment(siret);
    if (!facts) throw new Error(`the directory stand-in does not know ${siret}`);
    // Created as an activation creates it (the store's own function), from the directory's answer.
    const { organisation } = await lockOrganisation(db, facts, new Date());
    organisations.set(siret, { id: organisation.id, name: organisation.name });
  }

  // One hash for everybody: argon2 is deliberately slow.
  const passwordHash = await hashPassword(options.password);
  const applicants: Applicant[] = [];
  for (let index = 0; index < options.applicants; index += 1) {
    const siret = sirets[index % options.organisations]!;
    const organisation = organisations.get(siret)!;
    const mainManager = index < options.organisations;
    const email = `demandeur.${index + 1}.${siret}@bench.sesame.test`;
    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO users (email, given_name, family_name, password_hash, status, activated_at, current_organisation_id)
       VALUES ($1, $2, $3, $4, 'active', now(), $5) RETURNING id`,
      [email, 'Camille', `Demandeur ${index + 1}`, passwordHash, organisation.id],
    );
    await db.query(
      `INSERT INTO memberships (organisation_id, user_id, roles, status, joined_via)
       VALUES ($1, $2, $3, 'active', $4)`,
      [
        organisation.id,
        rows[0]!.id,
        mainManager ? ['gestionnaire_principal', 'demandeur'] : ['demandeur'],
        mainManager ? 'creation' : 'invitation',
      ],
    );
    applicants.push({ email, siret, organisation: organisation.name });
  }
  return { applicants, organisations: organisations.size };
}

/** Project titles of the bulk requests; one in ten has the word the text search looks for. */
const TITLES = [
  'Tarification sociale de la cantine',
  'Pré-remplissage des demandes de subvention',
  'Instruction des marchés publics',
  'Aides économiques aux entreprises du territoire',
  'Bourses scolaires départementales',
  'Facturation électronique des fournisseurs',
  'Transport scolaire et périscolaire',
  'Subventions aux associations sportives',
  'Contrôle des attestations de vigilance',
  'Portail famille et inscriptions',
];
export const SEARCH_WORD = 'cantine';

/**
 * `count` submitted requests (2 % held by support) spread evenly over the organisations, the three definitions
 * and the last 90 days, authored by an organisation's member when it has one, in one INSERT … SELECT.
 */
export async function insertQueue(db: pg.Client, count: number): Promise<void> {
  await db.query(
    `WITH o AS (
       SELECT row_number() OVER (ORDER BY siret) - 1 AS n, id,
              (SELECT m.user_id FROM memberships m WHERE m.organisation_id = organisations.id AND m.status = 'active'
                ORDER BY m.created_at LIMIT 1) AS author_id
         FROM organisations),
     k AS (SELECT count(*) AS total FROM o),
     g AS (
       SELECT i,
              (ARRAY['api-entreprise', 'api-particulier', 'chorus-pro'])[1 + i % 3] AS definition,
              now() - make_interval(secs => (1 - i::float8 / $1) * 90 * 86400) AS submitted_at
         FROM generate_series(0, $1 - 1) AS s (i))
     INSERT INTO access_requests (definition, organisation_id, author_id, state, version, revision, data,
                                  created_at, edited_at, submitted_at)
     SELECT g.definition, o.id, o.author_id,
            CASE WHEN g.i % 50 = 0 THEN 'pending_support' ELSE 'submitted' END, 1, 1,
            jsonb_build_object(
              'project', jsonb_build_object(
                'title', ($2::text[])[1 + (g.i / 3) % cardinality($2::text[])] || ' n° ' || g.i,
                'description', 'Demande créée en masse par le banc d’essai.',
                'serviceUrl', 'https://www.exemple.gouv.fr/demarche-' || g.i),
              'scopes', CASE g.definition
                WHEN 'api-entreprise' THEN '["unites_legales_etablissements"]'::jsonb
                WHEN 'api-particulier' THEN '["quotient_familial"]'::jsonb
                ELSE '["factures_depot"]'::jsonb END),
            g.submitted_at - interval '3 days', g.submitted_at - interval '1 day', g.submitted_at
       FROM g CROSS JOIN k JOIN o ON o.n = (g.i * 7) % k.total`,
    [count, TITLES],
  );
  await db.query('ANALYZE');
}
