import { z } from 'zod';
import type { Definition } from '../domain/definitions.ts';
import { notFound } from '../domain/errors.ts';
import { draftSchema } from '../domain/request-form.ts';
import type { AppDeps } from './deps.ts';

/** The API definitions anyone may read: what can be asked for, and the shape of the form. */
export function listDefinitions(deps: AppDeps): readonly Definition[] {
  return deps.definitions.list();
}

export function findDefinition(deps: AppDeps, slug: string): Definition {
  const definition = deps.definitions.find(slug);
  if (!definition) throw notFound();
  return definition;
}

const jsonSchemas = new WeakMap<Definition, Record<string, unknown>>();

/**
 * The JSON Schema of a definition's form data: every block and field it accepts, with the identifiers of its
 * scopes and use cases. Drafts may leave any field out; a submission needs them all (see submit's 422 errors).
 */
export function formJsonSchema(definition: Definition): Record<string, unknown> {
  const known = jsonSchemas.get(definition);
  if (known) return known;
  const schema = z.toJSONSchema(draftSchema(definition), { io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  jsonSchemas.set(definition, schema);
  return schema;
}
