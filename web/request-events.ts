import type { RequestEvent } from '../store/request-events';

/**
 * One line of a request's timeline in French, for the applicant's and the instructors' pages. The actor is
 * named separately; an event without actor was made by the platform itself.
 */
const SENTENCES: Record<string, (event: RequestEvent) => string> = {
  submit: () => 'Demande soumise',
  archive: (event) => (event.toState === 'validated' ? 'Nouvelle version abandonnée' : 'Demande archivée'),
  inactivity_archive: () => 'Brouillon archivé faute d’activité',
  reopen: (event) =>
    `Nouvelle version de la demande ouverte (version ${String(event.details.newRevision ?? '')})`,
  approve: () => 'Demande validée',
  refuse: (event) =>
    event.toState === 'validated'
      ? 'Nouvelle version refusée ; l’habilitation en cours est maintenue'
      : 'Demande refusée',
  request_changes: () => 'Modifications demandées',
  revoke: () => 'Habilitation révoquée',
  resolve: () => 'Blocage levé par le support ; la demande est transmise à l’instruction',
  organisation_check_failed: () => 'Vérification de l’organisation en échec : la demande attend le support',
  habilitation_created: () => 'Habilitation créée',
  attachment_added: (event) => `Document ajouté (${String(event.details.fileName ?? '')})`,
  attachment_removed: (event) => `Document retiré (${String(event.details.fileName ?? '')})`,
  message: (event) =>
    event.details.side === 'instruction' ? 'Message de l’équipe d’instruction' : 'Message de l’organisation',
  note: () => 'Note interne ajoutée',
  assigned: () => 'Demande attribuée',
  unassigned: () => 'Attribution retirée',
  opinion_requested: () => 'Avis demandé à un rapporteur',
  opinion_given: () => 'Avis rendu',
  draft_reminder: () => 'Rappel envoyé : brouillon inactif',
  instruction_reminder: () => 'Rappel envoyé aux instructeurs : délai d’instruction dépassé',
};

export function eventSentence(event: RequestEvent): string {
  return SENTENCES[event.type]?.(event) ?? event.type;
}

export function eventActor(event: RequestEvent): string {
  return event.actor ? `${event.actor.givenName} ${event.actor.familyName}` : 'Sésame';
}
