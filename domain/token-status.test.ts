import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isTokenUsable, renewalRefusal, tokenStatus, type TokenFacts } from './token-status.ts';

const DAY = 86_400_000;
const now = new Date('2026-06-01T12:00:00Z');
const rules = { renewalWindowMs: 90 * DAY, supersededGraceMs: DAY };
const token = (overrides: Partial<TokenFacts> = {}): TokenFacts => ({
  expiresAt: new Date(now.getTime() + 200 * DAY),
  retiresAt: null,
  revokedAt: null,
  habilitationStatus: 'active',
  habilitationEndedAt: null,
  ...overrides,
});

describe('token status', () => {
  it('active, then expiring within the renewal window, then expired', () => {
    assert.equal(tokenStatus(token(), rules, now), 'active');
    assert.equal(
      tokenStatus(token({ expiresAt: new Date(now.getTime() + 30 * DAY) }), rules, now),
      'expiring',
    );
    assert.equal(tokenStatus(token({ expiresAt: now }), rules, now), 'expired');
    assert.equal(isTokenUsable(token({ expiresAt: now }), rules, now), false);
  });

  it('revoked by itself, through its habilitation, or at the end of a replacement’s grace', () => {
    assert.equal(tokenStatus(token({ revokedAt: now }), rules, now), 'revoked');
    assert.equal(tokenStatus(token({ habilitationStatus: 'revoked' }), rules, now), 'revoked');
    const graceOver = token({ retiresAt: new Date(now.getTime() - 1) });
    assert.equal(tokenStatus(graceOver, rules, now), 'revoked');
    assert.equal(isTokenUsable(token({ retiresAt: new Date(now.getTime() + 1) }), rules, now), true);
  });

  it('a superseded habilitation’s token works for the grace counted from the superseding', () => {
    const superseded = (hoursAgo: number) =>
      token({
        habilitationStatus: 'superseded',
        habilitationEndedAt: new Date(now.getTime() - hoursAgo * 3_600_000),
      });
    assert.equal(isTokenUsable(superseded(23), rules, now), true);
    assert.equal(isTokenUsable(superseded(25), rules, now), false);
  });

  it('renews only a working token within the window', () => {
    assert.equal(renewalRefusal(token(), rules, now), 'too_early');
    assert.equal(
      renewalRefusal(token({ expiresAt: new Date(now.getTime() + 10 * DAY) }), rules, now),
      undefined,
    );
    assert.equal(renewalRefusal(token({ revokedAt: now }), rules, now), 'not_usable');
    assert.equal(renewalRefusal(token({ retiresAt: new Date(now.getTime() + DAY) }), rules, now), 'replaced');
  });
});
