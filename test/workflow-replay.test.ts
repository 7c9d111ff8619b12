import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { testWorkflowBundle } from './helpers/environment.ts';

/**
 * Workflows running in production must survive a deployment: every recorded history (test/histories/, made by
 * `npm run histories:record`) replays against the current workflow code without a nondeterminism error.
 */
const HISTORIES = path.join(import.meta.dirname, 'histories');
const files = readdirSync(HISTORIES).filter((file) => file.endsWith('.json'));

// The replayer's workers report every state change at INFO; only problems matter here.
Runtime.install({ logger: new DefaultLogger('WARN') });

describe('recorded workflow histories replay against the current code', () => {
  it('there are histories for every workflow', () => {
    for (const workflow of [
      'deliver-email',
      'outbox-relay',
      'housekeeping',
      'sign-up',
      'access-request',
      'token-lifecycle',
      'technical-account-lifecycle',
      'deliver-webhook',
      'webhook-relay',
    ]) {
      assert.ok(
        files.some((file) => file.startsWith(`${workflow}.`)),
        `a history of ${workflow}`,
      );
    }
  });

  for (const file of files) {
    it(file, async () => {
      const history = historyFromJSON(JSON.parse(readFileSync(path.join(HISTORIES, file), 'utf8')));
      await Worker.runReplayHistory({ workflowBundle: { codePath: testWorkflowBundle() } }, history, file);
    });
  }
});
