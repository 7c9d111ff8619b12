import fc from 'fast-check';
import type { JsonSchema } from './openapi-operations.ts';
import { ObjectRef, type FuzzValue } from './symbolic-values.ts';

/**
 * Values that a schema accepts, or nearly: the starting point of every bad request, so that each one carries a
 * single fault and the route gets past the faults it does not test. Where a field's name says what it holds (a
 * SIRET, a definition, a user's id), the platform's real values are used some of the time, to get past the 404
 * of an unknown object.
 */
export interface Vocabulary {
  /** Realistic values by property name (`siret`, `definition`…). */
  byName: Record<string, fc.Arbitrary<FuzzValue>>;
  /** Schemas to fill an open object with (a draft's form data: the definitions' form schemas). */
  openObjects: JsonSchema[];
}

const MAX_DEPTH = 6;

export function schemaValue(
  schema: JsonSchema,
  vocabulary: Vocabulary,
  name = '',
  depth = 0,
): fc.Arbitrary<FuzzValue> {
  const known = vocabulary.byName[name];
  const own = ownValue(schema, vocabulary, name, depth);
  return known ? fc.oneof({ arbitrary: known, weight: 2 }, { arbitrary: own, weight: 1 }) : own;
}

function ownValue(
  schema: JsonSchema,
  vocabulary: Vocabulary,
  name: string,
  depth: number,
): fc.Arbitrary<FuzzValue> {
  if ('const' in schema) return fc.constant(schema.const as FuzzValue);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as FuzzValue[]));
  const alternatives = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (Array.isArray(alternatives) && alternatives.length > 0)
    return fc.oneof(...alternatives.map((alternative) => schemaValue(alternative, vocabulary, name, depth)));
  if (Array.isArray(schema.allOf) && schema.allOf.length > 0)
    return schemaValue(Object.assign({}, ...(schema.allOf as JsonSchema[])), vocabulary, name, depth);
  const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string | undefined];
  return fc.oneof(...types.map((type) => typedValue(type, schema, vocabulary, name, depth)));
}

function typedValue(
  type: string | undefined,
  schema: JsonSchema,
  vocabulary: Vocabulary,
  name: string,
  depth: number,
): fc.Arbitrary<FuzzValue> {
  switch (type) {
    case 'null':
      return fc.constant(null);
    case 'boolean':
      return fc.boolean();
    case 'integer':
      return fc.integer({ min: numberOr(schema.minimum, -1_000), max: numberOr(schema.maximum, 1_000) });
    case 'number':
      return fc.double({
        min: numberOr(schema.minimum, -1_000),
        max: numberOr(schema.maximum, 1_000),
        noNaN: true,
        noDefaultInfinity: true,
      });
    case 'string':
      return stringValue(schema, name);
    case 'array':
      return arrayValue(schema, vocabulary, name, depth);
    case 'object':
      return objectValue(schema, vocabulary, depth);
    default:
      // No type: anything JSON.
      return fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<FuzzValue>;
  }
}

const numberOr = (value: unknown, fallback: number) => (typeof value === 'number' ? value : fallback);

function stringValue(schema: JsonSchema, name: string): fc.Arbitrary<FuzzValue> {
  const minLength = numberOr(schema.minLength, 0);
  const maxLength = Math.min(numberOr(schema.maxLength, 40), minLength + 40);
  switch (schema.format) {
    case 'uuid':
      return fc.oneof(
        fc.nat().map((pick): FuzzValue => new ObjectRef(name, pick)),
        fc.uuid(),
      );
    case 'email':
      return fc.emailAddress();
    case 'uri':
      return fc.webUrl();
    case 'date':
      return fc.date({ noInvalidDate: true }).map((date) => date.toISOString().slice(0, 10));
    case 'date-time':
      return fc.date({ noInvalidDate: true }).map((date) => date.toISOString());
  }
  if (typeof schema.pattern === 'string') {
    try {
      return fc.stringMatching(new RegExp(schema.pattern, 'u'), { maxLength: Math.max(maxLength, 1) });
    } catch {
      // A pattern only JSON Schema understands: plain text will do.
    }
  }
  return fc.string({ minLength, maxLength, unit: 'grapheme' });
}

function arrayValue(
  schema: JsonSchema,
  vocabulary: Vocabulary,
  name: string,
  depth: number,
): fc.Arbitrary<FuzzValue> {
  const minLength = numberOr(schema.minItems, 0);
  const maxLength = Math.min(numberOr(schema.maxItems, minLength + 3), minLength + 3);
  if (depth >= MAX_DEPTH) return fc.constant([]);
  const items = (schema.items as JsonSchema | undefined) ?? {};
  return fc.array(schemaValue(items, vocabulary, name, depth + 1), { minLength, maxLength });
}

function objectValue(schema: JsonSchema, vocabulary: Vocabulary, depth: number): fc.Arbitrary<FuzzValue> {
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema.required ?? []) as string[]);
  const open = schema.additionalProperties !== undefined && schema.additionalProperties !== false;
  if (Object.keys(properties).length === 0 && open && vocabulary.openObjects.length > 0 && depth < MAX_DEPTH)
    return fc.oneof(...vocabulary.openObjects.map((form) => objectValue(form, vocabulary, depth + 1)));
  if (depth >= MAX_DEPTH) return fc.constant({});
  const entries = Object.entries(properties).map(([key, property]) =>
    required.has(key)
      ? schemaValue(property, vocabulary, key, depth + 1).map(
          (value) => [[key, value]] as [string, FuzzValue][],
        )
      : fc
          .option(schemaValue(property, vocabulary, key, depth + 1), { nil: undefined, freq: 3 })
          .map((value) => (value === undefined ? [] : [[key, value]]) as [string, FuzzValue][]),
  );
  return fc.tuple(...entries).map((pairs) => Object.fromEntries(pairs.flat()) as FuzzValue);
}
