import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDuration, parseDuration } from './duration.ts';

describe('durations written by operators', () => {
  it('reads seconds, minutes, hours and days', () => {
    assert.equal(parseDuration('30s'), 30_000);
    assert.equal(parseDuration('15m'), 900_000);
    assert.equal(parseDuration('48h'), 172_800_000);
    assert.equal(parseDuration('7d'), 604_800_000);
    assert.equal(parseDuration('250ms'), 250);
    assert.equal(parseDuration('1.5s'), 1_500);
  });

  it('refuses what is not a positive duration', () => {
    for (const bad of ['', '12', 'h', '-5s', '0s', '3 weeks', '2y', 'abc', '1e400d']) {
      assert.equal(parseDuration(bad), undefined, bad);
    }
  });

  it('prints durations in the largest exact unit', () => {
    assert.equal(formatDuration(172_800_000), '2d');
    assert.equal(formatDuration(90_000), '90s');
    assert.equal(formatDuration(1_500), '1500ms');
  });
});
