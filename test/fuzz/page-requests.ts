import fc from 'fast-check';
import type { BodyShape } from './body-faults.ts';
import { envelope, type Envelope } from './envelopes.ts';
import { fileFlaws } from './form-bodies.ts';
import {
  copies,
  forwardedFor,
  type CallerName,
  type CsrfUse,
  type GeneratedRequest,
} from './fuzz-request.ts';
import { hostileKey, hostileString, hostileValue } from './hostile-values.ts';
import { cookieUse, extraHeaders, otherMethod, type CookieUse } from './header-faults.ts';
import type { Vocabulary } from './json-schema-values.ts';
import type { FormKnowledge } from './page-forms.ts';
import type { PageRoute } from './page-routes.ts';
import { collectionsOf, segment, type Segment } from './path-segments.ts';
import { queryString, type QueryParam, type QueryPart } from './query-strings.ts';
import { ObjectRef, type FuzzValue } from './symbolic-values.ts';

/**
 * The bad submissions of one page form: its fields missing, hostile or doubled, fields nobody asked for, the CSRF
 * token absent or wrong, ids in the address that name nothing or are malformed, another content type, a body
 * that is not a form or is too big, odd headers, another method — one fault at a time mostly, with the form as
 * the page offers it around it. A page that is read (GET) gets the same faults in its query string: the fields
 * of its search forms and the parameters of its links.
 */
type Focus = 'fields' | 'csrf' | 'path' | 'envelope' | 'body' | 'headers' | 'method' | 'everything';

const GOOD_ENVELOPE: Envelope = { contentType: undefined, encoding: 'none' };

/** Past the pages' 200 fields. */
const TOO_MANY_FIELDS = Array.from({ length: 250 }, (_, index): [string, FuzzValue] => [`f${index}`, 'x']);

const BROKEN_FORMS = ['%', '&&&', 'a[b]=', 'x=%E0%A4%A', '=', '_csrf', 'a=%ZZ', '%00=%00'];

function fieldValue(
  name: string,
  offered: string[],
  vocabulary: Vocabulary,
  good: boolean,
): fc.Arbitrary<FuzzValue | undefined> {
  // What the page offers (a hidden field's value, an option), else what such a field holds, else some text.
  const choices = offered.filter((value) => value !== '');
  const known = vocabulary.byName[name];
  const offeredValue: fc.Arbitrary<FuzzValue> =
    choices.length > 0
      ? fc.constantFrom(...choices)
      : (known ?? fc.string({ minLength: 1, maxLength: 20, unit: 'grapheme' }));
  if (good) return offeredValue;
  return fc.oneof(
    { arbitrary: offeredValue, weight: 4 },
    { arbitrary: hostileString, weight: 4 },
    { arbitrary: fc.constant(undefined), weight: 2 },
    // Twice: a form parser gives a list where one value was expected.
    {
      arbitrary: fc.tuple(offeredValue, hostileString).map(([first, second]): FuzzValue => [first, second]),
      weight: 1,
    },
    { arbitrary: fc.nat().map((pick): FuzzValue => new ObjectRef(name, pick)), weight: 1 },
  );
}

function fields(
  knowledge: FormKnowledge | undefined,
  vocabulary: Vocabulary,
  good: boolean,
): fc.Arbitrary<FuzzValue> {
  const known = [...(knowledge?.fields ?? new Map<string, string[]>())].filter(
    ([name]) => !knowledge?.fileFields.has(name),
  );
  const values = known.map(([name, offered]) =>
    fieldValue(name, offered, vocabulary, good).map((value) => [name, value] as const),
  );
  const extra = good
    ? fc.constant([] as [string, FuzzValue][])
    : fc.oneof(
        { arbitrary: fc.constant([] as [string, FuzzValue][]), weight: 8 },
        {
          arbitrary: fc
            .tuple(hostileKey, hostileString)
            .map(([key, value]) => [[key, value]] as [string, FuzzValue][]),
          weight: 1,
        },
        { arbitrary: fc.constant(TOO_MANY_FIELDS), weight: 1 },
      );
  return fc
    .tuple(fc.tuple(...values), extra)
    .map(
      ([pairs, more]) =>
        Object.fromEntries([...pairs.filter(([, value]) => value !== undefined), ...more]) as FuzzValue,
    );
}

