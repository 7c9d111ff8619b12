import type { Request } from 'express';
import { notFound } from '../domain/errors.ts';

const SIRET = /^\d{14}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The SIRET of an organisation page's address; a malformed one names nothing (404). */
export function siretParam(req: Request): string {
  const siret = String(req.params.siret);
  if (!SIRET.test(siret)) throw notFound();
  return siret;
}

/** An identifier in a page's address; a malformed one names nothing (404). */
export function idParam(req: Request, name: string): string {
  const id = String(req.params[name]);
  if (!UUID.test(id)) throw notFound();
  return id;
}

/** The values of a group of checkboxes: absent when none is ticked, a string when one is. */
export function checkedValues(body: unknown, field: string): string[] {
  const value = (body as Record<string, unknown> | undefined)?.[field];
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string');
  return typeof value === 'string' ? [value] : [];
}
