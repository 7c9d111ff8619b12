import fc from 'fast-check';
import { applyFault, bodyFault, type BodyShape } from './body-faults.ts';
import { envelope, type Envelope } from './envelopes.ts';
import { fileFlaws } from './form-bodies.ts';
import {
  BROKEN_BASIC,
  copies,
  forwardedFor,
  type CallerName,
  type CsrfUse,
  type GeneratedRequest,
} from './fuzz-request.ts';
import { cookieUse, extraHeaders, otherMethod, type CookieUse } from './header-faults.ts';
import { hostileValue } from './hostile-values.ts';
import { schemaValue, type Vocabulary } from './json-schema-values.ts';
import type { ApiOperation } from './openapi-operations.ts';
import { collectionsOf, segment, type Segment } from './path-segments.ts';
import { operationQueryParams, queryString } from './query-strings.ts';
import { ObjectRef } from './symbolic-values.ts';

/**
 * The bad requests of one API operation. Most carry their fault in one place — the body, the path, the query,
 * how the body is packed, or who sends it — with the rest as the route expects (a real object's id, the owner's
 * session and CSRF token), so that the fault reaches the code that must refuse it; some are bad everywhere.
 */
type Focus = 'body' | 'path' | 'query' | 'envelope' | 'auth' | 'headers' | 'method' | 'everything';

const GOOD_ENVELOPE: Envelope = { contentType: undefined, encoding: 'none' };

/** Who sends it: for a session route, mostly its owner; anonymous only when the fault is the caller. */
function callers(operation: ApiOperation, good: boolean): fc.Arbitrary<CallerName> {
  const weighted = (weights: [CallerName, number][]) =>
    fc.oneof(...weights.map(([caller, weight]) => ({ arbitrary: fc.constant(caller), weight })));
  switch (operation.auth) {
    case 'session':
      return good
        ? weighted([
            ['applicant', 6],
            ['instructor', 2],
            ['admin', 1],
          ])
        : weighted([
            ['applicant', 6],
            ['instructor', 2],
            ['admin', 1],
            ['anonymous', 2],
          ]);
    case 'public':
      return weighted([
        ['anonymous', 5],
        ['applicant', 3],
        ['instructor', 1],
      ]);
    case 'provider':
      // Providers are known by their Authorization header, not a session.
      return fc.constant<CallerName>('anonymous');
  }
}

const csrfUse = fc.oneof(
  { arbitrary: fc.constant<CsrfUse>('valid'), weight: 8 },
  { arbitrary: fc.constantFrom<CsrfUse>('missing', 'wrong'), weight: 2 },
);

const basicUse = fc.oneof(
  { arbitrary: fc.constant('valid'), weight: 6 },
  { arbitrary: fc.constant('none'), weight: 1 },
  { arbitrary: fc.constantFrom(...BROKEN_BASIC), weight: 2 },
);

function segments(operation: ApiOperation, good: boolean): fc.Arbitrary<Record<string, Segment>> {
  const collections = collectionsOf(operation.path);
  const shape = Object.fromEntries(
    operation.pathParams.map(({ name }) => {
      const collection = collections[name] ?? '';
      const real = fc.nat().map((pick): Segment => new ObjectRef(`${collection}/${name}`, pick));
      return [name, good ? real : segment(collection, name)];
    }),
  );
  return fc.record(shape);
}

function body(operation: ApiOperation, vocabulary: Vocabulary, good: boolean): fc.Arbitrary<BodyShape> {
  if (operation.body === undefined) {
    // No body expected: mostly none, sometimes one anyway.
    return good
      ? fc.constant<BodyShape>({ kind: 'none' })
      : fc.oneof(
          { arbitrary: fc.constant<BodyShape>({ kind: 'none' }), weight: 2 },
          { arbitrary: hostileValue.map((value): BodyShape => ({ kind: 'json', value })), weight: 1 },
        );
  }
  const valid = schemaValue(operation.body.schema, vocabulary);
  if (good) return valid.map((value): BodyShape => ({ kind: 'json', value }));
  return fc.tuple(valid, bodyFault).map(([value, fault]) => applyFault(value, fault));
}

function formatOf(operation: ApiOperation): GeneratedRequest['format'] {
  const mediaType = operation.body?.mediaType ?? 'application/json';
  if (mediaType.startsWith('multipart/')) return 'multipart';
  if (mediaType === 'application/x-www-form-urlencoded') return 'urlencoded';
  return 'json';
}

/** Properties the document marks as files (`format: binary`). */
function fileFieldsOf(operation: ApiOperation): string[] {
  const properties = (operation.body?.schema.properties ?? {}) as Record<string, { format?: string }>;
  return Object.entries(properties)
    .filter(([, property]) => property.format === 'binary')
    .map(([name]) => name);
}

export function apiRequest(operation: ApiOperation, vocabulary: Vocabulary): fc.Arbitrary<GeneratedRequest> {
  const focus = fc.constantFrom<Focus>(
    'body',
    'body',
    'body',
    'path',
    'query',
    'envelope',
    'auth',
    'headers',
    'method',
    'everything',
  );
  return focus
    .chain((on) => {
      const bad = (part: Focus) => on === part || on === 'everything';
      return fc.record({
        segments: segments(operation, !bad('path')),
        query: queryString(operationQueryParams(operation, vocabulary), bad('query')),
        body: body(operation, vocabulary, !bad('body')),
        envelope: bad('envelope') ? envelope : fc.constant(GOOD_ENVELOPE),
        fileFlaws,
        caller: callers(operation, !bad('auth')),
        csrf: bad('auth') ? csrfUse : fc.constant<CsrfUse>('valid'),
        basic:
          operation.auth !== 'provider' ? fc.constant('none') : bad('auth') ? basicUse : fc.constant('valid'),
        forwardedFor,
        copies,
        cookie: bad('headers') ? cookieUse : fc.constant<CookieUse>('caller'),
        headers: bad('headers') ? extraHeaders : fc.constant({}),
        method: on === 'method' ? otherMethod(operation.method) : fc.constant(operation.method),
      });
    })
    .map((parts): GeneratedRequest => ({
      target: operation.key,
      template: operation.path,
      format: formatOf(operation),
      fileFields: fileFieldsOf(operation),
      csrfIn: 'header',
      ...parts,
    }));
}
