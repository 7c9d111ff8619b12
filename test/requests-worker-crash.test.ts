import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  crashTestPlatform,
  killWorkerInsideTransaction,
  needsPostgresServer,
} from './helpers/worker-crash.ts';
import { randomUUID } from 'node:crypto';
import { accessRequest, requestWorkflowId } from '../workflows/access-request.ts';
import { startScript } from './helpers/processes.ts';
import { applicantWithDraft, fillAndSubmit, signInInstructor } from './helpers/requests.ts';

const setup = crashTestPlatform();

describe('a worker killed between an approval and the habilitation it creates', () => {
  it('creates exactly one habilitation after a new worker takes over', needsPostgresServer, async () => {
    const { platform } = setup;
    let requestId = '';
    let organisationId = '';
    await killWorkerInsideTransaction(platform, {
      async prepare() {
        const draft = await applicantWithDraft(platform);
        requestId = draft.requestId;
        await fillAndSubmit(draft.client, requestId);
        const { rows } = await platform.services.db.query<{ organisation_id: string }>(
          'SELECT organisation_id FROM access_requests WHERE id = $1',
          [requestId],
        );
        organisationId = rows[0]!.organisation_id;
      },
      // Another transaction holds the habilitation's unique key: the approval is recorded, then the activity
      // that writes the habilitation waits on that key.
      block: async (blocker) => {
        await blocker.query(
          `INSERT INTO habilitations (request_id, revision, organisation_id, definition, scopes, valid_until)
           VALUES ($1, 1, $2, 'api-entreprise', '{}', now())`,
          [requestId, organisationId],
        );
      },
      start: async () =>
        (await signInInstructor(platform)).send('POST', `/api/v1/requests/${requestId}/approve`),
      waiting: `l.locktype = 'transactionid' AND a.query LIKE '%INSERT INTO habilitations%'`,
      async whileWaiting() {
        const { rows } = await platform.services.db.query<{ state: string }>(
          'SELECT state FROM access_requests WHERE id = $1',
          [requestId],
        );
        assert.equal(rows[0]!.state, 'validated', 'the approval itself is recorded');
      },
      async check(answer) {
        assert.equal(answer.status, 200, answer.text);
        const { rows } = await platform.services.db.query<{ id: string; status: string }>(
          'SELECT id, status FROM habilitations WHERE request_id = $1',
          [requestId],
        );
        assert.deepEqual(
          rows,
          [{ id: answer.json.habilitationId, status: 'active' }],
          'exactly one habilitation',
        );
        const events = await platform.services.db.query<{ type: string }>(
          `SELECT type FROM request_events WHERE request_id = $1 AND type IN ('approve', 'habilitation_created')`,
          [requestId],
        );
        assert.deepEqual(
          events.rows.map((row) => row.type),
          ['approve', 'habilitation_created'],
          'the approval recorded once, and its habilitation',
        );
      },
    });
  });
});

describe('a command sent while the workflow lags behind the request it was read from', () => {
  it(
    'is judged once the workflow has caught up, not refused on the older position',
    needsPostgresServer,
    async () => {
      const { platform } = setup;
      let requestId = '';
      let organisationId = '';
      let revoked: Promise<{ status: number; text: string; json: { state?: string } }> | undefined;
      const instructor = () => signInInstructor(platform);
      await killWorkerInsideTransaction(platform, {
        async prepare() {
          const draft = await applicantWithDraft(platform);
          requestId = draft.requestId;
          await fillAndSubmit(draft.client, requestId);
          const { rows } = await platform.services.db.query<{ organisation_id: string }>(
            'SELECT organisation_id FROM access_requests WHERE id = $1',
            [requestId],
          );
          organisationId = rows[0]!.organisation_id;
        },
        // The approval's transition commits; its habilitation waits on a key the blocker holds, and the worker
        // dies there: the row says validated while the workflow, replayed by the next worker, is still deciding.
        block: async (blocker) => {
          await blocker.query(
            `INSERT INTO habilitations (request_id, revision, organisation_id, definition, scopes, valid_until)
           VALUES ($1, 1, $2, 'api-entreprise', '{}', now())`,
            [requestId, organisationId],
          );
        },
        start: async () => (await instructor()).send('POST', `/api/v1/requests/${requestId}/approve`),
        waiting: `l.locktype = 'transactionid' AND a.query LIKE '%INSERT INTO habilitations%'`,
        async whileWaiting() {
          // Read as validated, so revoking is allowed; the workflow has not finished the approval yet.
          const client = await instructor();
          const read = await client.send('GET', `/api/v1/requests/${requestId}`);
          assert.equal(read.json.state, 'validated', read.text);
          revoked = client.send('POST', `/api/v1/requests/${requestId}/revoke`, {
            reason: 'Fin du marché public.',
          });
          revoked.catch(() => undefined);
        },
        async check(approved) {
          assert.equal(approved.status, 200, approved.text);
          const answer = await revoked!;
          // Before the fix: 409, "state: submitted", listing approve among the allowed commands.
          assert.equal(answer.status, 200, answer.text);
          assert.equal(answer.json.state, 'revoked');
          const { rows } = await platform.services.db.query<{ state: string; status: string }>(
            `SELECT r.state, h.status FROM access_requests r JOIN habilitations h ON h.request_id = r.id
            WHERE r.id = $1`,
            [requestId],
          );
          assert.deepEqual(
            rows,
            [{ state: 'revoked', status: 'revoked' }],
            'one habilitation, revoked with it',
          );
        },
      });
    },
  );
});

describe('a worker holding a request whose creation never committed', () => {
  it('stops cleanly on SIGTERM while the workflow waits for the row', needsPostgresServer, async () => {
    const { platform } = setup;
    const worker = await startScript(
      'runtime/worker-main.ts',
      { ...platform.env, LOG_LEVEL: 'info' },
      /worker started/,
    );
    try {
      // What a web process killed between starting the workflow and committing the row leaves behind.
      const requestId = randomUUID();
      await platform.services.temporal.client.workflow.start(accessRequest, {
        workflowId: requestWorkflowId(requestId),
        taskQueue: platform.services.temporal.taskQueue,
        args: [
          {
            requestId,
            timers: { draftReminderMs: 86_400_000, draftArchiveMs: 86_400_000, instructionSlaMs: 86_400_000 },
            activityTimeoutMs: 2_000,
          },
        ],
      });
      // Long enough for the wait for the row to back off past a second.
      await new Promise((resolve) => setTimeout(resolve, 4_000));
      assert.match(worker.output(), /loadRequestPosition/, 'the worker is waiting for the row');
      const began = Date.now();
      worker.child.kill('SIGTERM');
      const status = await worker.exited;
      assert.equal(status, 0, worker.output().slice(-2_000));
      assert.ok(Date.now() - began < 10_000, `stopped in ${Date.now() - began} ms`);
    } finally {
      worker.child.kill('SIGKILL');
    }
  });
});
