import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ZodError } from 'zod';
import type { Problem } from '../domain/errors.ts';
import { INVITATION_REFUSALS } from '../domain/invitation-codes.ts';
import { LINK_REFUSALS } from '../domain/link-refusals.ts';
import { UNREADABLE_REQUESTS } from '../domain/unreadable-requests.ts';
import { problemOf } from '../app/problems.ts';

export interface ErrorBody {
  error: string;
  message: string;
  errors?: { path: string; message: string }[];
  retryAfterSeconds?: number;
  requestId?: string;
  state?: string;
  allowedCommands?: string[];
}

/** The one place where a problem becomes an HTTP answer of the JSON API. */
export function problemToHttp(problem: Problem): {
  status: number;
  body: ErrorBody;
  headers?: Record<string, string>;
} {
  switch (problem.kind) {
    case 'NotFound':
      return { status: 404, body: { error: 'not_found', message: 'Ressource introuvable.' } };
    case 'Unauthenticated':
      return { status: 401, body: { error: 'unauthenticated', message: 'Vous devez vous connecter.' } };
    case 'Forbidden':
      return problem.reason === 'csrf'
        ? {
            status: 403,
            body: {
              error: 'csrf_invalid',
              message: 'Le jeton anti-falsification (en-tête X-CSRF-Token) est absent ou invalide.',
            },
          }
        : {
            status: 403,
            body: {
              error: 'forbidden',
              message: 'Vous n’avez pas les droits nécessaires pour cette action.',
            },
          };
    case 'ValidationFailed':
      return {
        status: 422,
        body: {
          error: 'validation_failed',
          message: 'Certaines données sont invalides.',
          errors: problem.errors,
        },
      };
    case 'InvalidCredentials':
      return {
        status: 401,
        body: { error: 'invalid_credentials', message: 'Adresse électronique ou mot de passe incorrect.' },
      };
    case 'TooManyRequests':
      return {
        status: 429,
        body: {
          error: 'too_many_requests',
          message: 'Trop de tentatives. Veuillez patienter avant de réessayer.',
          retryAfterSeconds: problem.retryAfterSeconds,
        },
        headers: { 'Retry-After': String(problem.retryAfterSeconds) },
      };
    case 'Conflict':
      return { status: 409, body: { error: problem.code, message: problem.message } };
    case 'InvalidTransition':
      return {
        status: 409,
        body: {
          error: 'invalid_transition',
          message: `Cette action n’est pas possible : la demande est à l’état « ${problem.stateLabel} ».`,
          state: problem.state,
          allowedCommands: problem.allowedCommands,
        },
      };
    case 'Gone':
      return { status: 410, body: { error: problem.code, message: problem.message } };
    case 'LinkRefused': {
      const { status, message } = LINK_REFUSALS[problem.link][problem.reason];
      return { status, body: { error: `link_${problem.reason}`, message } };
    }
    case 'InvitationRefused': {
      const { status, error, message } = INVITATION_REFUSALS[problem.reason];
      return { status, body: { error, message } };
    }
    case 'UnreadableRequest': {
      const { status, error, message } = UNREADABLE_REQUESTS[problem.reason];
      return { status, body: { error, message } };
    }
    case 'Unavailable':
      return {
        status: 503,
        body: {
          error: problem.service === 'directory' ? 'directory_unavailable' : 'service_unavailable',
          message:
            problem.service === 'directory'
              ? 'Le répertoire des entreprises (Sirene) ne répond pas pour le moment. Rien n’a été créé : veuillez réessayer dans quelques minutes.'
              : 'Le service est momentanément indisponible. Veuillez réessayer dans quelques instants.',
        },
        headers: { 'Retry-After': '30' },
      };
  }
}

export function zodIssuesToFieldErrors(error: ZodError): { path: string; message: string }[] {
  return error.issues.map((issue) => ({
    path: issue.path.length > 0 ? issue.path.map(String).join('.') : '(corps)',
    message: issue.message,
  }));
}

export const apiNotFound: RequestHandler = (_req, res) => {
  res.status(404).json({ error: 'not_found', message: 'Aucune route ne correspond à cette adresse.' });
};

export const apiErrorHandler: ErrorRequestHandler = (error: unknown, req, res, _next) => {
  const problem = problemOf(error);
  if (problem) {
    if (problem.kind === 'Unavailable') req.log.warn({ err: error }, `${problem.service} unavailable`);
    const answer = problemToHttp(problem);
    res
      .set(answer.headers ?? {})
      .status(answer.status)
      .json(answer.body);
    return;
  }
  if (error instanceof ZodError) {
    const answer = problemToHttp({ kind: 'ValidationFailed', errors: zodIssuesToFieldErrors(error) });
    res.status(answer.status).json(answer.body);
    return;
  }
  req.log.error({ err: error }, 'unhandled error in API route');
  res.status(500).json({
    error: 'internal_error',
    message: 'Une erreur interne est survenue. L’équipe technique a été prévenue.',
    requestId: String(req.id),
  });
};
