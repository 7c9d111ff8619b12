/**
 * Why a request could not even be read — its body or its address — before any route looked at it. Each reason
 * has one status and one French explanation, shown by the JSON API and by the pages alike.
 */
export const UNREADABLE_REASONS = [
  'malformed_json',
  'malformed_body',
  'body_too_large',
  'body_too_deep',
  'too_many_fields',
  'unsupported_encoding',
  'unsupported_charset',
  'aborted',
  'malformed_path',
] as const;
export type UnreadableReason = (typeof UNREADABLE_REASONS)[number];

export const UNREADABLE_REQUESTS: Record<
  UnreadableReason,
  { status: number; error: string; heading: string; message: string }
> = {
  // The API's answer to broken JSON since its first version: clients may rely on this code.
  malformed_json: {
    status: 400,
    error: 'malformed_json',
    heading: 'Demande invalide',
    message: 'Le corps de la requête n’est pas un JSON valide.',
  },
  malformed_body: {
    status: 400,
    error: 'malformed_body',
    heading: 'Demande invalide',
    message: 'Le corps de la requête n’est pas lisible : ce n’est pas un contenu valide au format annoncé.',
  },
  body_too_large: {
    status: 413,
    error: 'payload_too_large',
    heading: 'Envoi trop volumineux',
    message: 'Les informations envoyées sont trop volumineuses.',
  },
  body_too_deep: {
    status: 400,
    error: 'body_too_deep',
    heading: 'Demande invalide',
    message: 'Le corps de la requête contient trop de niveaux imbriqués.',
  },
  too_many_fields: {
    status: 413,
    error: 'too_many_fields',
    heading: 'Envoi trop volumineux',
    message: 'Le formulaire contient trop de champs.',
  },
  unsupported_encoding: {
    status: 415,
    error: 'unsupported_encoding',
    heading: 'Demande invalide',
    message: 'L’encodage du corps de la requête (Content-Encoding) n’est pas pris en charge.',
  },
  unsupported_charset: {
    status: 415,
    error: 'unsupported_charset',
    heading: 'Demande invalide',
    message: 'Le jeu de caractères du corps de la requête n’est pas pris en charge.',
  },
  aborted: {
    status: 400,
    error: 'request_aborted',
    heading: 'Demande interrompue',
    message: 'La requête a été interrompue avant d’être reçue en entier.',
  },
  malformed_path: {
    status: 400,
    error: 'malformed_path',
    heading: 'Adresse invalide',
    message: 'L’adresse demandée contient un encodage invalide (caractère « % » mal formé).',
  },
};
