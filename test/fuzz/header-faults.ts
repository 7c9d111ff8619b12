import fc from 'fast-check';

/**
 * Headers around the body that a client may get wrong or forge: a session cookie that is garbage or doubled,
 * negotiation headers the server must not trip on, forwarded headers a proxy would set, another method than the
 * route's. Node's client refuses control characters in headers, so these stay printable (the HTTP parser is
 * not ours to test).
 */
export type CookieUse = 'caller' | { garbage: string; keepCaller: boolean };

const GARBAGE_COOKIES = [
  'sesame_session=%E0%A4%A',
  'sesame_session=',
  'sesame_session=s%3A',
  'sesame_session=s%3Aabc.def',
  'sesame_session=s%3A00000000-0000-4000-8000-000000000000.AAAA',
  `sesame_session=${'x'.repeat(4_000)}`,
  '=;;;',
  'sesame_session',
  'a=b; a=c; sesame_session=%',
];

export const cookieUse: fc.Arbitrary<CookieUse> = fc.oneof(
  { arbitrary: fc.constant<CookieUse>('caller'), weight: 3 },
  {
    arbitrary: fc.record({ garbage: fc.constantFrom(...GARBAGE_COOKIES), keepCaller: fc.boolean() }),
    weight: 2,
  },
);

const HEADER_CHOICES: [string, string[]][] = [
  ['accept', ['text/html', 'application/json', '*/*;q=abc', 'application/xml', '', 'text/csv', 'image/*']],
  ['accept-language', ['en', 'xx-YY;q=2', '*', ',,,']],
  ['accept-encoding', ['br;q=abc', 'identity;q=0', '*;q=0']],
  ['x-request-id', ['x'.repeat(200), 'a b', '../..', 'ok-request-id-123']],
  ['range', ['bytes=0-10', 'bytes=abc', 'bytes=10-0', 'items=0-1']],
  ['if-none-match', ['*', 'W/"x"', '"']],
  ['if-modified-since', ['not a date', 'Thu, 01 Jan 1970 00:00:00 GMT']],
  ['origin', ['https://pirate.example', 'null']],
  ['referer', ['https://pirate.example/x', '::::']],
  ['x-forwarded-proto', ['https', 'gopher', 'https, http']],
  ['x-forwarded-host', ['pirate.example', 'a b', '[::1']],
  ['x-http-method-override', ['DELETE', 'PUT']],
  ['authorization', ['Bearer sesame_pas_un_jeton', 'Basic !!!', 'Negotiate x']],
  ['expect', ['100-continue', 'x-nothing']],
  ['content-language', ['fr', '"']],
];

export const extraHeaders: fc.Arbitrary<Record<string, string>> = fc
  .subarray(HEADER_CHOICES, { minLength: 1, maxLength: 3 })
  .chain((chosen) =>
    fc.tuple(
      ...chosen.map(([name, values]) => fc.constantFrom(...values).map((value) => [name, value] as const)),
    ),
  )
  .map((pairs) => Object.fromEntries(pairs));

export const OTHER_METHODS = [
  'GET',
  'HEAD',
  'OPTIONS',
  'PUT',
  'PATCH',
  'DELETE',
  'POST',
  'PROPFIND',
  'TRACE',
];

/** Another method than `method` (HEAD and OPTIONS included: Express answers them for every GET route). */
export function otherMethod(method: string): fc.Arbitrary<string> {
  return fc.constantFrom(...OTHER_METHODS.filter((other) => other !== method));
}
