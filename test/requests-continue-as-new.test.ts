import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startEphemeralDevServer, type DevServer } from '../runtime/temporal-dev-server.ts';
import { requestWorkflowId } from '../workflows/access-request.ts';
import { eventually, startTestPlatform, type TestPlatform } from './helpers/platform.ts';
import { applicantWithDraft, fillAndSubmit, signInInstructor } from './helpers/requests.ts';

/**
 * A validated request lives for years, and its history would grow with every revision. A server of its own,
 * which suggests continuing as new after a few dozen events, makes the request's workflow do it within one
 * test: the request must carry on across runs as if nothing happened.
 */
let temporal: DevServer;
let platform: TestPlatform;

before(async () => {
  temporal = await startEphemeralDevServer(() => undefined, {
    'limit.historyCount.suggestContinueAsNew': 30,
  });
  platform = await startTestPlatform({ env: { TEMPORAL_ADDRESS: temporal.address } });
});
after(async () => {
  await platform?.stop();
  await temporal?.stop();
});

describe('a request whose history grows long', () => {
  it('continues as new between commands, and its next commands, approval and credential work as before', async () => {
    const { client, requestId } = await applicantWithDraft(platform);
    const instructor = await signInInstructor(platform);
    const { client: temporalClient } = platform.services.temporal;
    const runs = async () => {
      const found: string[] = [];
      for await (const execution of temporalClient.workflow.list({
        query: `WorkflowId = '${requestWorkflowId(requestId)}'`,
      }))
        found.push(execution.status.name);
      return found;
    };

    // Rounds of changes asked and made, until the workflow has started afresh at least once.
    for (let round = 0; round < 6 && !(await runs()).includes('CONTINUED_AS_NEW'); round++) {
      await fillAndSubmit(client, requestId);
      const asked = await instructor.send('POST', `/api/v1/requests/${requestId}/request-changes`, {
        reason: `Précisez la base légale (tour ${round + 1}).`,
      });
      assert.equal(asked.status, 200, asked.text);
    }
    await eventually(
      async () => ((await runs()).includes('CONTINUED_AS_NEW') ? true : undefined),
      30_000,
      'a run continued as new',
    );

    await fillAndSubmit(client, requestId);
    const approved = await instructor.send('POST', `/api/v1/requests/${requestId}/approve`);
    assert.equal(approved.status, 200, approved.text);
    assert.equal(approved.json.state, 'validated');
    const habilitation = await eventually(async () => {
      const answer = await client.get(`/api/v1/habilitations/${approved.json.habilitationId}`);
      return answer.status === 200 && answer.json.tokens.length === 1 ? answer.json : undefined;
    });
    assert.equal(habilitation.tokens.length, 1);

    const { rows } = await platform.services.db.query<{ state: string; version: number }>(
      'SELECT state, version FROM access_requests WHERE id = $1',
      [requestId],
    );
    assert.equal(rows[0]!.state, 'validated');
    const transitions = await platform.services.db.query<{ count: number }>(
      `SELECT count(*)::int AS count FROM request_events WHERE request_id = $1 AND details ? 'version'`,
      [requestId],
    );
    assert.equal(transitions.rows[0]!.count, rows[0]!.version, 'each transition recorded once');
    const statuses = await runs();
    assert.ok(statuses.filter((status) => status === 'CONTINUED_AS_NEW').length >= 1, statuses.join());
    assert.equal(statuses.filter((status) => status === 'RUNNING').length, 1, 'one run carries on');
  });
});
