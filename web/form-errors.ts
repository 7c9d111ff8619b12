import type { ZodError } from 'zod';

/** The first message per field, keyed by field name, as the form templates show them. */
export function formErrors(error: ZodError): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const issue of error.issues) {
    const field = issue.path.map(String).join('.') || '_form';
    errors[field] ??= issue.message;
  }
  return errors;
}
