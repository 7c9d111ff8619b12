import fc from 'fast-check';
import { hostileString } from './hostile-values.ts';
import { ObjectRef, type IdSpelling } from './symbolic-values.ts';

/**
 * What goes in a path parameter: a real object's id (as given, in capitals, wrapped), a well-formed id of nothing,
 * or something malformed — broken %-escapes, encoded slashes and dots, raw bytes that are not UTF-8, ids too long
 * for any column. A string is put in the path as it is (already escaped); a reference is resolved, then escaped.
 */
export type Segment = ObjectRef | string;

/** Bytes in %-escapes, everything but unreserved characters escaped (a lone surrogate becomes U+FFFD). */
export function percentEncode(text: string): string {
  let encoded = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const char = String.fromCharCode(byte);
    encoded += /[A-Za-z0-9\-._~]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return encoded;
}

const MALFORMED = [
  '%',
  '%E0%A4%A',
  '%zz',
  '%C0%AF',
  '%ED%A0%80',
  '%FF',
  '%00',
  '%0A',
  '%2F',
  'a%2Fb',
  '%2e%2e',
  '..',
  '.',
  '%20',
  '',
  // Raw bytes 0x80–0xFF: Node sends them as they are, which is no UTF-8.
  '\u00e9',
  '\u00ff\u00fe',
  'null',
  'undefined',
  '-1',
  '0x10',
  '1e3',
];

const ODD_IDS = [
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  '00000000-0000-4000-8000-00000000000g',
  '00000000-0000-4000-8000-0000000000000',
  '00000000000040008000000000000000',
  'urn:uuid:00000000-0000-4000-8000-000000000000',
  '21457956700014',
  '2145795670001',
  '214579567000140',
  'api-entreprise',
  'API-ENTREPRISE',
];

const spelling = fc.oneof(
  { arbitrary: fc.constant<IdSpelling>('exact'), weight: 8 },
  { arbitrary: fc.constantFrom<IdSpelling>('upper', 'braced', 'no-dashes', 'padded'), weight: 2 },
);

/** A segment for the parameter `name`, which follows `collection` in the path (`requests`, `jetons`…). */
export function segment(collection: string, name: string): fc.Arbitrary<Segment> {
  const hint = `${collection}/${name}`;
  return fc.oneof(
    {
      arbitrary: fc.tuple(fc.nat(), spelling).map(([pick, how]): Segment => new ObjectRef(hint, pick, how)),
      weight: 6,
    },
    { arbitrary: fc.oneof(fc.uuid(), fc.constantFrom(...ODD_IDS)), weight: 2 },
    { arbitrary: fc.constantFrom(...MALFORMED), weight: 2 },
    {
      arbitrary: fc.constantFrom(15, 300, 5_000, 20_000).map((length) => '9'.repeat(length)),
      weight: 1,
    },
    { arbitrary: hostileString.filter((text) => text.length < 300).map(percentEncode), weight: 1 },
  );
}

/** The static segment before each parameter of a path template, e.g. `requests` for `{id}`, `jetons` for `:id`. */
export function collectionsOf(template: string): Record<string, string> {
  const collections: Record<string, string> = {};
  let collection = '';
  for (const part of template.split('/')) {
    const name = /^\{(.+)\}$/.exec(part)?.[1] ?? /^:(.+)$/.exec(part)?.[1];
    if (name === undefined) collection = part;
    else collections[name] = collection;
  }
  return collections;
}
