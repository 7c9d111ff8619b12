import { REQUEST_STATE_LABELS, type RequestState } from '../../domain/request-states.ts';

/**
 * One colour per state, the same on every page: the applicant's list, the dashboard and the instruction queue
 * had each their own and disagreed. Waiting on the applicant reads as "new" (their move), waiting on staff as
 * information, the finals by their outcome.
 */
const STATE_BADGE_CLASSES: Record<RequestState, string> = {
  draft: '',
  submitted: 'fr-badge--info',
  pending_support: 'fr-badge--warning',
  changes_requested: 'fr-badge--new',
  validated: 'fr-badge--success',
  refused: 'fr-badge--error',
  archived: '',
  revoked: 'fr-badge--error',
};

export interface StateBadge {
  label: string;
  className: string;
}

/** A request state as its badge: French label and DSFR colour class (partial `request-state-badge`). */
export function requestStateBadge(state: RequestState): StateBadge {
  return { label: REQUEST_STATE_LABELS[state], className: STATE_BADGE_CLASSES[state] };
}
