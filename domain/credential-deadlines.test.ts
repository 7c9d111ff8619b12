import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pendingDeadlines, remindersSkippedBy, type ScheduleFacts } from './credential-deadlines.ts';

const DAY = 86_400_000;
const OFFSETS = [90 * DAY, 30 * DAY, 7 * DAY, DAY];
const facts = (overrides: Partial<ScheduleFacts> = {}): ScheduleFacts => ({
  ended: false,
  expiresAt: 500 * DAY,
  retiresAt: null,
  sealedUntil: null,
  periodStart: 0,
  remindersSent: [],
  expiryNotified: false,
  ...overrides,
});

describe('credential deadlines', () => {
  it('plans D-90, D-30, D-7, D-1 then the expiry, in time order', () => {
    const plan = pendingDeadlines(facts({ sealedUntil: 7 * DAY }), OFFSETS, 0);
    assert.deepEqual(
      plan.map((deadline) => [deadline.kind, deadline.at / DAY]),
      [
        ['sealed_copy', 7],
        ['reminder', 410],
        ['reminder', 470],
        ['reminder', 493],
        ['reminder', 499],
        ['expiry', 500],
      ],
    );
  });

  it('skips reminders already past when the period began, and those already sent', () => {
    const plan = pendingDeadlines(facts({ expiresAt: 60 * DAY, remindersSent: [7 * DAY] }), OFFSETS, 0);
    assert.deepEqual(
      plan.map((deadline) => deadline.offsetMs && deadline.offsetMs / DAY),
      [30, 1, undefined],
    );
  });

  it('after an outage, sends only the reminder closest to expiry among those due', () => {
    const plan = pendingDeadlines(facts(), OFFSETS, 495 * DAY);
    assert.deepEqual(
      plan.map((deadline) => [deadline.kind, deadline.offsetMs && deadline.offsetMs / DAY]),
      [
        ['reminder', 7],
        ['reminder', 1],
        ['expiry', undefined],
      ],
    );
    assert.deepEqual(remindersSkippedBy(7 * DAY, OFFSETS), [90 * DAY, 30 * DAY]);
  });

  it('has nothing for a revoked credential but its sealed copy, and no reminder for a replaced one', () => {
    assert.deepEqual(pendingDeadlines(facts({ ended: true }), OFFSETS, 0), []);
    assert.deepEqual(
      pendingDeadlines(facts({ ended: true, sealedUntil: DAY }), OFFSETS, 0).map((deadline) => deadline.kind),
      ['sealed_copy'],
    );
    assert.deepEqual(
      pendingDeadlines(facts({ retiresAt: 3 * DAY }), OFFSETS, 0).map((deadline) => deadline.kind),
      ['retirement'],
    );
    assert.deepEqual(pendingDeadlines(facts({ retiresAt: 3 * DAY }), OFFSETS, 4 * DAY), []);
  });

  it('is over once the expiry was notified', () => {
    assert.deepEqual(pendingDeadlines(facts({ expiryNotified: true }), OFFSETS, 501 * DAY), []);
  });
});
