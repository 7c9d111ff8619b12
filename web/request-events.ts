import type { Definition } from '../domain/definitions.ts';
import { scopeLabel } from '../domain/definitions.ts';
import { formatDate } from '../domain/french-format.ts';
import {
  ORGANISATION_CHECK_FAILURE_LABELS,
  type OrganisationCheckFailure,
} from '../domain/organisation-check.ts';
import type { RequestEvent } from '../store/request-events.ts';
import { personName } from './presenters/people.ts';

/**
 * One line of a request's timeline in French, after the name of its actor ("Sésame" for the platform's own
 * timers), for the applicant's and the instructors' pages.
 */
export interface EventNames {
  person(id: unknown): string | undefined;
  attachment(id: unknown): string | undefined;
}

export function eventSentence(
  event: RequestEvent,
  definition: Definition,
  names: { person(id: unknown): string | undefined; attachment(id: unknown): string | undefined },
): string {
  const details = event.details;
  switch (event.type) {
    case 'submit':
      return typeof details.submission === 'number' && details.submission > 1
        ? `a soumis de nouveau la demande (soumission n° ${details.submission}).`
        : 'a soumis la demande.';
    case 'request_changes':
      return 'a demandé des modifications à l’organisation.';
    case 'approve': {
      const scopes = Array.isArray(details.scopes) ? details.scopes.map(String) : [];
      return scopes.length > 0
        ? `a validé la demande. Données accordées : ${scopes.map((id) => scopeLabel(definition, id)).join(', ')}.`
        : 'a validé la demande.';
    }
    case 'refuse':
      return details.revisionAbandoned
        ? 'a refusé la mise à jour ; l’habilitation en vigueur est maintenue.'
        : 'a refusé la demande.';
    case 'revoke':
      return 'a révoqué l’habilitation.';
    case 'archive':
      return details.revisionAbandoned
        ? 'a abandonné la mise à jour ; l’habilitation en vigueur est maintenue.'
        : 'a archivé la demande.';
    case 'inactivity_archive':
      return 'a archivé le brouillon, resté sans modification trop longtemps.';
    case 'reopen':
      // Pages number submissions only: a second numbering (revisions) read as a contradiction next to them.
      return 'a rouvert la demande validée pour la mettre à jour ; l’habilitation en vigueur le reste jusqu’à la décision.';
    case 'resolve':
      return 'a levé le blocage : la demande est de nouveau à instruire.';
    case 'organisation_check_failed': {
      const reason = ORGANISATION_CHECK_FAILURE_LABELS[String(details.reason) as OrganisationCheckFailure];
      return reason
        ? `a mis la demande en attente du support : ${reason}.`
        : 'a mis la demande en attente du support : la vérification de l’organisation a échoué.';
    }
    case 'habilitation_created':
      return details.supersededId
        ? 'a créé l’habilitation, qui remplace la précédente.'
        : 'a créé l’habilitation.';
    case 'attachment_added':
    case 'attachment_removed': {
      const name =
        names.attachment(details.attachmentId) ??
        (typeof details.fileName === 'string' ? details.fileName : undefined);
      const verb = event.type === 'attachment_added' ? 'a joint' : 'a retiré';
      return name ? `${verb} la pièce « ${name} ».` : `${verb} une pièce.`;
    }
    case 'message':
      return details.side === 'instruction'
        ? 'a écrit à l’organisation.'
        : 'a écrit à l’équipe d’instruction.';
    case 'note':
      return 'a ajouté une note interne.';
    case 'assigned':
      return 's’est attribué la demande.';
    case 'unassigned':
      return 'ne suit plus la demande.';
    case 'opinion_requested': {
      const reporter = names.person(details.reporterId);
      return reporter ? `a demandé l’avis ${of(reporter)}.` : 'a demandé un avis.';
    }
    case 'opinion_given':
      return 'a donné son avis.';
    case 'draft_reminder':
      return typeof details.archiveAt === 'string'
        ? `a rappelé à l’organisation que son brouillon est inactif (archivage prévu le ${formatDate(details.archiveAt)}).`
        : 'a rappelé à l’organisation que son brouillon est inactif.';
    case 'instruction_reminder':
      return 'a rappelé à l’équipe d’instruction que le délai d’instruction est dépassé.';
    default:
      return `a enregistré l’événement « ${event.type} ».`;
  }
}

export function eventActor(event: RequestEvent): string {
  return personName(event.actor) ?? 'Sésame';
}

/** « de Camille », « d’Alix »: the preposition elides before a vowel or a mute h. */
function of(name: string): string {
  return /^[aeiouyhàâäéèêëîïôöùûü]/i.test(name) ? `d’${name}` : `de ${name}`;
}
