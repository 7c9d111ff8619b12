import { gzipSync } from 'node:zlib';
import fc from 'fast-check';

/**
 * How a body is announced and packed: Content-Type (the route's own, another one, a broken one) and
 * Content-Encoding (real gzip, gzip that is not gzip or stops half-way, a small gzip that inflates past every
 * limit, encodings the server does not know).
 */
export type Encoding =
  | 'none'
  | 'gzip'
  | 'gzip-garbage'
  | 'gzip-truncated'
  | 'gzip-bomb'
  | 'deflate-garbage'
  | 'br-garbage'
  | 'identity'
  | 'unknown'
  | 'gzip-twice-announced';

export interface Envelope {
  /** `undefined`: the route's own media type; `null`: no Content-Type at all. */
  contentType: string | null | undefined;
  encoding: Encoding;
}

const OTHER_CONTENT_TYPES = [
  'application/json; charset=utf-8',
  'application/json; charset=iso-8859-1',
  'application/json; charset=utf-16',
  'application/json; charset=klingon',
  'APPLICATION/JSON',
  'application/merge-patch+json',
  'application/vnd.api+json',
  'text/plain',
  'text/html',
  'application/x-www-form-urlencoded',
  'application/x-www-form-urlencoded; charset=utf-8',
  'multipart/form-data',
  'multipart/form-data; boundary=',
  'multipart/form-data; boundary=fuzz',
  'application/octet-stream',
  'application/xml',
  '*/*',
  'application/json, text/plain',
  'json',
  ';;;',
  '',
];

export const envelope: fc.Arbitrary<Envelope> = fc.record({
  contentType: fc.oneof(
    { arbitrary: fc.constant(undefined), weight: 12 },
    { arbitrary: fc.constant(null), weight: 1 },
    { arbitrary: fc.constantFrom(...OTHER_CONTENT_TYPES), weight: 3 },
  ),
  encoding: fc.oneof(
    { arbitrary: fc.constant<Encoding>('none'), weight: 14 },
    {
      arbitrary: fc.constantFrom<Encoding>(
        'gzip',
        'gzip-garbage',
        'gzip-truncated',
        'gzip-bomb',
        'deflate-garbage',
        'br-garbage',
        'identity',
        'unknown',
        'gzip-twice-announced',
      ),
      weight: 3,
    },
  ),
});

let bomb: Buffer | undefined;
/** 20 MB of zeros in about 20 KB of gzip. */
function gzipBomb(): Buffer {
  bomb ??= gzipSync(Buffer.alloc(20_000_000));
  return bomb;
}

/** The body as sent, with its Content-Encoding header (none for `none`). */
export function pack(body: Buffer, encoding: Encoding): { body: Buffer; contentEncoding?: string } {
  switch (encoding) {
    case 'none':
      return { body };
    case 'gzip':
      return { body: gzipSync(body), contentEncoding: 'gzip' };
    case 'gzip-garbage':
      return { body, contentEncoding: 'gzip' };
    case 'gzip-truncated': {
      const packed = gzipSync(body);
      return { body: packed.subarray(0, Math.max(10, packed.length >> 1)), contentEncoding: 'gzip' };
    }
    case 'gzip-bomb':
      return { body: gzipBomb(), contentEncoding: 'gzip' };
    case 'deflate-garbage':
      return { body, contentEncoding: 'deflate' };
    case 'br-garbage':
      return { body, contentEncoding: 'br' };
    case 'identity':
      return { body, contentEncoding: 'identity' };
    case 'unknown':
      return { body, contentEncoding: 'x-fuzz' };
    case 'gzip-twice-announced':
      return { body: gzipSync(body), contentEncoding: 'gzip, gzip' };
  }
}
