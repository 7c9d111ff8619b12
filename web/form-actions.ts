import type { NextFunction, Request, Response } from 'express';
import { problemOf } from '../app/problems.ts';
import type { Problem } from '../domain/errors.ts';
import { flash } from './flash.ts';
import { fieldErrorsOf, formValues } from './forms.ts';

declare module 'express-session' {
  interface SessionData {
    /** A refused form's errors and values, for the next GET of the page it came from (post/redirect/get). */
    formState?: {
      path: string;
      form?: string;
      errors: Record<string, string>;
      values: Record<string, string>;
      /**
       * The status the refusal answers with once the browser has followed the redirect: a sign-in refused for
       * too many attempts is still a 429 with its Retry-After.
       */
      status?: number;
      retryAfterSeconds?: number;
    };
  }
}

/** The form-level message under this key is the form's alert, not a field's. */
const FORM_ALERT = '_form';

/** The longest text kept for a field of a refused form: longer than any valid input, and an anonymous session
 * does not hold a 100 kB "address". */
const KEPT_LENGTH = 1_000;

/** What a successful form action tells the person, and where they go next. */
export interface FormOutcome {
  redirect: string;
  flash?: { type: 'success' | 'info' | 'warning'; message: string };
}

/** How a refusal that is not about one field reads on the form, and what status its page answers with. */
export interface FormRefusal {
  status: number;
  message: string;
  retryAfterSeconds?: number;
}

export interface FormActionOptions {
  /**
   * The page that shows the form: refused input goes back there, errors on their fields. A fragment (`#motif`)
   * takes the person back to the form itself on a long page.
   */
  back: (req: Request) => string;
  /** Which form of the page was refused, where a page has several with the same field names (`reason`). */
  form?: string;
  /** The text fields shown back to the person when the form is refused (never secrets). */
  fields?: string[];
  /**
   * Refusals that belong on the form itself rather than in a flash (a wrong password, too many attempts, the
   * directory down), with the status the form's page answers with.
   */
  refusals?: (problem: Problem) => FormRefusal | undefined;
  /**
   * Where refused input is told: on the form's fields (the default), or in an error flash on `back` for pages
   * with one form per row, which do not read a refused form back.
   */
  fieldErrors?: 'form' | 'flash';
}

/**
 * A form handler under post/redirect/get: every answer is a 303, so a refresh never sends the form again. Refused
 * input (ValidationFailed) goes back to the form with each message on its field; a refusal the options name goes
 * back as the form's alert; a refused action (a state that has moved on, a conflict) goes back with a flash
 * saying why. Anything else (not found, forbidden) is an error page from the error handler.
 */
export function formAction(
  handler: (req: Request, res: Response) => Promise<FormOutcome>,
  options: FormActionOptions,
) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    let outcome: FormOutcome;
    try {
      outcome = await handler(req, res);
    } catch (error) {
      const back = options.back(req);
      const refused = { back, fields: options.fields, form: options.form };
      const errors = fieldErrorsOf(error);
      if (errors && options.fieldErrors === 'flash') {
        flash(req, 'error', Object.values(errors).join(' '));
        return res.redirect(303, back);
      }
      if (errors) return refuseForm(req, res, { ...refused, errors });
      const problem = problemOf(error);
      const refusal = problem && options.refusals?.(problem);
      if (refusal)
        return refuseForm(req, res, {
          ...refused,
          errors: formAlert(refusal.message),
          status: refusal.status,
          retryAfterSeconds: refusal.retryAfterSeconds,
        });
      const message = problem && refusalMessage(problem);
      if (message) {
        flash(req, 'error', message);
        return res.redirect(303, back);
      }
      return next(error);
    }
    if (outcome.flash) flash(req, outcome.flash.type, outcome.flash.message);
    res.redirect(303, outcome.redirect);
  };
}

/** A form-level alert, for `refuseForm` or `keepFormState`; `takeRefusedForm` gives it back as `error`. */
export const formAlert = (message: string): Record<string, string> => ({ [FORM_ALERT]: message });

/**
 * Sends a refused form back to its page (post/redirect/get): its errors, the text fields typed (never
 * passwords) and the status its page answers with (422 unless said), kept for the next GET of `back`.
 */
export function refuseForm(
  req: Request,
  res: Response,
  refusal: {
    back: string;
    errors: Record<string, string>;
    fields?: string[];
    form?: string;
    status?: number;
    retryAfterSeconds?: number;
  },
): void {
  keepFormState(req, refusal.back, refusal.errors, formValues(req, refusal.fields ?? []), refusal);
  res.redirect(303, refusal.back);
}

/** Leaves a form's errors and values for the next GET of `path` (its fragment never reaches the server). */
export function keepFormState(
  req: Request,
  path: string,
  errors: Record<string, string>,
  values: Record<string, string> = {},
  { form, status, retryAfterSeconds }: { form?: string; status?: number; retryAfterSeconds?: number } = {},
): void {
  const kept = Object.fromEntries(
    Object.entries(values).map(([field, value]) => [field, value.slice(0, KEPT_LENGTH)]),
  );
  req.session.formState = {
    path: path.split('#')[0]!,
    form,
    errors,
    values: kept,
    status,
    retryAfterSeconds,
  };
}

/** The errors and values a refused form left for this page, once; nothing when they were for another page. */
export function takeFormState(req: Request): {
  form?: string;
  errors?: Record<string, string>;
  values?: Record<string, string>;
  status?: number;
  retryAfterSeconds?: number;
} {
  const state = req.session?.formState;
  if (!state) return {};
  delete req.session.formState;
  if (state.path !== req.originalUrl) return {};
  const { path: _path, ...taken } = state;
  return taken;
}

/**
 * What a refused form left for this page, as the account templates show it: the values, the errors of its
 * fields (and their count for the error summary), the form's own alert; the page answers with the refusal's
 * status (422 unless said) and its Retry-After.
 */
export function takeRefusedForm(
  req: Request,
  res: Response,
): { values?: Record<string, string>; errors?: Record<string, string>; errorCount?: number; error?: string } {
  const { errors, values, status, retryAfterSeconds } = takeFormState(req);
  if (!errors) return {};
  res.status(status ?? 422);
  if (retryAfterSeconds !== undefined) res.set('Retry-After', String(retryAfterSeconds));
  const { [FORM_ALERT]: error, ...fieldErrors } = errors;
  const errorCount = Object.keys(fieldErrors).length;
  return { values, errors: fieldErrors, errorCount: errorCount || undefined, error };
}

function refusalMessage(problem: Problem): string | undefined {
  switch (problem.kind) {
    case 'InvalidTransition':
      return `Cette action n’est pas possible : la demande est à l’état « ${problem.stateLabel} ». La page montre son état actuel.`;
    case 'Conflict':
    case 'Gone':
      return problem.message;
    default:
      return undefined;
  }
}
