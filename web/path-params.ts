import type { Request } from 'express';
import { notFound } from '../domain/errors.ts';
import { canonicalId } from '../domain/identifiers.ts';

const SIRET = /^\d{14}$/;

/** The SIRET of an organisation page's address; a malformed one names nothing (404). */
export function siretParam(req: Request): string {
  const siret = String(req.params.siret);
  if (!SIRET.test(siret)) throw notFound();
  return siret;
}

/** An identifier in a page's address, canonical (lower case); a malformed one names nothing (404). */
export function idParam(req: Request, name: string): string {
  const id = canonicalId(String(req.params[name]));
  if (id === undefined) throw notFound();
  return id;
}

/** The values of a group of checkboxes: absent when none is ticked, a string when one is. */
export function checkedValues(body: unknown, field: string): string[] {
  const value = (body as Record<string, unknown> | undefined)?.[field];
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string');
  return typeof value === 'string' ? [value] : [];
}
