import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExpiringCache } from './expiring-cache.ts';

describe('ExpiringCache', () => {
  it('answers until the entry’s time, then forgets it', () => {
    const cache = new ExpiringCache<string>(10);
    cache.set('a', 'valeur', 1_000);
    assert.equal(cache.get('a', 999), 'valeur');
    assert.equal(cache.get('a', 1_000), undefined);
    assert.equal(cache.size, 0);
  });

  it('makes room by dropping the oldest entry when full, keeping the others', () => {
    const cache = new ExpiringCache<number>(3);
    for (const [index, key] of ['a', 'b', 'c', 'd'].entries()) cache.set(key, index, 10_000);
    assert.equal(cache.size, 3);
    assert.equal(cache.get('a', 0), undefined);
    assert.deepEqual(
      ['b', 'c', 'd'].map((key) => cache.get(key, 0)),
      [1, 2, 3],
    );
  });

  it('counts a key set again as the newest, without growing', () => {
    const cache = new ExpiringCache<number>(2);
    cache.set('a', 1, 10_000);
    cache.set('b', 2, 10_000);
    cache.set('a', 3, 10_000);
    assert.equal(cache.size, 2);
    cache.set('c', 4, 10_000);
    assert.equal(cache.get('b', 0), undefined);
    assert.equal(cache.get('a', 0), 3);
    assert.equal(cache.get('c', 0), 4);
  });

  it('refuses a bound below one', () => {
    assert.throws(() => new ExpiringCache(0), /maxEntries/);
  });
});
