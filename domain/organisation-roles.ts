/** Roles a person holds inside an organisation (spec §1). */
export const ORGANISATION_ROLES = [
  'gestionnaire_principal',
  'administrateur',
  'demandeur',
  'lecteur',
] as const;
export type OrganisationRole = (typeof ORGANISATION_ROLES)[number];

/**
 * Whether these roles let a member write and submit the organisation's requests and act on its credentials:
 * readers (`lecteur`, an exclusive role) only see.
 */
export function mayWriteRequests(roles: readonly OrganisationRole[]): boolean {
  return roles.some((role) => role !== 'lecteur');
}

/** Roles that cannot be combined with any other role in the same organisation. */
export const EXCLUSIVE_ROLES: readonly OrganisationRole[] = ['lecteur'];

export const ORGANISATION_ROLE_LABELS: Record<OrganisationRole, string> = {
  gestionnaire_principal: 'Gestionnaire principal',
  administrateur: 'Administrateur',
  demandeur: 'Demandeur',
  lecteur: 'Lecteur',
};

export type MembershipStatus = 'active' | 'pending_support' | 'rejected';
export type JoinedVia = 'creation' | 'email_domain' | 'support' | 'invitation';

export const MEMBERSHIP_STATUS_LABELS: Record<MembershipStatus, string> = {
  active: 'Actif',
  pending_support: 'En attente de validation par le support',
  rejected: 'Refusé',
};

export const JOINED_VIA_LABELS: Record<JoinedVia, string> = {
  creation: 'Création de l’organisation',
  email_domain: 'Domaine de l’adresse électronique',
  support: 'Validation par le support',
  invitation: 'Code d’invitation',
};
