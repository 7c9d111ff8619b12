import fc from 'fast-check';
import { RawJson, type FuzzValue } from './symbolic-values.ts';

/**
 * Values a clumsy user or an attacker puts where a field goes: text with invisible or broken characters, text
 * far too long, the wrong JSON type, numbers JSON can write but JavaScript cannot hold, nesting deep enough to
 * matter, and keys that mean something to JavaScript.
 */

/** C0 controls (NUL first), DEL, C1 controls, and UTF-16 halves that no UTF-8 can carry. */
const CONTROL_CHARACTERS = [
  ...Array.from({ length: 32 }, (_, code) => String.fromCharCode(code)),
  '\u007f',
  '\u0085',
  '\u009b',
  '\u009f',
];
const LONE_SURROGATES = ['\ud800', '\udbff', '\udc00', '\udfff'];

/** Characters that are valid but often mishandled: bidi overrides, zero-width, BOM, combining, astral. */
const ODD_UNICODE = [
  '\u202e',
  '\u200b',
  '\ufeff',
  '\u2028',
  '\u2029',
  'e\u0301',
  '\u{1f600}',
  '\uffff',
  '\ufffd',
  '２１４５７９５６７０００１４',
  'İ',
  'ß',
];

/** Texts that mean something to a database, a template, a shell or a path. */
const LOADED_TEXTS = [
  "'; DROP TABLE users; --",
  '" OR 1=1 --',
  '\\',
  '\\u0000',
  '%00',
  '%',
  '{{constructor.constructor}}',
  '${7*7}',
  '<script>alert(1)</script>',
  '../../../../etc/passwd',
  '__proto__',
  'null',
  'undefined',
  'NaN',
  '-0',
  '1e400',
  ' ',
  '\t',
  '',
];

export const controlCharacter = fc.constantFrom(...CONTROL_CHARACTERS);
export const loneSurrogate = fc.constantFrom(...LONE_SURROGATES);

/** Ordinary text, in which a control character, a lone surrogate or an odd character is set. */
const taintedText = fc
  .tuple(
    fc.string({ maxLength: 12 }),
    fc.oneof(controlCharacter, loneSurrogate, fc.constantFrom(...ODD_UNICODE)),
    fc.string({ maxLength: 12 }),
  )
  .map(([before, odd, after]) => `${before}${odd}${after}`);

/** Long text: past every length limit a form has, up to just past the 1 MB body limit. */
export const hugeText = fc.oneof(
  fc.constantFrom(257, 1_001, 4_097, 65_537, 400_000, 1_100_000).map((length) => 'x'.repeat(length)),
  // Characters that take several bytes, or a %-escape each in a form: fewer of them.
  fc
    .tuple(fc.constantFrom(257, 1_001, 4_097, 65_537, 200_000), fc.constantFrom('é', '\u0000', '🦊'))
    .map(([length, unit]) => unit.repeat(length)),
);

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: taintedText, weight: 5 },
  { arbitrary: fc.constantFrom(...LOADED_TEXTS), weight: 2 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 24 }), weight: 2 },
  { arbitrary: fc.constantFrom(...ODD_UNICODE), weight: 1 },
  { arbitrary: hugeText, weight: 1 },
);

/** JSON of another type than expected, and numbers at the edges of what JSON and JavaScript hold. */
export const wrongType: fc.Arbitrary<FuzzValue> = fc.constantFrom<FuzzValue>(
  null,
  true,
  false,
  0,
  -1,
  1.5,
  2 ** 53 + 2,
  -(2 ** 31),
  1e308,
  [],
  {},
  [null],
  { value: 'x' },
  'true',
  '12',
  new RawJson('1e400'),
  new RawJson('-1e400'),
  new RawJson('-0'),
  new RawJson('1e-400'),
  new RawJson('123456789012345678901234567890'),
);

/** Arrays or objects nested around the 32 levels the API allows, or thousands deep. */
export const deepValue: fc.Arbitrary<FuzzValue> = fc
  .tuple(fc.constantFrom(30, 31, 32, 33, 40, 5_000), fc.boolean())
  .map(([depth, arrays]) =>
    arrays
      ? new RawJson(`${'['.repeat(depth)}"x"${']'.repeat(depth)}`)
      : new RawJson(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`),
  );

export const hugeArray: fc.Arbitrary<FuzzValue> = fc
  .constantFrom(101, 2_000, 60_000)
  .map((length) => new RawJson(`[${Array.from({ length }, (_, index) => `"s${index}"`).join(',')}]`));

/** Keys that mean something to JavaScript objects, query parsers or our own forms. */
export const hostileKey = fc.oneof(
  fc.constantFrom(
    '__proto__',
    'constructor',
    'prototype',
    'toString',
    'hasOwnProperty',
    '',
    'a.b',
    '0',
    '$where',
    '_csrf',
    'key\u0000',
    'k'.repeat(5_000),
  ),
  fc.string({ unit: 'binary', maxLength: 8 }),
);

/** An object whose keys are hostile, or a key repeated (JSON.parse keeps the last). */
export const hostileObject: fc.Arbitrary<FuzzValue> = fc.oneof(
  fc
    .array(fc.tuple(hostileKey, fc.oneof(fc.string({ maxLength: 5 }), fc.integer())), {
      minLength: 1,
      maxLength: 3,
    })
    .map((entries) => Object.fromEntries(entries) as FuzzValue),
  fc.constant(new RawJson('{"a":1,"a":{"b":2},"__proto__":{"polluted":true}}')),
);

export const hostileValue: fc.Arbitrary<FuzzValue> = fc.oneof(
  { arbitrary: hostileString, weight: 6 },
  { arbitrary: wrongType, weight: 4 },
  { arbitrary: deepValue, weight: 1 },
  { arbitrary: hugeArray, weight: 1 },
  { arbitrary: hostileObject, weight: 1 },
);
