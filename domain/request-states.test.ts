import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  allowedCommands,
  nextState,
  REQUEST_COMMANDS,
  REQUEST_STATES,
  type RequestState,
} from './request-states.ts';

// The table of spec §3, written out once more by hand: every (state, event) pair not listed is refused.
const SPEC: Record<string, RequestState> = {
  'draft submit': 'submitted',
  'changes_requested submit': 'submitted',
  'submitted organisation_check_failed': 'pending_support',
  'pending_support resolve': 'submitted',
  'submitted request_changes': 'changes_requested',
  'submitted approve': 'validated',
  'submitted refuse': 'refused',
  'draft archive': 'archived',
  'changes_requested archive': 'archived',
  'draft inactivity_archive': 'archived',
  'changes_requested inactivity_archive': 'archived',
  'validated revoke': 'revoked',
  'validated reopen': 'draft',
};

test('every state and event of the spec’s table, and nothing else', () => {
  for (const state of REQUEST_STATES) {
    for (const event of [...REQUEST_COMMANDS, 'organisation_check_failed', 'inactivity_archive'] as const) {
      assert.equal(
        nextState({ state, reopened: false }, event),
        SPEC[`${state} ${event}`],
        `${state} + ${event}`,
      );
    }
  }
});

test('final states allow nothing', () => {
  for (const state of ['refused', 'archived', 'revoked'] as const)
    assert.deepEqual(allowedCommands({ state, reopened: false }), []);
});

test('a reopened revision that is refused or archived goes back to validated; approved, it is validated', () => {
  assert.equal(nextState({ state: 'submitted', reopened: true }, 'refuse'), 'validated');
  assert.equal(nextState({ state: 'draft', reopened: true }, 'archive'), 'validated');
  assert.equal(nextState({ state: 'draft', reopened: true }, 'inactivity_archive'), 'validated');
  assert.equal(nextState({ state: 'submitted', reopened: true }, 'approve'), 'validated');
  assert.equal(nextState({ state: 'submitted', reopened: true }, 'request_changes'), 'changes_requested');
  assert.equal(
    nextState({ state: 'draft', reopened: true }, 'revoke'),
    undefined,
    'revoke waits for the decision',
  );
});
