import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it, mock } from 'node:test';
import type { User } from '../store/users.ts';
import type { AppDeps } from './deps.ts';
import { openShownOnce, sealShownOnce } from './shown-once.ts';

const deps = { credentials: { downloadKey: randomBytes(32) } } as unknown as AppDeps;
const person = (id: string) => ({ id }) as User;

describe('a secret shown once across a redirect', () => {
  it('opens for the person and the purpose it was sealed for, and holds nothing readable', () => {
    const sealed = sealShownOnce(deps, person('a'), 'token', 'sesame_secret');
    assert.ok(!sealed.includes('sesame_secret'));
    assert.equal(openShownOnce(deps, person('a'), 'token', sealed), 'sesame_secret');
    assert.equal(openShownOnce(deps, person('b'), 'token', sealed), undefined, 'another person');
    assert.equal(openShownOnce(deps, person('a'), 'webhook-secret', sealed), undefined, 'another purpose');
    assert.equal(openShownOnce(deps, person('a'), 'token', 'v1.a.b.c'), undefined, 'forged');
  });

  it('is gone after ten minutes', () => {
    mock.timers.enable({ apis: ['Date'], now: Date.parse('2026-12-01T10:00:00Z') });
    try {
      const sealed = sealShownOnce(deps, person('a'), 'invitation-codes', ['c1', 'c2']);
      mock.timers.tick(9 * 60_000);
      assert.deepEqual(openShownOnce(deps, person('a'), 'invitation-codes', sealed), ['c1', 'c2']);
      mock.timers.tick(2 * 60_000);
      assert.equal(openShownOnce(deps, person('a'), 'invitation-codes', sealed), undefined);
    } finally {
      mock.timers.reset();
    }
  });
});
