import { z } from 'zod';

/**
 * Email addresses are compared case-insensitively everywhere (sign-in, uniqueness), so they are stored
 * trimmed and lower-cased once, at the edge. A missing or empty one is asked for, not called invalid.
 */
export const emailAddressSchema = z
  .string({ error: 'Saisissez votre adresse électronique.' })
  .trim()
  .min(1, 'Saisissez votre adresse électronique.')
  .max(254, 'L’adresse électronique est trop longue.')
  .pipe(z.email('L’adresse électronique n’est pas valide.'))
  .transform((email) => email.toLowerCase());

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function emailDomain(email: string): string {
  return normalizeEmail(email).split('@').pop() ?? '';
}
