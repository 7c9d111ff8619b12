import fc from 'fast-check';
import type { BodyShape } from './body-faults.ts';
import { pack, type Envelope } from './envelopes.ts';
import type { CookieUse } from './header-faults.ts';
import { formPairs, multipart, MULTIPART_BOUNDARY, urlencoded, type FileFlaws } from './form-bodies.ts';
import { percentEncode, type Segment } from './path-segments.ts';
import { renderQuery, type QueryPart } from './query-strings.ts';
import { spell, toJsonText, type ObjectRef } from './symbolic-values.ts';

/**
 * A generated request, before the run's objects and sessions are known (what fast-check generates, shrinks and
 * replays from a seed), and the same request made concrete (what is sent and printed).
 */
export type CallerName = 'anonymous' | 'visitor' | 'applicant' | 'instructor' | 'admin';
export type CsrfUse = 'valid' | 'missing' | 'wrong';
/** The Authorization header of provider routes: theirs, none, or a broken one. */
export type BasicUse = 'valid' | 'none' | string;

export interface GeneratedRequest {
  /** The operation (`POST /api/v1/requests/{id}/archive`) or page route (`POST /demandes/:id/messages`). */
  target: string;
  method: string;
  /** The path with its parameters: `{id}` (API) or `:id` (pages). */
  template: string;
  segments: Record<string, Segment>;
  query: QueryPart[];
  body: BodyShape;
  format: 'json' | 'urlencoded' | 'multipart';
  fileFields: string[];
  fileFlaws: FileFlaws;
  envelope: Envelope;
  caller: CallerName;
  csrf: CsrfUse;
  /** Where the form's own `_csrf` field goes (pages): the field is what the pages read. */
  csrfIn: 'header' | 'field';
  basic: BasicUse;
  forwardedFor: string;
  /** Sent this many times at once: a double click, a retry racing the first try. */
  copies: number;
  cookie: CookieUse;
  /** Other headers, set last (an Authorization here replaces the provider's). */
  headers: Record<string, string>;
}

export interface ConcreteRequest {
  target: string;
  caller: CallerName;
  copies: number;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer | undefined;
}

/** What the run knows when a request is sent: the objects' ids, and each caller's session. */
export interface SendContext {
  resolveRef(ref: ObjectRef): string;
  /** Cookie (and the CSRF token to send, when `csrf` says so) of a caller. */
  session(caller: CallerName): { cookie?: string; csrfToken?: string };
  providerBasic(): string;
}

export const WRONG_CSRF_TOKEN = 'b'.repeat(43);

export const forwardedFor: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.ipV4(), weight: 8 },
  {
    arbitrary: fc.constantFrom(
      'unknown',
      '::1',
      '1.2.3.4, 5.6.7.8',
      '300.1.1.1',
      '',
      'x'.repeat(300),
      '\u00e9',
    ),
    weight: 1,
  },
);

export const copies: fc.Arbitrary<number> = fc.oneof(
  { arbitrary: fc.constant(1), weight: 12 },
  { arbitrary: fc.constantFrom(2, 4), weight: 1 },
);

export const BROKEN_BASIC = [
  'Basic',
  'Basic ',
  'Basic !!!',
  'Basic Og==',
  `Basic ${Buffer.from('sans-deux-points').toString('base64')}`,
  `Basic ${Buffer.from('a\u0000b:c').toString('base64')}`,
  `Basic ${Buffer.from(`${'x'.repeat(5_000)}:y`).toString('base64')}`,
  'Bearer sesame_pas_un_jeton',
  'basic dXNlcjpwYXNz',
  'Digest username="x"',
];

function resolveSegment(segment: Segment, context: SendContext): string {
  if (typeof segment === 'string') return segment;
  return percentEncode(spell(context.resolveRef(segment), segment.spelling));
}

