import fc from 'fast-check';
import { hostileKey, hostileValue, wrongType } from './hostile-values.ts';
import { placesOf, replaceAt, type FuzzValue, ObjectRef, RawJson } from './symbolic-values.ts';

/**
 * One fault set in an otherwise acceptable body: a field of the wrong type or with hostile text, a required field
 * gone, a field nobody asked for, another body altogether, JSON that does not parse, bytes that are not UTF-8.
 * Places are chosen by number (modulo the places the body has), so the fault and the body are generated apart
 * and shrink apart.
 */
export type BodyFault =
  | { kind: 'none' }
  | { kind: 'replace'; at: number; value: FuzzValue }
  | { kind: 'remove'; at: number }
  | { kind: 'extra'; at: number; key: string; value: FuzzValue }
  | { kind: 'root'; value: FuzzValue }
  | { kind: 'text'; text: string }
  | { kind: 'bytes'; bytes: number[] }
  | { kind: 'empty' };

/** A body as it will be written: JSON (with references), text, bytes, or nothing. */
export type BodyShape =
  | { kind: 'json'; value: FuzzValue }
  | { kind: 'text'; text: string }
  | { kind: 'bytes'; bytes: number[] }
  | { kind: 'none' };

const BROKEN_JSON = [
  '{"email":',
  '{',
  '[',
  '}',
  'nul',
  '{"a":1,}',
  "{'a':1}",
  '\ufeff{}',
  ' ',
  '{"a":"\\ud800"}',
  '{"a":"\\u0000"}',
  '{"a":"\\x00"}',
  'NaN',
  '"x"',
  'null',
  'true',
  '[]',
  '0',
  '{"__proto__":{"isAdmin":true}}',
  '{"constructor":{"prototype":{"isAdmin":true}}}',
];

const NOT_UTF8 = [
  [0xff, 0xfe, 0x7b, 0x00, 0x7d, 0x00],
  [0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc0, 0xaf, 0x22, 0x7d],
  [0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d],
  [0x00],
  [0xef, 0xbb, 0xbf, 0x7b, 0x7d],
  [0x80, 0x81, 0x82],
];

export const bodyFault: fc.Arbitrary<BodyFault> = fc.oneof(
  { arbitrary: fc.constant<BodyFault>({ kind: 'none' }), weight: 2 },
  {
    arbitrary: fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), value: hostileValue }),
    weight: 8,
  },
  {
    arbitrary: fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), value: wrongType }),
    weight: 3,
  },
  { arbitrary: fc.record({ kind: fc.constant('remove' as const), at: fc.nat() }), weight: 3 },
  {
    arbitrary: fc.record({
      kind: fc.constant('extra' as const),
      at: fc.nat(),
      key: hostileKey,
      value: fc.oneof(hostileValue, fc.string({ maxLength: 8 })),
    }),
    weight: 2,
  },
  { arbitrary: fc.record({ kind: fc.constant('root' as const), value: hostileValue }), weight: 1 },
  {
    arbitrary: fc.record({ kind: fc.constant('text' as const), text: fc.constantFrom(...BROKEN_JSON) }),
    weight: 1,
  },
  {
    arbitrary: fc.record({ kind: fc.constant('bytes' as const), bytes: fc.constantFrom(...NOT_UTF8) }),
    weight: 1,
  },
  { arbitrary: fc.constant<BodyFault>({ kind: 'empty' }), weight: 1 },
);

const isObject = (value: FuzzValue | undefined): value is { [key: string]: FuzzValue } =>
  value !== null &&
  typeof value === 'object' &&
  !Array.isArray(value) &&
  !(value instanceof ObjectRef) &&
  !(value instanceof RawJson);

function valueAt(root: FuzzValue, path: (string | number)[]): FuzzValue | undefined {
  let current: FuzzValue | undefined = root;
  for (const step of path) {
    if (Array.isArray(current)) current = current[Number(step)];
    else if (isObject(current))
      current = Object.hasOwn(current, String(step)) ? current[String(step)] : undefined;
    else return undefined;
  }
  return current;
}

export function applyFault(body: FuzzValue, fault: BodyFault): BodyShape {
  const places = placesOf(body);
  const pick = (at: number, among = places) => among[at % among.length] ?? [];
  switch (fault.kind) {
    case 'none':
      return { kind: 'json', value: body };
    case 'replace':
      return { kind: 'json', value: replaceAt(body, pick(fault.at), fault.value) };
    case 'remove': {
      const removable = places.filter((place) => place.length > 0);
      if (removable.length === 0) return { kind: 'json', value: body };
      return { kind: 'json', value: replaceAt(body, pick(fault.at, removable), undefined) };
    }
    case 'extra': {
      const objects = places.filter((place) => isObject(valueAt(body, place)));
      if (objects.length === 0) return { kind: 'json', value: { [fault.key]: fault.value } };
      return { kind: 'json', value: replaceAt(body, [...pick(fault.at, objects), fault.key], fault.value) };
    }
    case 'root':
      return { kind: 'json', value: fault.value };
    case 'text':
      return { kind: 'text', text: fault.text };
    case 'bytes':
      return { kind: 'bytes', bytes: fault.bytes };
    case 'empty':
      return { kind: 'none' };
  }
}
