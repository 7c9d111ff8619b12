/**
 * Staff roles held on the platform itself, as opposed to the roles a person holds inside an organisation.
 * `instructeur` and `rapporteur` are per API definition; a staff role without a definition applies to every
 * definition (a central instruction team).
 */
export const PLATFORM_ROLES = ['admin', 'support'] as const;
/** The instruction side of a definition: instructors and reporters. */
export const DEFINITION_ROLES = ['instructeur', 'rapporteur'] as const;
/**
 * The provider's developers: they manage the definition's webhooks and see nothing of its requests, so they are
 * kept out of DEFINITION_ROLES (which opens the instruction side).
 */
export const PROVIDER_ROLES = ['developpeur'] as const;
export const STAFF_ROLES = [...PLATFORM_ROLES, ...DEFINITION_ROLES, ...PROVIDER_ROLES] as const;

export type PlatformRole = (typeof PLATFORM_ROLES)[number];
export type DefinitionRole = (typeof DEFINITION_ROLES)[number];
export type StaffRole = (typeof STAFF_ROLES)[number];

export interface StaffGrant {
  role: StaffRole;
  /** The API definition the grant is limited to; null for platform roles and for every definition. */
  definition: string | null;
}

export const STAFF_ROLE_LABELS: Record<StaffRole, string> = {
  admin: 'Administrateur de la plateforme',
  support: 'Support',
  instructeur: 'Instructeur',
  rapporteur: 'Rapporteur',
  developpeur: 'Développeur (fournisseur de l’API)',
};

export function hasStaffRole(grants: readonly StaffGrant[], role: StaffRole, definition?: string): boolean {
  return grants.some(
    (grant) =>
      grant.role === role &&
      (definition === undefined || grant.definition === null || grant.definition === definition),
  );
}

/**
 * The definitions whose requests this person instructs or reports on; null for every definition (platform
 * admins, and staff whose grant names no definition).
 */
export function definitionsOfStaff(grants: readonly StaffGrant[]): string[] | null {
  if (hasStaffRole(grants, 'admin')) return null;
  const perDefinition = grants.filter((grant) =>
    (DEFINITION_ROLES as readonly string[]).includes(grant.role),
  );
  if (perDefinition.some((grant) => grant.definition === null)) return null;
  return [...new Set(perDefinition.map((grant) => grant.definition!))];
}
