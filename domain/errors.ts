import type { InvitationRefusal } from './invitation-codes.ts';
import type { UnreadableReason } from './unreadable-requests.ts';

/**
 * Failures the product explains to people. Each kind maps to one HTTP status at the API edge and one page
 * at the web edge, so callers branch on `problem.kind`, never on message strings.
 */
export interface FieldError {
  /** Dotted path of the faulty field, as the client sent it (e.g. `contacts.dpo.email`). */
  path: string;
  message: string;
}

export type Problem =
  | { kind: 'NotFound' }
  | { kind: 'Unauthenticated' }
  | { kind: 'Forbidden'; reason: 'csrf' | 'role' }
  | { kind: 'ValidationFailed'; errors: FieldError[] }
  | { kind: 'InvalidCredentials' }
  | { kind: 'TooManyRequests'; retryAfterSeconds: number }
  | { kind: 'Conflict'; code: string; message: string }
  /** A command the request's current state does not allow (spec §3): the state and what is allowed instead. */
  | { kind: 'InvalidTransition'; state: string; stateLabel: string; allowedCommands: string[] }
  /** Existed, and is no longer available for good (a token already revealed once). */
  | { kind: 'Gone'; code: string; message: string }
  | {
      kind: 'LinkRefused';
      link: 'activation' | 'password_reset';
      reason: 'unknown' | 'expired' | 'used' | 'replaced';
    }
  | { kind: 'Unavailable'; service: 'temporal' | 'postgres' | 'directory' }
  | { kind: 'InvitationRefused'; reason: InvitationRefusal }
  /** The body or the address could not be read (bad JSON, bad encoding, too large, a malformed %-escape). */
  | { kind: 'UnreadableRequest'; reason: UnreadableReason };

export class AppError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.kind);
    this.name = 'AppError';
  }
}

export const notFound = (): AppError => new AppError({ kind: 'NotFound' });
export const validationFailed = (errors: FieldError[]): AppError =>
  new AppError({ kind: 'ValidationFailed', errors });
