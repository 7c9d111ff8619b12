/**
 * Invitation codes (spec §6, seed 001): UUID-formatted, single use, valid 1 to 90 days, shown in full once and
 * masked afterwards.
 */
export const INVITATION_LIMITS = {
  minCount: 1,
  maxCount: 10,
  minValidityDays: 1,
  maxValidityDays: 90,
  defaultValidityDays: 10,
} as const;

export const INVITATION_STATUSES = ['valid', 'used', 'expired', 'deactivated'] as const;
export type InvitationStatus = (typeof INVITATION_STATUSES)[number];

export const INVITATION_STATUS_LABELS: Record<InvitationStatus, string> = {
  valid: 'Valable',
  used: 'Utilisé',
  expired: 'Expiré',
  deactivated: 'Désactivé',
};

/**
 * A code's status is derived, never stored: deactivation and use are final, and otherwise time decides.
 * (A used code cannot be deactivated and a deactivated one cannot be used, so the first two never meet.)
 */
export function invitationStatus(
  code: { deactivatedAt: Date | null; usedAt: Date | null; expiresAt: Date },
  now: Date,
): InvitationStatus {
  if (code.deactivatedAt) return 'deactivated';
  if (code.usedAt) return 'used';
  if (code.expiresAt.getTime() <= now.getTime()) return 'expired';
  return 'valid';
}

/** The UUID layout people are told to expect (any version: codes are compared by hash, not parsed). */
export const INVITATION_CODE_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A code as typed or pasted: surrounding blanks and capitals do not matter. */
export function normaliseInvitationCode(input: string): string {
  return input.trim().toLowerCase();
}

/** How many characters of a code stay visible once it has been shown: enough to tell codes apart. */
export const VISIBLE_CODE_SUFFIX = 4;

/** `••••••••-••••-••••-••••-••••••••1a2b`: the layout of a code with only its last characters visible. */
export function maskInvitationCode(lastCharacters: string): string {
  const hidden = '••••••••-••••-••••-••••-••••••••••••';
  return hidden.slice(0, hidden.length - lastCharacters.length) + lastCharacters;
}

/** The text a "copy" button puts on the clipboard: the code with its organisation and its last valid day. */
export function invitationCopyText(input: {
  codes: readonly string[];
  organisationName: string;
  siret: string;
  validUntil: string;
}): string {
  const codes =
    input.codes.length === 1
      ? `Code d’invitation : ${input.codes[0]}`
      : `Codes d’invitation (un par personne) :\n${input.codes.join('\n')}`;
  return [
    codes,
    `Organisation : ${input.organisationName} (SIRET ${input.siret})`,
    `Valable jusqu’au ${input.validUntil}`,
  ].join('\n');
}

/** Why a code cannot be redeemed, each with its status and message (spec §6: errors say which case applies). */
export type InvitationRefusal = 'unknown' | 'expired' | 'deactivated' | 'used' | 'already_member';

export const INVITATION_REFUSALS: Record<
  InvitationRefusal,
  { status: number; error: string; message: string }
> = {
  unknown: {
    status: 404,
    error: 'invitation_unknown',
    message: 'Ce code d’invitation n’existe pas. Vérifiez qu’il a été copié en entier.',
  },
  expired: {
    status: 410,
    error: 'invitation_expired',
    message: 'Ce code d’invitation a expiré. Demandez-en un nouveau à un administrateur de l’organisation.',
  },
  deactivated: {
    status: 410,
    error: 'invitation_deactivated',
    message:
      'Ce code d’invitation a été désactivé. Demandez-en un nouveau à un administrateur de l’organisation.',
  },
  used: {
    status: 409,
    error: 'invitation_used',
    message:
      'Ce code d’invitation a déjà été utilisé : chaque code ne sert qu’une fois. Demandez-en un nouveau à un administrateur de l’organisation.',
  },
  already_member: {
    status: 409,
    error: 'already_member',
    message: 'Vous êtes déjà membre de cette organisation : le code n’a pas été utilisé.',
  },
};
