import { z } from 'zod';
import { notFound } from '../domain/errors.ts';
import { eligibilityOf, legalCategoryLabel, type Eligibility } from '../domain/eligibility.ts';
import { siretSchema } from './account-schemas.ts';
import { findMembership, listUserMemberships, type UserMembership } from '../store/memberships.ts';
import { findOrganisationBySiret, type Organisation } from '../store/organisations.ts';
import { hasSubmittedRequest } from '../store/requests.ts';
import { definitionsOfStaff, hasStaffRole } from '../domain/roles.ts';
import { setCurrentOrganisation, type User } from '../store/users.ts';
import type { AppDeps } from './deps.ts';
import { parseInput } from './validation.ts';

export interface MyOrganisations {
  memberships: (UserMembership & { current: boolean })[];
  currentOrganisation: UserMembership['organisation'] | null;
}

/** The person's organisations with roles and status, and the one they currently act for. */
export async function listMyOrganisations(deps: AppDeps, actor: User): Promise<MyOrganisations> {
  const memberships = await listUserMemberships(deps.db, actor.id);
  const current = memberships.find(
    (membership) =>
      membership.status === 'active' && membership.organisation.id === actor.currentOrganisationId,
  );
  return {
    memberships: memberships.map((membership) => ({ ...membership, current: membership === current })),
    currentOrganisation: current?.organisation ?? null,
  };
}

export const switchOrganisationSchema = z.object({ siret: siretSchema });

/** Acting for another organisation: only one where the person is an active member. */
export async function switchCurrentOrganisation(
  deps: AppDeps,
  actor: User,
  input: unknown,
): Promise<UserMembership['organisation']> {
  const { siret } = parseInput(switchOrganisationSchema, input);
  const membership = (await listUserMemberships(deps.db, actor.id)).find(
    (candidate) => candidate.organisation.siret === siret && candidate.status === 'active',
  );
  if (!membership) throw notFound();
  await setCurrentOrganisation(deps.db, actor.id, membership.organisation.id);
  return membership.organisation;
}

export interface OrganisationView {
  organisation: Organisation;
  legalCategoryLabel: string;
  eligibility: Eligibility;
  membership: { roles: string[]; status: string } | null;
}

/**
 * An organisation's directory facts and eligibility, for its members and for the platform staff whose work it is;
 * to anyone else it does not exist.
 */
export async function viewOrganisation(deps: AppDeps, actor: User, siret: string): Promise<OrganisationView> {
  const organisation = await findOrganisationBySiret(deps.db, siret);
  if (!organisation) throw notFound();
  const membership = await findMembership(deps.db, organisation.id, actor.id);
  if (membership?.status !== 'active' && !(await staffWorksOn(deps, actor, organisation))) throw notFound();
  return {
    organisation,
    legalCategoryLabel: legalCategoryLabel(organisation.legalCategory),
    eligibility: eligibilityOf(organisation),
    membership: membership ? { roles: membership.roles, status: membership.status } : null,
  };
}

/**
 * Support and platform admins look at any organisation; instructors and reporters at those that submitted a request
 * of their definitions — the ones whose requests they see. An instructor of another API has no business there.
 */
async function staffWorksOn(deps: AppDeps, actor: User, organisation: Organisation): Promise<boolean> {
  if (hasStaffRole(actor.staffRoles, 'admin') || hasStaffRole(actor.staffRoles, 'support')) return true;
  const definitions = definitionsOfStaff(actor.staffRoles);
  if (definitions !== null && definitions.length === 0) return false;
  return hasSubmittedRequest(deps.db, organisation.id, definitions);
}
