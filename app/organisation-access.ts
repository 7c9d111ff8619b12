import { AppError, notFound } from '../domain/errors.ts';
import { isMainManager, isOrganisationAdmin } from '../domain/role-rules.ts';
import { findMembership, type Membership } from '../store/memberships.ts';
import { findOrganisationBySiret, lockOrganisationById, type Organisation } from '../store/organisations.ts';
import type { Queryable } from '../store/pool.ts';
import type { User } from '../store/users.ts';

/**
 * Who may see and do what in an organisation, checked on every call against the memberships as they are now
 * (never a cached copy: a role change applies to the affected person's next request).
 *
 * - `member`: any active member (the event feed).
 * - `admin`: the main manager and administrators (codes, members, exports). To anyone else these screens do
 *   not exist: 404, like an organisation one does not belong to.
 * - `main_manager`: handing the role over. An administrator knows the screen, so is told it is not theirs (403).
 */
export type OrganisationAccess = 'member' | 'admin' | 'main_manager';

export interface OrganisationActor {
  organisation: Organisation;
  membership: Membership;
}

export async function requireOrganisationAccess(
  db: Queryable,
  actor: User,
  siret: string,
  access: OrganisationAccess,
  options: { lock?: boolean } = {},
): Promise<OrganisationActor> {
  const found = await findOrganisationBySiret(db, siret);
  if (!found) throw notFound();
  // Locked, administration changes of one organisation run one after the other: two administrators cannot,
  // for instance, each remove the other, nor two hand-overs both succeed.
  const organisation = options.lock ? (await lockOrganisationById(db, found.id))! : found;
  const membership = await findMembership(db, organisation.id, actor.id);
  if (membership?.status !== 'active') throw notFound();
  if (access === 'member') return { organisation, membership };
  if (!isOrganisationAdmin(membership.roles)) throw notFound();
  if (access === 'main_manager' && !isMainManager(membership.roles))
    throw new AppError({ kind: 'Forbidden', reason: 'role' });
  return { organisation, membership };
}
