/** Unknown links are 404 (nothing is there); links that were valid once are 410 (gone, and why). */
export const LINK_REFUSALS: Record<
  'activation' | 'password_reset',
  Record<'unknown' | 'expired' | 'used' | 'replaced', { status: number; message: string }>
> = {
  activation: {
    unknown: {
      status: 404,
      message: 'Ce lien d’activation n’est pas valide. Vérifiez qu’il a été copié en entier.',
    },
    expired: {
      status: 410,
      message:
        'Ce lien d’activation a expiré et le compte non activé a été supprimé : inscrivez-vous à nouveau.',
    },
    used: {
      status: 410,
      message: 'Ce lien d’activation a déjà servi : votre compte est activé, connectez-vous.',
    },
    replaced: {
      status: 410,
      message:
        'Ce lien d’activation a été remplacé par un lien plus récent : utilisez le dernier courriel reçu.',
    },
  },
  password_reset: {
    unknown: {
      status: 404,
      message: 'Ce lien de réinitialisation n’est pas valide. Vérifiez qu’il a été copié en entier.',
    },
    expired: { status: 410, message: 'Ce lien de réinitialisation a expiré : demandez-en un nouveau.' },
    used: {
      status: 410,
      message: 'Ce lien de réinitialisation a déjà servi : demandez-en un nouveau si besoin.',
    },
    replaced: {
      status: 410,
      message: 'Ce lien de réinitialisation a été remplacé : utilisez le dernier courriel reçu.',
    },
  },
};
