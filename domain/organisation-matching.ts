import { isFreeMailDomain } from './free-mail-domains.ts';
import type { MembershipStatus, OrganisationRole } from './organisation-roles.ts';

/**
 * Where a newly activated account lands in the organisation of its SIRET (spec §2), decided from its email
 * domain and the domains of the organisation's active members:
 * - nobody active yet → it becomes the main manager (a free-mail address goes to support instead);
 * - an active member shares its (non free-mail) domain → it joins as applicant;
 * - otherwise → support decides.
 */
export type MatchCase = 'main_manager' | 'joined_by_domain' | 'pending_support';

export interface MatchDecision {
  case: MatchCase;
  roles: OrganisationRole[];
  status: MembershipStatus;
  /** Shown to support in its queue. */
  supportReason: string | null;
}

export function decideMembership(input: {
  emailDomain: string;
  activeMemberDomains: readonly string[];
}): MatchDecision {
  const domain = input.emailDomain.toLowerCase();
  const freeMail = isFreeMailDomain(domain);
  if (freeMail) {
    return {
      case: 'pending_support',
      roles: ['demandeur'],
      status: 'pending_support',
      supportReason: `Adresse de messagerie grand public (${domain}) : elle ne prouve pas le rattachement à l’organisation.`,
    };
  }
  if (input.activeMemberDomains.length === 0) {
    return { case: 'main_manager', roles: ['gestionnaire_principal'], status: 'active', supportReason: null };
  }
  if (input.activeMemberDomains.some((memberDomain) => memberDomain.toLowerCase() === domain)) {
    return { case: 'joined_by_domain', roles: ['demandeur'], status: 'active', supportReason: null };
  }
  return {
    case: 'pending_support',
    roles: ['demandeur'],
    status: 'pending_support',
    supportReason: `Aucun membre actif de l’organisation n’utilise le domaine ${domain} (domaines présents : ${input.activeMemberDomains.join(', ')}).`,
  };
}

/**
 * Roles given when support approves: the organisation's first active member becomes its main manager, any
 * later one joins as applicant.
 */
export function rolesOnSupportApproval(organisationHasActiveMembers: boolean): OrganisationRole[] {
  return organisationHasActiveMembers ? ['demandeur'] : ['gestionnaire_principal'];
}
