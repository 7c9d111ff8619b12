import type { ZodError } from 'zod';
import type { Request } from 'express';
import { AppError } from '../domain/errors.ts';

/** The text fields of a submitted form, to show them back (never passwords). */
export function formValues(req: Request, fields: string[]): Record<string, string> {
  const body = (req.body ?? {}) as Record<string, unknown>;
  return Object.fromEntries(
    fields.map((field) => [field, typeof body[field] === 'string' ? body[field] : '']),
  );
}

/** Field errors of a failed validation, keyed by field, or undefined for any other error. */
export function fieldErrorsOf(error: unknown): Record<string, string> | undefined {
  if (!(error instanceof AppError) || error.problem.kind !== 'ValidationFailed') return undefined;
  const errors: Record<string, string> = {};
  for (const { path, message } of error.problem.errors) errors[path] ??= message;
  return errors;
}

/** The first message per field of a zod error, keyed by field name, as the form templates show them. */
export function formErrors(error: ZodError): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const issue of error.issues) {
    const field = issue.path.map(String).join('.') || '_form';
    errors[field] ??= issue.message;
  }
  return errors;
}
