import {
  JOINED_VIA_LABELS,
  ORGANISATION_ROLE_LABELS,
  type JoinedVia,
  type OrganisationRole,
} from './organisation-roles.ts';

/**
 * The organisation's event feed ("fil d'événements", spec §6): joins, role changes, codes, requests and
 * credentials. Details hold identifiers and short labels only — never a secret, a code or free text.
 */
export type RequestDecision = 'validated' | 'refused' | 'changes_requested' | 'revoked';
export type CredentialKind = 'token' | 'technical_account';

export interface OrganisationEventDetails {
  member_joined: { userId: string; roles: OrganisationRole[]; joinedVia: JoinedVia };
  member_roles_changed: { userId: string; from: OrganisationRole[]; to: OrganisationRole[] };
  member_removed: { userId: string; roles: OrganisationRole[] };
  member_left: { userId: string; roles: OrganisationRole[] };
  main_manager_handed_over: { fromUserId: string; toUserId: string };
  invitation_codes_created: {
    codeIds: string[];
    count: number;
    roles: OrganisationRole[];
    expiresAt: string;
  };
  invitation_code_redeemed: { codeId: string; userId: string; roles: OrganisationRole[] };
  invitation_code_deactivated: { codeId: string };
  request_submitted: { requestId: string; title?: string };
  request_decided: { requestId: string; title?: string; decision: RequestDecision };
  credential_issued: { credentialId: string; kind: CredentialKind };
  credential_revoked: { credentialId: string; kind: CredentialKind };
  credential_rotated: { credentialId: string; kind: CredentialKind };
}

export type OrganisationEventType = keyof OrganisationEventDetails;

export const ORGANISATION_EVENT_TYPES = [
  'member_joined',
  'member_roles_changed',
  'member_removed',
  'member_left',
  'main_manager_handed_over',
  'invitation_codes_created',
  'invitation_code_redeemed',
  'invitation_code_deactivated',
  'request_submitted',
  'request_decided',
  'credential_issued',
  'credential_revoked',
  'credential_rotated',
] as const satisfies readonly OrganisationEventType[];

/** One event as recorded: its type and the details that type carries. */
export type OrganisationEventInput = {
  [T in OrganisationEventType]: { type: T; details: OrganisationEventDetails[T] };
}[OrganisationEventType];

/** Short labels, for filters and exports. */
export const ORGANISATION_EVENT_LABELS: Record<OrganisationEventType, string> = {
  member_joined: 'Arrivée d’un membre',
  member_roles_changed: 'Changement de rôles',
  member_removed: 'Retrait d’un membre',
  member_left: 'Départ d’un membre',
  main_manager_handed_over: 'Transmission du rôle de gestionnaire principal',
  invitation_codes_created: 'Création de codes d’invitation',
  invitation_code_redeemed: 'Utilisation d’un code d’invitation',
  invitation_code_deactivated: 'Désactivation d’un code d’invitation',
  request_submitted: 'Dépôt d’une demande',
  request_decided: 'Décision sur une demande',
  credential_issued: 'Délivrance d’un accès',
  credential_revoked: 'Révocation d’un accès',
  credential_rotated: 'Remplacement d’un accès',
};

const DECISION_SENTENCES: Record<RequestDecision, string> = {
  validated: 'a été validée',
  refused: 'a été refusée',
  changes_requested: 'doit être complétée : l’instructeur demande des modifications',
  revoked: 'a été révoquée',
};

const CREDENTIAL_NOUNS: Record<CredentialKind, { a: string; the: string }> = {
  token: { a: 'un jeton d’accès', the: 'Le jeton d’accès' },
  technical_account: { a: 'un compte technique', the: 'Le compte technique' },
};

const rolesText = (roles: readonly OrganisationRole[]): string =>
  (Array.isArray(roles) ? roles : [])
    .map((role: OrganisationRole) => ORGANISATION_ROLE_LABELS[role] ?? role)
    .join(', ');

