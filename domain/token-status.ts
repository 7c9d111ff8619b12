/**
 * What a token's holder sees (spec §5: active / expiring / expired / revoked) and whether a provider may
 * accept it, from the facts stored about it. One function for the dashboard, introspection and the lifecycle
 * workflow, so that they never disagree.
 */
export type TokenStatus = 'active' | 'expiring' | 'expired' | 'revoked';

/** The habilitation's own status (store/habilitations.ts writes it). */
export type GrantStatus = 'active' | 'superseded' | 'revoked';

export interface TokenFacts {
  expiresAt: Date;
  /** End of a rotation's grace period, or of the grace after the habilitation was superseded. */
  retiresAt: Date | null;
  revokedAt: Date | null;
  habilitationStatus: GrantStatus;
  /** When the habilitation stopped being the active one (superseded or revoked). */
  habilitationEndedAt: Date | null;
}

export interface TokenRules {
  /** How long before expiry a token shows as expiring and may be renewed (90 days). */
  renewalWindowMs: number;
  /** How long the token of a superseded habilitation keeps working when nothing else set its end. */
  supersededGraceMs: number;
}

/** When the token stops working by itself (rotation, superseded habilitation), if it does. */
export function retirementOf(token: TokenFacts, rules: TokenRules): Date | null {
  if (token.retiresAt) return token.retiresAt;
  if (token.habilitationStatus === 'superseded' && token.habilitationEndedAt)
    return new Date(token.habilitationEndedAt.getTime() + rules.supersededGraceMs);
  return null;
}

export function isTokenUsable(token: TokenFacts, rules: TokenRules, now: Date): boolean {
  if (token.revokedAt || token.habilitationStatus === 'revoked') return false;
  if (token.expiresAt <= now) return false;
  const retirement = retirementOf(token, rules);
  return retirement === null || retirement > now;
}

export function tokenStatus(token: TokenFacts, rules: TokenRules, now: Date): TokenStatus {
  if (token.revokedAt || token.habilitationStatus === 'revoked') return 'revoked';
  const retirement = retirementOf(token, rules);
  // A replaced token whose grace is over no longer works: for its holder it is revoked, not expired.
  if (retirement !== null && retirement <= now) return 'revoked';
  if (token.expiresAt <= now) return 'expired';
  if (token.expiresAt.getTime() - now.getTime() <= rules.renewalWindowMs) return 'expiring';
  return 'active';
}

/** Renewal (spec §5): a short confirmation, only for a working token within the window before expiry. */
export function renewalRefusal(
  token: TokenFacts,
  rules: TokenRules,
  now: Date,
): 'not_usable' | 'replaced' | 'too_early' | undefined {
  if (!isTokenUsable(token, rules, now)) return 'not_usable';
  if (retirementOf(token, rules) !== null) return 'replaced';
  if (token.expiresAt.getTime() - now.getTime() > rules.renewalWindowMs) return 'too_early';
  return undefined;
}

export const TOKEN_STATUS_LABELS: Record<TokenStatus, string> = {
  active: 'Actif',
  expiring: 'Expire bientôt',
  expired: 'Expiré',
  revoked: 'Révoqué',
};