export function concretise(request: GeneratedRequest, context: SendContext): ConcreteRequest {
  const resolve = (ref: ObjectRef) => spell(context.resolveRef(ref), ref.spelling);
  const path = request.template.replace(/\{([^}]+)\}|:([A-Za-z0-9_]+)/g, (whole, braced, coloned) => {
    const segment = request.segments[(braced ?? coloned) as string];
    return segment === undefined ? whole : resolveSegment(segment, context);
  });
  const headers: Record<string, string> = { 'x-forwarded-for': request.forwardedFor };
  const session = context.session(request.caller);
  const cookies =
    request.cookie === 'caller'
      ? [session.cookie]
      : [request.cookie.garbage, request.cookie.keepCaller ? session.cookie : undefined];
  const cookie = cookies.filter((part) => part !== undefined).join('; ');
  if (cookie !== '') headers.cookie = cookie;
  const csrfToken =
    request.csrf === 'valid' ? session.csrfToken : request.csrf === 'wrong' ? WRONG_CSRF_TOKEN : undefined;
  if (csrfToken && request.csrfIn === 'header') headers['x-csrf-token'] = csrfToken;
  if (request.basic === 'valid') headers.authorization = context.providerBasic();
  else if (request.basic !== 'none') headers.authorization = request.basic;

  let raw: Buffer | undefined;
  let mediaType: string | undefined;
  const body = request.body;
  if (body.kind === 'json' && request.format !== 'json') {
    const pairs = formPairs(body.value, resolve);
    if (csrfToken && request.csrfIn === 'field') pairs.unshift(['_csrf', csrfToken]);
    for (const field of request.fileFields)
      if (!pairs.some(([key]) => key === field)) pairs.push([field, '']);
    if (request.format === 'multipart') {
      raw = multipart(pairs, new Set(request.fileFields), request.fileFlaws);
      mediaType = `multipart/form-data; boundary=${MULTIPART_BOUNDARY}`;
    } else {
      raw = urlencoded(pairs);
      mediaType = 'application/x-www-form-urlencoded';
    }
  } else if (body.kind === 'json') {
    raw = Buffer.from(toJsonText(body.value, resolve));
    mediaType = 'application/json';
  } else if (body.kind === 'text') {
    raw = Buffer.from(body.text);
    mediaType = request.format === 'json' ? 'application/json' : 'application/x-www-form-urlencoded';
  } else if (body.kind === 'bytes') {
    raw = Buffer.from(body.bytes);
    mediaType = request.format === 'json' ? 'application/json' : 'application/x-www-form-urlencoded';
  }
  const contentType = request.envelope.contentType === undefined ? mediaType : request.envelope.contentType;
  if (contentType !== null && contentType !== undefined) headers['content-type'] = contentType;
  if (raw !== undefined) {
    const packed = pack(raw, request.envelope.encoding);
    raw = packed.body;
    if (packed.contentEncoding) headers['content-encoding'] = packed.contentEncoding;
  }
  Object.assign(headers, request.headers);
  return {
    target: request.target,
    caller: request.caller,
    copies: request.copies,
    method: request.method,
    path: path + renderQuery(request.query, resolve),
    headers,
    body: raw,
  };
}

/** The request as a report shows it: secrets replaced by whose they are, the body cut short and escaped. */
export function describeRequest(request: ConcreteRequest): string {
  const headers = Object.fromEntries(
    Object.entries(request.headers).map(([name, value]) => [
      name,
      name === 'cookie'
        ? value.replace(/sesame_session=s%3A[\w-]{20,}\.[\w%+/-]{20,}/g, `<session of ${request.caller}>`)
        : name === 'x-csrf-token' && value !== WRONG_CSRF_TOKEN
          ? `<CSRF token of ${request.caller}>`
          : name === 'authorization' && !BROKEN_BASIC.includes(value)
            ? '<the provider’s client credentials>'
            : value.length > 200
              ? `${value.slice(0, 200)}… (${value.length} characters)`
              : value,
    ]),
  );
  const lines = [
    `${request.method} ${request.path.length > 300 ? `${request.path.slice(0, 300)}… (${request.path.length} characters)` : request.path}`,
    `caller: ${request.caller}${request.copies > 1 ? `, ${request.copies} copies at once` : ''}`,
    `headers: ${JSON.stringify(headers)}`,
  ];
  if (request.body !== undefined) {
    // A form carries its CSRF token in a field: shown as whose it is, like the header.
    const text = request.body
      .toString('latin1')
      .replace(/(_csrf=|name="_csrf"\r\n\r\n)([A-Za-z0-9%_-]+)/g, (whole, field: string, token: string) =>
        token === WRONG_CSRF_TOKEN ? whole : `${field}<CSRF token of ${request.caller}>`,
      );
    const excerpt = JSON.stringify(text.length > 400 ? text.slice(0, 400) : text);
    lines.push(
      `body (${request.body.length} bytes${text.length > 400 ? ', first 400' : ''}, as latin1): ${excerpt}`,
    );
  }
  return lines.join('\n');
}
