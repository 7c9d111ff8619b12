import fc from 'fast-check';
import { hostileString } from './hostile-values.ts';
import { percentEncode } from './path-segments.ts';
import { ObjectRef, RawJson, toText, type FuzzValue, type ResolveRef } from './symbolic-values.ts';

/**
 * Bodies as forms send them: `application/x-www-form-urlencoded` (a list becomes the key repeated, an object
 * bracketed keys) and `multipart/form-data`, whose file parts get their own faults: a name with a NUL or a path,
 * content that is not what it claims, a file past the size limit, a body cut before its closing boundary.
 */
export const MULTIPART_BOUNDARY = '----sesame-fuzz-boundary';

export interface FileFlaws {
  filename: string;
  type: string;
  content: 'pdf' | 'html' | 'empty' | 'text' | 'huge';
  /** Cut the body before the closing boundary. */
  truncated: boolean;
  /** Announce one boundary, use another. */
  wrongBoundary: boolean;
}

export const fileFlaws: fc.Arbitrary<FileFlaws> = fc.record({
  filename: fc.oneof(
    { arbitrary: fc.constant('deliberation.pdf'), weight: 4 },
    {
      arbitrary: fc.constantFrom(
        '../../etc/passwd',
        'a\u0000.pdf',
        '',
        '.pdf',
        'x.html',
        'é.pdf',
        'a"b.pdf',
        'C:\\a.pdf',
      ),
      weight: 2,
    },
    { arbitrary: hostileString.filter((text) => text.length < 1_000), weight: 1 },
  ),
  type: fc.constantFrom('application/pdf', 'text/html', 'application/octet-stream', '', 'image/png'),
  content: fc.oneof(
    { arbitrary: fc.constant('pdf' as const), weight: 4 },
    { arbitrary: fc.constantFrom('html' as const, 'empty' as const, 'text' as const), weight: 3 },
    { arbitrary: fc.constant('huge' as const), weight: 1 },
  ),
  truncated: fc.oneof(
    { arbitrary: fc.constant(false), weight: 8 },
    { arbitrary: fc.constant(true), weight: 1 },
  ),
  wrongBoundary: fc.oneof(
    { arbitrary: fc.constant(false), weight: 8 },
    { arbitrary: fc.constant(true), weight: 1 },
  ),
});

const PDF = Buffer.from(
  '%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n',
  'latin1',
);

function fileContent(kind: FileFlaws['content']): Buffer {
  switch (kind) {
    case 'pdf':
      return PDF;
    case 'html':
      return Buffer.from('<html><script>alert(1)</script></html>');
    case 'empty':
      return Buffer.alloc(0);
    case 'text':
      return Buffer.from('pas un PDF\u0000');
    case 'huge':
      // Past the 10 MB limit of attachments.
      return Buffer.concat([PDF, Buffer.alloc(10 * 1024 * 1024 + 10)]);
  }
}

/** Fields of a form as key–text pairs: lists repeat their key, objects bracket theirs. */
export function formPairs(value: FuzzValue, resolve: ResolveRef, prefix = ''): [string, string][] {
  if (value instanceof ObjectRef || value instanceof RawJson || value === null || typeof value !== 'object') {
    return prefix === '' ? [['value', toText(value, resolve)]] : [[prefix, toText(value, resolve)]];
  }
  if (Array.isArray(value)) {
    return value.flatMap((item) =>
      item !== null && typeof item === 'object' && !(item instanceof ObjectRef) && !(item instanceof RawJson)
        ? formPairs(item, resolve, `${prefix}[]`)
        : [[prefix === '' ? 'value' : prefix, toText(item, resolve)] as [string, string]],
    );
  }
  return Object.entries(value).flatMap(([key, inner]) =>
    formPairs(inner, resolve, prefix === '' ? key : `${prefix}[${key}]`),
  );
}

export function urlencoded(pairs: [string, string][]): Buffer {
  return Buffer.from(pairs.map(([key, text]) => `${percentEncode(key)}=${percentEncode(text)}`).join('&'));
}

/** A multipart body: `fileFields` become file parts with the flaws, every other pair a plain part. */
export function multipart(pairs: [string, string][], fileFields: Set<string>, flaws: FileFlaws): Buffer {
  const boundary = flaws.wrongBoundary ? `${MULTIPART_BOUNDARY}-other` : MULTIPART_BOUNDARY;
  const quoted = (text: string) =>
    text.replaceAll('"', '%22').replaceAll('\r', '%0D').replaceAll('\n', '%0A');
  const chunks: Buffer[] = [];
  for (const [key, text] of pairs) {
    if (fileFields.has(key)) {
      chunks.push(
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="${quoted(key)}"; filename="${quoted(flaws.filename)}"\r\n` +
            (flaws.type ? `Content-Type: ${flaws.type}\r\n` : '') +
            '\r\n',
        ),
        fileContent(flaws.content),
        Buffer.from('\r\n'),
      );
    } else {
      chunks.push(
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="${quoted(key)}"\r\n\r\n${text}\r\n`,
        ),
      );
    }
  }
  if (!flaws.truncated) chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}
