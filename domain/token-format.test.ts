import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  checkTokenShape,
  crc32,
  formatToken,
  TOKEN_LENGTH,
  tokenBodyFromRandom,
  tokenChecksum,
  visiblePart,
} from './token-format.ts';

describe('token format', () => {
  it('computes the standard CRC-32', () => {
    // The check value every CRC-32 implementation is tested against.
    assert.equal(crc32('123456789'), 0xcbf43926);
    assert.equal(crc32(''), 0);
  });

  it('draws a 32-character base62 body, dropping biased bytes', () => {
    const bytes = new Uint8Array(40).fill(0);
    bytes[0] = 255; // ≥ 248: dropped
    bytes[1] = 61;
    const body = tokenBodyFromRandom(bytes);
    assert.equal(body, `z${'0'.repeat(31)}`);
    assert.equal(tokenBodyFromRandom(new Uint8Array(31)), undefined, 'not enough bytes');
    assert.equal(tokenBodyFromRandom(new Uint8Array(40).fill(250)), undefined, 'every byte rejected');
  });

  it('formats tokens that check, with a fixed prefix and length', () => {
    for (let i = 0; i < 50; i++) {
      const token = formatToken(tokenBodyFromRandom(randomBytes(64))!);
      assert.equal(token.length, TOKEN_LENGTH);
      assert.match(token, /^sesame_[0-9A-Za-z]{38}$/);
      assert.equal(checkTokenShape(token), 'valid');
      assert.equal(visiblePart(token), token.slice(0, 13));
    }
  });

  it('pads the checksum to 6 characters', () => {
    for (const body of ['a', 'b', 'x'.repeat(32)]) assert.equal(tokenChecksum(body).length, 6);
  });

  it('tells a malformed token from one whose checksum is wrong', () => {
    const token = formatToken('A'.repeat(32));
    assert.equal(checkTokenShape(token), 'valid');
    assert.equal(checkTokenShape(token.slice(0, -1)), 'malformed', 'truncated');
    assert.equal(checkTokenShape(`${token}x`), 'malformed', 'too long');
    assert.equal(checkTokenShape(token.replace('sesame_', 'sesamo_')), 'malformed', 'other prefix');
    assert.equal(checkTokenShape(token.replace(/.$/, '-')), 'malformed', 'outside the alphabet');
    assert.equal(checkTokenShape(''), 'malformed');
    // One character of the body changed: the checksum no longer matches.
    const typo = `${token.slice(0, 10)}${token[10] === 'B' ? 'C' : 'B'}${token.slice(11)}`;
    assert.equal(checkTokenShape(typo), 'bad_checksum');
  });
});
