import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatElapsed, formatPercent } from './french-format.ts';

describe('durations in words', () => {
  it('minutes, then hours and minutes, then days with one decimal', () => {
    assert.equal(formatElapsed(20), '1 min');
    assert.equal(formatElapsed(45 * 60), '45 min');
    assert.equal(formatElapsed(3 * 3600), '3 h');
    assert.equal(formatElapsed(3 * 3600 + 20 * 60), '3 h 20 min');
    assert.equal(formatElapsed(47 * 3600 + 59 * 60), '47 h 59 min');
    assert.equal(formatElapsed(2.5 * 86400), '2,5 jours');
    assert.equal(formatElapsed(12 * 86400), '12 jours');
  });

  it('rates as French percentages', () => {
    assert.equal(formatPercent(0.75).replace(/\s/g, ' '), '75 %');
  });
});
