/**
 * Why the check made after each submission (spec §3: the establishment still open, the person who submitted
 * still an active member) held a request for support.
 */
export type OrganisationCheckFailure = 'siret_inactive' | 'siret_unknown' | 'membership_inactive';
export type OrganisationCheck = 'ok' | OrganisationCheckFailure;

export const ORGANISATION_CHECK_FAILURE_LABELS: Record<OrganisationCheckFailure, string> = {
  siret_inactive: 'l’établissement est fermé selon le répertoire Sirene',
  siret_unknown: 'l’établissement est introuvable dans le répertoire Sirene',
  membership_inactive: 'la personne qui a soumis la demande n’est plus membre active de l’organisation',
};
