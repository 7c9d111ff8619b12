import { TOKEN_STATUS_LABELS, type TokenStatus } from '../../domain/token-status.ts';
import type { HabilitationStatus } from '../../store/habilitations.ts';
import type { StateBadge } from './request-state.ts';

/**
 * A token's and a habilitation's status as their badge, the same on every page (dashboard, token pages, the
 * admin's list): what no longer works is red, what is about to stop orange, a replaced one information.
 */
const TOKEN_BADGE_CLASSES: Record<TokenStatus, string> = {
  active: 'fr-badge--success',
  expiring: 'fr-badge--warning',
  expired: 'fr-badge--error',
  revoked: 'fr-badge--error',
};

/** `replaced`: a rotation's old token, working until the end of its grace period but no longer the current one. */
export function tokenStatusBadge(status: TokenStatus, replaced = false): StateBadge {
  return replaced
    ? { label: 'Remplacé', className: 'fr-badge--info' }
    : { label: TOKEN_STATUS_LABELS[status], className: TOKEN_BADGE_CLASSES[status] };
}

export const HABILITATION_STATUS_BADGES: Record<HabilitationStatus, StateBadge> = {
  active: { label: 'Active', className: 'fr-badge--success' },
  superseded: { label: 'Remplacée', className: 'fr-badge--info' },
  revoked: { label: 'Révoquée', className: 'fr-badge--error' },
};
