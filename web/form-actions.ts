import type { NextFunction, Request, Response } from 'express';
import { problemOf } from '../app/problems.ts';
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
    };
  }
}

/** What a successful form action tells the person, and where they go next. */
export interface FormOutcome {
  redirect: string;
  flash?: { type: 'success' | 'info' | 'warning'; message: string };
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
}

/**
 * A form handler under post/redirect/get: every answer is a 303, so a refresh never sends the form again. Refused
 * input (ValidationFailed) goes back to the form with each message on its field; a refused action (a state that
 * has moved on, a conflict) goes back with a flash saying why. Anything else (not found, forbidden) is an error
 * page from the error handler.
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
      const errors = fieldErrorsOf(error);
      if (errors) {
        keepFormState(req, back, errors, formValues(req, options.fields ?? []), options.form);
        return res.redirect(303, back);
      }
      const refusal = refusalMessage(error);
      if (refusal) {
        flash(req, 'error', refusal);
        return res.redirect(303, back);
      }
      return next(error);
    }
    if (outcome.flash) flash(req, outcome.flash.type, outcome.flash.message);
    res.redirect(303, outcome.redirect);
  };
}

/** Leaves a form's errors and values for the next GET of `path` (its fragment never reaches the server). */
export function keepFormState(
  req: Request,
  path: string,
  errors: Record<string, string>,
  values: Record<string, string> = {},
  form?: string,
): void {
  req.session.formState = { path: path.split('#')[0]!, form, errors, values };
}

/** The errors and values a refused form left for this page, once; nothing when they were for another page. */
export function takeFormState(req: Request): {
  form?: string;
  errors?: Record<string, string>;
  values?: Record<string, string>;
} {
  const state = req.session?.formState;
  if (!state) return {};
  delete req.session.formState;
  if (state.path !== req.originalUrl) return {};
  return { form: state.form, errors: state.errors, values: state.values };
}

function refusalMessage(error: unknown): string | undefined {
  const problem = problemOf(error);
  if (!problem) return undefined;
  switch (problem.kind) {
    case 'InvalidTransition':
      return `Cette action n’est pas possible : la demande est à l’état « ${problem.stateLabel} ». La page montre son état actuel.`;
    case 'Conflict':
      return problem.message;
    default:
      return undefined;
  }
}
