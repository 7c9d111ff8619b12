import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lastUseDelayText } from './last-use.ts';

describe('how far behind a last-use time may be', () => {
  it('is said from the configured interval', () => {
    assert.equal(lastUseDelayText(10_000), 'mise à jour toutes les 10 secondes environ');
    assert.equal(lastUseDelayText(30_000), 'mise à jour toutes les 30 secondes environ');
    assert.equal(lastUseDelayText(1_000), 'mise à jour chaque seconde environ');
    assert.equal(lastUseDelayText(300_000), 'mise à jour toutes les 5 minutes environ');
  });
});