function segments(route: PageRoute, good: boolean): fc.Arbitrary<Record<string, Segment>> {
  const collections = collectionsOf(route.path);
  return fc.record(
    Object.fromEntries(
      route.params.map((name) => {
        const collection = collections[name] ?? '';
        const real = fc.nat().map((pick): Segment => new ObjectRef(`${collection}/${name}`, pick));
        return [name, good ? real : segment(collection, name)];
      }),
    ),
  );
}

function callers(knowledge: FormKnowledge | undefined, good: boolean): fc.Arbitrary<CallerName> {
  const seenBy = [...(knowledge?.seenBy ?? [])];
  const usual =
    seenBy.length > 0 ? fc.constantFrom(...seenBy) : fc.constantFrom<CallerName>('applicant', 'visitor');
  if (good) return usual;
  return fc.oneof(
    { arbitrary: usual, weight: 4 },
    {
      arbitrary: fc.constantFrom<CallerName>('applicant', 'instructor', 'admin', 'visitor', 'anonymous'),
      weight: 2,
    },
  );
}

function body(
  knowledge: FormKnowledge | undefined,
  vocabulary: Vocabulary,
  good: boolean,
): fc.Arbitrary<BodyShape> {
  const form = fields(knowledge, vocabulary, good).map((value): BodyShape => ({ kind: 'json', value }));
  if (good) return form;
  return fc.oneof(
    { arbitrary: form, weight: 6 },
    {
      arbitrary: fc.constantFrom(...BROKEN_FORMS).map((text): BodyShape => ({ kind: 'text', text })),
      weight: 1,
    },
    {
      arbitrary: fc.constant<BodyShape>({ kind: 'bytes', bytes: [0x61, 0x3d, 0xc0, 0xaf, 0xff] }),
      weight: 1,
    },
    // Past the pages' 100 KB.
    {
      arbitrary: fc.constant<BodyShape>({ kind: 'json', value: { message: 'x'.repeat(150_000) } }),
      weight: 1,
    },
    { arbitrary: hostileValue.map((value): BodyShape => ({ kind: 'json', value: { value } })), weight: 1 },
    { arbitrary: fc.constant<BodyShape>({ kind: 'none' }), weight: 1 },
  );
}

/** A GET page's query parameters: those of its forms and links. */
function queryParams(knowledge: FormKnowledge | undefined, vocabulary: Vocabulary): QueryParam[] {
  return [...(knowledge?.fields ?? new Map<string, string[]>())].map(([name, offered]) => ({
    name,
    good: fieldValue(name, offered, vocabulary, true) as fc.Arbitrary<FuzzValue>,
  }));
}

export function pageRequest(
  route: PageRoute,
  knowledge: FormKnowledge | undefined,
  vocabulary: Vocabulary,
): fc.Arbitrary<GeneratedRequest> {
  const focus = fc.constantFrom<Focus>(
    'fields',
    'fields',
    'fields',
    'csrf',
    'path',
    'envelope',
    'body',
    'headers',
    'method',
    'everything',
  );
  const multipart = knowledge?.multipart === true;
  const reading = route.method === 'GET';
  return focus
    .chain((on) => {
      const bad = (part: Focus) => on === part || on === 'everything';
      return fc.record({
        segments: segments(route, !bad('path')),
        query: reading
          ? queryString(queryParams(knowledge, vocabulary), bad('fields'))
          : fc.constant<QueryPart[]>([]),
        body: reading
          ? bad('body')
            ? hostileValue.map((value): BodyShape => ({ kind: 'json', value: { value } }))
            : fc.constant<BodyShape>({ kind: 'none' })
          : body(knowledge, vocabulary, !bad('fields') && !bad('body')),
        envelope: bad('envelope') ? envelope : fc.constant(GOOD_ENVELOPE),
        fileFlaws,
        caller: callers(knowledge, !bad('csrf')),
        csrf: bad('csrf')
          ? fc.constantFrom<CsrfUse>('missing', 'wrong', 'valid')
          : fc.constant<CsrfUse>('valid'),
        csrfIn: bad('csrf')
          ? fc.constantFrom('field' as const, 'header' as const)
          : fc.constant('field' as const),
        forwardedFor,
        copies,
        cookie: bad('headers') ? cookieUse : fc.constant<CookieUse>('caller'),
        headers: bad('headers') ? extraHeaders : fc.constant({}),
        method: on === 'method' ? otherMethod(route.method) : fc.constant(route.method),
      });
    })
    .map((parts): GeneratedRequest => ({
      target: route.key,
      template: route.path,
      format: multipart ? 'multipart' : 'urlencoded',
      fileFields: [...(knowledge?.fileFields ?? [])],
      basic: 'none',
      ...parts,
    }));
}