/** How people are named in sentences: their name, or a neutral phrase when the account no longer exists. */
export interface EventNames {
  actor: string | null;
  person(userId: string): string | null;
}

const FORMER = 'un ancien compte';

/** The feed's sentence for an event, in French. */
export function describeOrganisationEvent(event: OrganisationEventInput, names: EventNames): string {
  // Rows written by a newer version (a type this one does not know) still get a sentence.
  const sentence = sentenceOf(event, names) ?? `${ORGANISATION_EVENT_LABELS[event.type] ?? 'Événement'}.`;
  return sentence.charAt(0).toUpperCase() + sentence.slice(1);
}

function sentenceOf(event: OrganisationEventInput, names: EventNames): string {
  const actor = names.actor ?? 'Sésame';
  const person = (userId: string) => names.person(userId) ?? FORMER;
  switch (event.type) {
    case 'member_joined': {
      const { userId, roles, joinedVia } = event.details;
      if (joinedVia === 'creation')
        return `${person(userId)} a inscrit l’organisation sur Sésame et en est gestionnaire principal.`;
      return `${person(userId)} a rejoint l’organisation (${JOINED_VIA_LABELS[joinedVia].toLowerCase()}), avec les rôles : ${rolesText(roles)}.`;
    }
    case 'member_roles_changed': {
      const { userId, from, to } = event.details;
      return `${actor} a changé les rôles de ${person(userId)} : ${rolesText(from)} → ${rolesText(to)}.`;
    }
    case 'member_removed':
      return `${actor} a retiré ${person(event.details.userId)} de l’organisation.`;
    case 'member_left':
      return `${person(event.details.userId)} a quitté l’organisation.`;
    case 'main_manager_handed_over':
      return `${person(event.details.fromUserId)} a transmis le rôle de gestionnaire principal à ${person(event.details.toUserId)}.`;
    case 'invitation_codes_created': {
      const { count, roles } = event.details;
      return `${actor} a créé ${count === 1 ? 'un code d’invitation' : `${count} codes d’invitation`} (rôles : ${rolesText(roles)}).`;
    }
    case 'invitation_code_redeemed':
      return `${person(event.details.userId)} a rejoint l’organisation grâce à un code d’invitation, avec les rôles : ${rolesText(event.details.roles)}.`;
    case 'invitation_code_deactivated':
      return `${actor} a désactivé un code d’invitation.`;
    case 'request_submitted':
      return `${actor} a soumis la demande ${event.details.title ? `« ${event.details.title} »` : 'd’accès'}.`;
    case 'request_decided':
      return `La demande ${event.details.title ? `« ${event.details.title} »` : 'd’accès'} ${DECISION_SENTENCES[event.details.decision]}.`;
    case 'credential_issued':
      return `Sésame a délivré ${CREDENTIAL_NOUNS[event.details.kind].a} à l’organisation.`;
    case 'credential_revoked':
      return `${CREDENTIAL_NOUNS[event.details.kind].the} a été révoqué${names.actor ? ` par ${names.actor}` : ''}.`;
    case 'credential_rotated':
      // A rotation (a token replaced, a password reset), not a renewal, which extends a token's validity.
      if (event.details.kind === 'technical_account')
        return `Le mot de passe du compte technique a été réinitialisé${names.actor ? ` par ${names.actor}` : ''}.`;
      return names.actor
        ? `${names.actor} a remplacé le jeton d’accès par un nouveau (rotation).`
        : 'Le jeton d’accès a été remplacé par un nouveau (rotation).';
  }
}

/** The user ids an event's sentence names besides its actor, so that a feed can fetch their names at once. */
export function peopleNamedBy(event: OrganisationEventInput): string[] {
  const details = event.details as Partial<Record<'userId' | 'fromUserId' | 'toUserId', string>>;
  return [details.userId, details.fromUserId, details.toUserId].filter(
    (id): id is string => typeof id === 'string',
  );
}
