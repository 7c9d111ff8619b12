import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deriveKey } from './keys.ts';
import { seal, unseal } from './sealing.ts';

const key = deriveKey('a'.repeat(40), 'sealed-secrets');

describe('sealed secrets', () => {
  it('open with the same key and associated data', () => {
    const sealed = seal(key, 'https://sesame.test/activation/abc', 'email:1');
    assert.equal(unseal(key, sealed, 'email:1'), 'https://sesame.test/activation/abc');
    assert.ok(!sealed.includes('activation'));
  });

  it('do not open for another row, another key, or after tampering', () => {
    const sealed = seal(key, 'secret', 'email:1');
    assert.equal(unseal(key, sealed, 'email:2'), undefined);
    assert.equal(unseal(deriveKey('b'.repeat(40), 'sealed-secrets'), sealed, 'email:1'), undefined);
    const parts = sealed.split('.');
    parts[2] = Buffer.from('tampered').toString('base64url');
    assert.equal(unseal(key, parts.join('.'), 'email:1'), undefined);
    assert.equal(unseal(key, 'not-a-sealed-value', 'email:1'), undefined);
  });

  it('derives distinct keys per purpose', () => {
    assert.notDeepEqual(
      deriveKey('x'.repeat(40), 'sealed-secrets'),
      deriveKey('x'.repeat(40), 'session-cookie'),
    );
  });
});
