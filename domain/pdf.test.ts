import assert from 'node:assert/strict';
import { test } from 'node:test';
import { looksLikePdf } from './pdf.ts';

const pdf = (body: string) => Buffer.from(`%PDF-1.7\n${body}\n%%EOF\n`, 'latin1');

test('a PDF is recognised by its header and end marker', () => {
  assert.equal(looksLikePdf(pdf('1 0 obj << >> endobj')), true);
});

test('a renamed HTML page, an empty file or a truncated PDF is not a PDF', () => {
  assert.equal(looksLikePdf(Buffer.from('<html><script>alert(1)</script></html>')), false);
  assert.equal(looksLikePdf(Buffer.alloc(0)), false);
  assert.equal(looksLikePdf(pdf('x'.repeat(5000)).subarray(0, 3000)), false);
});
