/**
 * ProConnect, the State's identity federation for public agents (OpenID Connect). What Sésame asks of it and why
 * a sign-in through it may end without a session, with the page each refusal gets.
 */

/** Every claim Sésame needs, each behind its own scope as ProConnect does it. */
export const PROCONNECT_SCOPES = ['openid', 'email', 'given_name', 'usual_name', 'siret', 'uid', 'idp_id'];

/** Both are registered with ProConnect, under PUBLIC_URL. */
export const PROCONNECT_CALLBACK_PATH = '/connexion/proconnect/retour';
export const PROCONNECT_LOGOUT_CALLBACK_PATH = '/deconnexion/proconnect/retour';

export type ProConnectRefusal =
  /** The answer carries no `state`, or not the one this browser's sign-in was given (a forged or stale answer). */
  | 'state'
  /** The person declined at the provider (`access_denied`). */
  | 'denied'
  /** Any other error the provider sent back instead of a code. */
  | 'provider_error'
  /** The code was refused at the token endpoint: expired, already used, or not issued for this sign-in. */
  | 'code'
  /** The ID token's signature, issuer, audience, expiry or nonce is wrong. */
  | 'id_token'
  /** The userinfo answer is not a JWT signed by the provider for Sésame, or names another person. */
  | 'userinfo'
  /** The address or the names are missing or unusable. */
  | 'claims'
  | 'siret_missing'
  | 'siret_malformed'
  | 'siret_unknown'
  | 'siret_closed'
  /** An address anyone can open says nothing about the employer: ProConnect agents use their work address. */
  | 'free_mail'
  /** An email account waits for activation at this address: it must be activated first. */
  | 'account_pending'
  | 'account_disabled'
  /** The email account at this address is already tied to another ProConnect identity. */
  | 'account_linked_elsewhere'
  /** The link of an email account was asked for too long ago, or from another browser. */
  | 'link_expired'
  /** The provider or the directory cannot be reached. */
  | 'unavailable';

export class ProConnectRefused extends Error {
  constructor(readonly reason: ProConnectRefusal) {
    super(`ProConnect sign-in refused: ${reason}`);
    this.name = 'ProConnectRefused';
  }
}

const RETRY =
  'Vous pouvez recommencer la connexion avec ProConnect, ou vous connecter avec votre adresse électronique et votre mot de passe.';

/** The page of each refusal: none creates a session or an account. */
export const PROCONNECT_REFUSALS: Record<
  ProConnectRefusal,
  { status: number; heading: string; message: string }
> = {
  state: {
    status: 400,
    heading: 'Connexion interrompue',
    message: `La réponse de ProConnect ne correspond pas à la connexion commencée dans ce navigateur (elle a pu expirer, ou être ouverte dans un autre onglet). Vous n’êtes pas connecté·e. ${RETRY}`,
  },
  denied: {
    status: 403,
    heading: 'Connexion annulée',
    message: `La connexion avec ProConnect a été annulée : vous n’êtes pas connecté·e. ${RETRY}`,
  },
  provider_error: {
    status: 502,
    heading: 'Connexion impossible',
    message: `ProConnect a signalé une erreur et n’a pas confirmé votre identité : vous n’êtes pas connecté·e. ${RETRY}`,
  },
  code: {
    status: 400,
    heading: 'Connexion expirée',
    message: `Le code de connexion transmis par ProConnect a expiré ou a déjà servi : vous n’êtes pas connecté·e. ${RETRY}`,
  },
  id_token: {
    status: 502,
    heading: 'Identité non vérifiée',
    message: `Le jeton d’identité reçu de ProConnect n’a pas passé nos vérifications (signature, émetteur, destinataire, date de validité) : par sécurité, vous n’êtes pas connecté·e. ${RETRY}`,
  },
  userinfo: {
    status: 502,
    heading: 'Identité non vérifiée',
    message: `Les informations d’identité reçues de ProConnect n’ont pas passé nos vérifications de signature : par sécurité, vous n’êtes pas connecté·e. ${RETRY}`,
  },
  claims: {
    status: 422,
    heading: 'Informations d’identité incomplètes',
    message:
      'ProConnect n’a pas transmis une adresse électronique, un prénom et un nom utilisables. Aucun compte n’a été créé. Vérifiez votre profil auprès de votre fournisseur d’identité, puis réessayez.',
  },
  siret_missing: {
    status: 422,
    heading: 'Organisation inconnue',
    message:
      'ProConnect n’a pas transmis le numéro SIRET de votre organisation. Aucun compte n’a été créé. Demandez à votre fournisseur d’identité d’indiquer votre établissement, ou créez un compte avec votre adresse électronique.',
  },
  siret_malformed: {
    status: 422,
    heading: 'Organisation inconnue',
    message:
      'Le numéro SIRET transmis par ProConnect n’est pas valide (14 chiffres avec une clé de contrôle correcte). Aucun compte n’a été créé. Signalez-le à votre fournisseur d’identité, ou créez un compte avec votre adresse électronique.',
  },
  siret_unknown: {
    status: 422,
    heading: 'Organisation introuvable',
    message:
      'Le numéro SIRET transmis par ProConnect est introuvable dans le répertoire Sirene. Aucun compte n’a été créé. Signalez-le à votre fournisseur d’identité, ou créez un compte avec votre adresse électronique.',
  },
  siret_closed: {
    status: 422,
    heading: 'Établissement fermé',
    message:
      'L’établissement dont ProConnect a transmis le numéro SIRET est fermé selon le répertoire Sirene. Aucun compte n’a été créé. Signalez-le à votre fournisseur d’identité, ou créez un compte avec le SIRET d’un établissement en activité.',
  },
  free_mail: {
    status: 422,
    heading: 'Adresse professionnelle requise',
    message:
      'ProConnect a transmis une adresse de messagerie grand public : elle ne prouve pas votre rattachement à une organisation. Aucun compte n’a été créé. Connectez-vous avec votre adresse professionnelle.',
  },
  account_pending: {
    status: 409,
    heading: 'Compte en attente d’activation',
    message:
      'Un compte Sésame en attente d’activation utilise déjà votre adresse électronique. Activez-le avec le lien reçu par courriel, puis connectez-vous à nouveau avec ProConnect pour le lier.',
  },
  account_disabled: {
    status: 403,
    heading: 'Compte désactivé',
    message:
      'Le compte Sésame qui utilise votre adresse électronique est désactivé. Contactez le support de Sésame.',
  },
  account_linked_elsewhere: {
    status: 409,
    heading: 'Compte déjà lié',
    message:
      'Le compte Sésame qui utilise votre adresse électronique est déjà lié à une autre identité ProConnect. Contactez le support de Sésame.',
  },
  link_expired: {
    status: 410,
    heading: 'Liaison expirée',
    message: `La liaison de votre compte avec ProConnect a expiré. Vous n’êtes pas connecté·e. ${RETRY}`,
  },
  unavailable: {
    status: 503,
    heading: 'Service momentanément indisponible',
    message:
      'ProConnect ou le répertoire des entreprises ne répond pas pour le moment. Vous n’êtes pas connecté·e et rien n’a été créé : veuillez réessayer dans quelques minutes.',
  },
};
