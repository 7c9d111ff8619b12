import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError, type Problem } from '../domain/errors.ts';
import { INVITATION_REFUSALS } from '../domain/invitation-codes.ts';
import { LINK_REFUSALS } from '../domain/link-refusals.ts';
import { UNREADABLE_REQUESTS } from '../domain/unreadable-requests.ts';
import { problemOf } from '../app/problems.ts';

/** When a rate limit reopens, in words: "Veuillez réessayer dans 12 minutes." */
export function retryLaterMessage(retryAfterSeconds: number): string {
  const minutes = Math.max(1, Math.ceil(retryAfterSeconds / 60));
  if (minutes < 90) return `Veuillez réessayer dans ${minutes} minute${minutes > 1 ? 's' : ''}.`;
  const hours = Math.round(minutes / 60);
  return `Veuillez réessayer dans environ ${hours} heure${hours > 1 ? 's' : ''}.`;
}

interface ErrorPage {
  status: number;
  heading: string;
  message: string;
}

function problemPage(problem: Problem): ErrorPage {
  switch (problem.kind) {
    case 'NotFound':
      return {
        status: 404,
        heading: 'Page introuvable',
        message: 'La page que vous cherchez n’existe pas ou vous n’y avez pas accès.',
      };
    case 'Unauthenticated':
      return {
        status: 401,
        heading: 'Connexion requise',
        message: 'Veuillez vous connecter pour accéder à cette page.',
      };
    case 'Forbidden':
      return problem.reason === 'csrf'
        ? {
            status: 403,
            heading: 'Formulaire expiré',
            message:
              'Ce formulaire a expiré ou ne provient pas de Sésame. Revenez à la page précédente, actualisez-la et réessayez.',
          }
        : {
            status: 403,
            heading: 'Accès refusé',
            message: 'Vous n’avez pas les droits nécessaires pour accéder à cette page.',
          };
    case 'TooManyRequests':
      return {
        status: 429,
        heading: 'Trop de demandes',
        message: `Trop de demandes ont été faites en peu de temps. ${retryLaterMessage(problem.retryAfterSeconds)}`,
      };
    case 'Unavailable':
      return {
        status: 503,
        heading: 'Service momentanément indisponible',
        message:
          problem.service === 'directory'
            ? 'Le répertoire des entreprises (Sirene) ne répond pas pour le moment. Veuillez réessayer dans quelques minutes.'
            : 'Veuillez réessayer dans quelques instants.',
      };
    case 'LinkRefused': {
      const { status, message } = LINK_REFUSALS[problem.link][problem.reason];
      return {
        status,
        heading: problem.link === 'activation' ? 'Activation impossible' : 'Lien inutilisable',
        message,
      };
    }
    case 'InvalidTransition':
      return {
        status: 409,
        heading: 'Action impossible',
        message: `Cette action n’est pas possible : la demande est à l’état « ${problem.stateLabel} ». Actualisez la page pour voir son état actuel.`,
      };
    case 'InvitationRefused': {
      const { status, message } = INVITATION_REFUSALS[problem.reason];
      return { status, heading: 'Code d’invitation inutilisable', message };
    }
    case 'UnreadableRequest': {
      const { status, heading, message } = UNREADABLE_REQUESTS[problem.reason];
      return { status, heading, message };
    }
    case 'Gone':
      return { status: 410, heading: 'Plus disponible', message: problem.message };
    case 'ValidationFailed':
    case 'InvalidCredentials':
    case 'Conflict':
      return {
        status: 400,
        heading: 'Demande invalide',
        message: 'Les informations envoyées ne sont pas valides.',
      };
  }
}

export const webNotFound: RequestHandler = (_req, res) => {
  res.status(404).render('error', { title: 'Page introuvable', ...problemPage({ kind: 'NotFound' }) });
};

export const webErrorHandler: ErrorRequestHandler = (error: unknown, req, res, _next) => {
  let page: ErrorPage | undefined;
  const problem = problemOf(error);
  if (problem) {
    if (problem.kind === 'Unavailable') req.log.warn({ err: error }, `${problem.service} unavailable`);
    page = problemPage(problem);
  }
  if (!page) {
    req.log.error({ err: error }, 'unhandled error in page');
    page = {
      status: 500,
      heading: 'Erreur inattendue',
      message:
        'Une erreur est survenue de notre côté. L’équipe technique a été prévenue ; veuillez réessayer plus tard.',
    };
  }
  if (error instanceof AppError && error.problem.kind === 'TooManyRequests') {
    res.set('Retry-After', String(error.problem.retryAfterSeconds));
  }
  res.status(page.status).render('error', {
    title: page.heading,
    ...page,
    requestId: page.status >= 500 ? String(req.id) : undefined,
  });
};
