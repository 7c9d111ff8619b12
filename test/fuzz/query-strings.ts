import fc from 'fast-check';
import { hostileString, hostileValue } from './hostile-values.ts';
import { schemaValue, type Vocabulary } from './json-schema-values.ts';
import type { ApiOperation } from './openapi-operations.ts';
import { percentEncode } from './path-segments.ts';
import { RawJson, toText, type FuzzValue, type ResolveRef } from './symbolic-values.ts';

/**
 * Query strings: the declared parameters with good or hostile values, a key repeated (Express then gives an
 * array where a string was expected), bracket keys, broken %-escapes, unknown keys, strings too long for a URL.
 */
export type QueryPart = { raw: string } | { key: string; value: FuzzValue };

/** Past about 16 KB of URL Node's parser answers 431 itself: longer is no test of ours. */
const boundedHostile = hostileValue.filter((value) =>
  typeof value === 'string' ? value.length < 3_000 : !(value instanceof RawJson) || value.text.length < 3_000,
);

const RAW_PARTS = [
  '%',
  '%zz',
  'q=%E0%A4%A',
  '=x',
  'x',
  '&',
  'a[b][c]=1',
  'a[]=1&a[]=2',
  '%00=%00',
  'q=%ED%A0%80',
];

/** A query parameter a route reads, with the values it expects. */
export interface QueryParam {
  name: string;
  good: fc.Arbitrary<FuzzValue>;
}

function badPart({ name, good }: QueryParam): fc.Arbitrary<QueryPart[]> {
  return fc.oneof(
    fc.constant<QueryPart[]>([]),
    good.map((value) => [{ key: name, value }]),
    boundedHostile.map((value) => [{ key: name, value }]),
    // Repeated: `state=a&state=b`.
    fc
      .array(good, { minLength: 2, maxLength: 3 })
      .map((values) => values.map((value) => ({ key: name, value }))),
    good.map((value) => [{ key: `${name}[]`, value }]),
    good.map((value) => [{ key: `${name}[x]`, value }]),
  );
}

function goodPart({ name, good }: QueryParam): fc.Arbitrary<QueryPart[]> {
  return fc
    .option(good, { nil: undefined, freq: 2 })
    .map((value): QueryPart[] => (value === undefined ? [] : [{ key: name, value }]));
}

const extraPart: fc.Arbitrary<QueryPart[]> = fc.oneof(
  fc.constantFrom(...RAW_PARTS).map((raw) => [{ raw }]),
  fc
    .tuple(
      fc.string({ maxLength: 8 }),
      hostileString.filter((text) => text.length < 2_000),
    )
    .map(([key, value]) => [{ key, value }]),
  fc.constantFrom(5_000, 20_000).map((length) => [{ raw: `q=${'x'.repeat(length)}` }]),
);

/** The parameters as expected (each present or not), or with faults and unknown keys when `bad`. */
export function queryString(params: QueryParam[], bad: boolean): fc.Arbitrary<QueryPart[]> {
  if (!bad) return fc.tuple(...params.map(goodPart)).map((parts) => parts.flat());
  return fc
    .tuple(
      fc.tuple(...params.map(badPart)),
      fc.oneof({ arbitrary: fc.constant<QueryPart[]>([]), weight: 3 }, extraPart),
    )
    .map(([parts, extra]) => [...parts.flat(), ...extra]);
}

/** An operation's declared query parameters, valued from their schemas. */
export function operationQueryParams(operation: ApiOperation, vocabulary: Vocabulary): QueryParam[] {
  return operation.queryParams.map((param) => ({
    name: param.name,
    good: schemaValue(param.schema, vocabulary, param.name),
  }));
}

/** The query as sent: `?…`, or nothing. */
export function renderQuery(parts: QueryPart[], resolve: ResolveRef): string {
  if (parts.length === 0) return '';
  const rendered = parts.map((part) =>
    'raw' in part ? part.raw : `${percentEncode(part.key)}=${percentEncode(toText(part.value, resolve))}`,
  );
  return `?${rendered.join('&')}`;
}
