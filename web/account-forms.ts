import type { NextFunction, Request, Response } from 'express';
import { problemOf } from '../app/problems.ts';
import type { Problem } from '../domain/errors.ts';
import { flash } from './flash.ts';
import { keepFormState, takeFormState, type FormOutcome } from './form-actions.ts';
import { fieldErrorsOf, formValues } from './forms.ts';

declare module 'express-session' {
  interface SessionData {
    /**
     * The status a refused account form answered with, for the page it goes back to: a sign-in refused for too
     * many attempts is still a 429 with its Retry-After once the browser has followed the redirect.
     */
    refusedFormStatus?: { path: string; status: number; retryAfterSeconds?: number };
  }
}

/** The longest text kept for a field of a refused form: longer than any valid input of these forms. */
const KEPT_LENGTH = 1_000;

/** The form-level message under this key is shown as the form's alert, not on a field. */
const FORM = '_form';

/** How a refusal that is not about a field reads on the form, and what status its page answers with. */
export interface FormRefusal {
  status: number;
  message: string;
  retryAfterSeconds?: number;
}

/**
 * Sends a refused form back to its page (post/redirect/get): its errors, the text fields typed (never passwords)
 * and the status, kept for the next GET of `back`.
 */
export function refuseForm(
  req: Request,
  res: Response,
  refusal: {
    back: string;
    status: number;
    errors: Record<string, string>;
    fields: string[];
    retryAfterSeconds?: number;
  },
): void {
  // Shown back as typed, but an anonymous session does not hold a 100 kB "address".
  const values = Object.fromEntries(
    Object.entries(formValues(req, refusal.fields)).map(([field, value]) => [
      field,
      value.slice(0, KEPT_LENGTH),
    ]),
  );
  keepFormState(req, refusal.back, refusal.errors, values);
  req.session.refusedFormStatus = {
    path: refusal.back,
    status: refusal.status,
    retryAfterSeconds: refusal.retryAfterSeconds,
  };
  res.redirect(303, refusal.back);
}

/**
 * What a refused form left for this page: its values, the errors of its fields (and their count for the error
 * summary), the form's own alert; the page answers with the refusal's status (422 unless said).
 */
export function takeRefusedForm(
  req: Request,
  res: Response,
): { values?: Record<string, string>; errors?: Record<string, string>; errorCount?: number; error?: string } {
  const kept = req.session?.refusedFormStatus;
  if (kept) delete req.session.refusedFormStatus;
  const { errors, values } = takeFormState(req);
  if (!errors) return {};
  const status = kept?.path === req.originalUrl ? kept : undefined;
  res.status(status?.status ?? 422);
  if (status?.retryAfterSeconds !== undefined) res.set('Retry-After', String(status.retryAfterSeconds));
  const { [FORM]: error, ...fieldErrors } = errors;
  const errorCount = Object.keys(fieldErrors).length;
  return { values, errors: fieldErrors, errorCount: errorCount || undefined, error };
}

/**
 * An account form's handler under post/redirect/get: success redirects with its message; invalid fields, and
 * the refusals `refusals` names (a wrong password, too many attempts, a directory down), go back to the form;
 * anything else is an error page.
 */
export function accountFormAction(
  handler: (req: Request, res: Response) => Promise<FormOutcome>,
  options: {
    back: (req: Request) => string;
    fields: string[];
    refusals?: (problem: Problem) => FormRefusal | undefined;
  },
) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    let outcome: FormOutcome;
    try {
      outcome = await handler(req, res);
    } catch (error) {
      const back = options.back(req);
      const errors = fieldErrorsOf(error);
      if (errors) return refuseForm(req, res, { back, status: 422, errors, fields: options.fields });
      const problem = problemOf(error);
      const refusal = problem && options.refusals?.(problem);
      if (refusal)
        return refuseForm(req, res, {
          back,
          status: refusal.status,
          errors: { [FORM]: refusal.message },
          fields: options.fields,
          retryAfterSeconds: refusal.retryAfterSeconds,
        });
      return next(error);
    }
    if (outcome.flash) flash(req, outcome.flash.type, outcome.flash.message);
    res.redirect(303, outcome.redirect);
  };
}

/** The form-level alert of a refused form (`takeRefusedForm` shows it as `error`). */
export const formAlert = (message: string): Record<string, string> => ({ [FORM]: message });
