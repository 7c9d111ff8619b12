import { EXCLUSIVE_ROLES, ORGANISATION_ROLE_LABELS, type OrganisationRole } from './organisation-roles.ts';

/**
 * The rules about which organisation roles go together and who may hand them out (spec §1, §6; seed 001:
 * exclusive roles "cannot be combined"). Pure functions, shared by the invitation codes and the member list.
 */

/** Roles an invitation code or a role change may grant. The main manager's role is only ever handed over. */
export const GRANTABLE_ROLES = [
  'administrateur',
  'demandeur',
  'lecteur',
] as const satisfies readonly OrganisationRole[];
export type GrantableRole = (typeof GRANTABLE_ROLES)[number];

export const MAIN_MANAGER: OrganisationRole = 'gestionnaire_principal';

export function isGrantableRole(role: OrganisationRole): role is GrantableRole {
  return (GRANTABLE_ROLES as readonly string[]).includes(role);
}

/** Administration of the organisation (codes, members, roles): the main manager and org admins. */
export function isOrganisationAdmin(roles: readonly OrganisationRole[]): boolean {
  return roles.includes('gestionnaire_principal') || roles.includes('administrateur');
}

export function isMainManager(roles: readonly OrganisationRole[]): boolean {
  return roles.includes(MAIN_MANAGER);
}

/** Roles without duplicates, in the catalogue's order (so that equal sets compare and display equally). */
export function normaliseRoles<R extends OrganisationRole>(roles: readonly R[]): R[] {
  const order = Object.keys(ORGANISATION_ROLE_LABELS);
  return [...new Set(roles)].sort((a, b) => order.indexOf(a) - order.indexOf(b));
}

export interface ExclusiveConflict {
  exclusive: OrganisationRole;
  others: OrganisationRole[];
}

/** The first exclusive role combined with another role, if any. */
export function exclusiveConflict(roles: readonly OrganisationRole[]): ExclusiveConflict | undefined {
  const distinct = normaliseRoles(roles);
  if (distinct.length < 2) return undefined;
  const exclusive = distinct.find((role) => EXCLUSIVE_ROLES.includes(role));
  if (!exclusive) return undefined;
  return { exclusive, others: distinct.filter((role) => role !== exclusive) };
}

/** The sentence that names a conflict, for the person who chose the roles. */
export function exclusiveConflictMessage(conflict: ExclusiveConflict): string {
  const others = conflict.others.map((role) => `« ${ORGANISATION_ROLE_LABELS[role]} »`).join(', ');
  return `Le rôle « ${ORGANISATION_ROLE_LABELS[conflict.exclusive]} » est exclusif : il ne peut pas être combiné avec ${others}.`;
}

export type RoleChange =
  | { ok: true; roles: OrganisationRole[] }
  | {
      ok: false;
      problem: 'grants_main_manager' | 'removes_main_manager' | 'exclusive_conflict';
      conflict?: ExclusiveConflict;
    };

/**
 * A member's new roles, as an administrator asked for them. The main manager's role cannot be given or taken
 * this way: it is handed over, so that the organisation always has exactly one.
 */
export function planRoleChange(
  current: readonly OrganisationRole[],
  requested: readonly OrganisationRole[],
): RoleChange {
  const roles = normaliseRoles(requested);
  const wasMainManager = isMainManager(current);
  if (!wasMainManager && isMainManager(roles)) return { ok: false, problem: 'grants_main_manager' };
  if (wasMainManager && !isMainManager(roles)) return { ok: false, problem: 'removes_main_manager' };
  const conflict = exclusiveConflict(roles);
  if (conflict) return { ok: false, problem: 'exclusive_conflict', conflict };
  return { ok: true, roles };
}

/**
 * Roles after the main manager hands the role over: the former one stays an administrator (and keeps their
 * other roles); the new one gains the role and keeps theirs, except an exclusive (read-only) role, which
 * managing the organisation supersedes.
 */
export function handOverRoles(
  from: readonly OrganisationRole[],
  to: readonly OrganisationRole[],
): { from: OrganisationRole[]; to: OrganisationRole[] } {
  return {
    from: normaliseRoles([...from.filter((role) => role !== MAIN_MANAGER), 'administrateur']),
    to: normaliseRoles([MAIN_MANAGER, ...to.filter((role) => !EXCLUSIVE_ROLES.includes(role))]),
  };
}
