import { z } from 'zod';
import { pageNumber, searchText } from '../domain/list-queries.ts';
import { textInput } from '../domain/text-input.ts';
import {
  searchHabilitations,
  searchOrganisations,
  searchUsers,
  type AdminHabilitationRow,
  type AdminOrganisationRow,
  type AdminUserRow,
  type Paged,
} from '../store/admin-directory.ts';
import type { User } from '../store/users.ts';
import { requireStaffRole } from './authorization.ts';
import type { AppDeps } from './deps.ts';
import { parseInput } from './validation.ts';

/** Lists are paged: an admin searches rather than scrolls through thousands of rows. */
export const ADMIN_PAGE_SIZE = 25;

const search = searchText({ required: 'Saisissez la recherche sous forme de texte.' }).optional();

export const adminSearchSchema = z.object({ q: search, page: pageNumber });

export const adminHabilitationSearchSchema = adminSearchSchema.extend({
  definition: textInput({ required: 'Identifiant d’API attendu.' })
    .trim()
    .max(64, 'Identifiant d’API trop long.')
    .optional(),
  status: z
    // '' is the form's "every state".
    .enum(['active', 'superseded', 'revoked', ''], { error: 'État inconnu : active, superseded ou revoked.' })
    .optional(),
});

export interface AdminPage<T> extends Paged<T> {
  page: number;
  pageSize: number;
}

const paged = <T>(result: Paged<T>, page: number): AdminPage<T> => ({
  ...result,
  page,
  pageSize: ADMIN_PAGE_SIZE,
});

/** Every account of the platform, by name or email: state, organisations and staff roles (platform admins). */
export async function searchUserAccounts(
  deps: AppDeps,
  actor: User,
  input: unknown,
): Promise<AdminPage<AdminUserRow>> {
  requireStaffRole(actor, 'admin');
  const query = parseInput(adminSearchSchema, input);
  return paged(await searchUsers(deps.db, { ...query, pageSize: ADMIN_PAGE_SIZE }), query.page);
}

/** Every organisation, by name or SIRET, with its members and requests counted (platform admins). */
export async function searchAllOrganisations(
  deps: AppDeps,
  actor: User,
  input: unknown,
): Promise<AdminPage<AdminOrganisationRow>> {
  requireStaffRole(actor, 'admin');
  const query = parseInput(adminSearchSchema, input);
  return paged(await searchOrganisations(deps.db, { ...query, pageSize: ADMIN_PAGE_SIZE }), query.page);
}

/** Every habilitation, by organisation (name or SIRET), API and state (platform admins). */
export async function searchAllHabilitations(
  deps: AppDeps,
  actor: User,
  input: unknown,
): Promise<AdminPage<AdminHabilitationRow>> {
  requireStaffRole(actor, 'admin');
  const query = parseInput(adminHabilitationSearchSchema, input);
  return paged(
    await searchHabilitations(deps.db, {
      ...query,
      status: query.status || undefined,
      pageSize: ADMIN_PAGE_SIZE,
    }),
    query.page,
  );
}
