import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { eventually, startTestPlatform, type TestPlatform } from './helpers/platform';
import { startScript } from './helpers/processes';
import { applicantWithDraft, fillAndSubmit, signInInstructor } from './helpers/requests';

let platform: TestPlatform;

before(async () => {
  platform = await startTestPlatform({
    worker: false,
    env: { ACTIVITY_TIMEOUT: '2s', TEMPORAL_CALL_TIMEOUT: '30s' },
  });
});
after(async () => {
  await platform.stop();
});

describe('a worker killed between an approval and the habilitation it creates', () => {
  // PGlite runs one transaction at a time: the transaction holding the habilitation's key would stop the whole
  // platform, not only the activity. The test needs the PostgreSQL server of DATABASE_URL, which CI provides.
  const embedded = process.env.DATABASE_URL === undefined;
  it(
    'creates exactly one habilitation after a new worker takes over',
    { skip: embedded && 'needs DATABASE_URL (a PostgreSQL server)' },
    async () => {
      const workerEnv = { ...platform.env, LOG_LEVEL: 'info' };
      const first = await startScript('runtime/worker-main.ts', workerEnv, /worker started/);
      let second: Awaited<ReturnType<typeof startScript>> | undefined;
      try {
        const { client, requestId } = await applicantWithDraft(platform);
        await fillAndSubmit(client, requestId);
        const request = await platform.services.db.query<{ organisation_id: string }>(
          'SELECT organisation_id FROM access_requests WHERE id = $1',
          [requestId],
        );

        // Another transaction holds the habilitation's unique key: the approval is recorded, then the activity
        // that writes the habilitation waits on that key.
        const blocker = new pg.Client({ connectionString: platform.database.url });
        await blocker.connect();
        await blocker.query('BEGIN');
        await blocker.query(
          `INSERT INTO habilitations (request_id, revision, organisation_id, definition, scopes, valid_until)
           VALUES ($1, 1, $2, 'api-entreprise', '{}', now())`,
          [requestId, request.rows[0]!.organisation_id],
        );

        const instructor = await signInInstructor(platform);
        const approval = instructor.send('POST', `/api/v1/requests/${requestId}/approve`);
        // The worker is inside the habilitation's transaction, waiting on the key the blocker holds.
        await eventually(
          async () => {
            const { rows } = await platform.services.db.query(
              `SELECT 1 FROM pg_stat_activity
                WHERE datname = current_database() AND wait_event_type = 'Lock'
                  AND query LIKE '%INSERT INTO habilitations%'`,
            );
            return rows.length > 0 ? true : undefined;
          },
          30_000,
          'the habilitation activity waiting inside its transaction',
        );
        const state = await platform.services.db.query<{ state: string }>(
          'SELECT state FROM access_requests WHERE id = $1',
          [requestId],
        );
        assert.equal(state.rows[0]!.state, 'validated', 'the approval itself is recorded');
        first.child.kill('SIGKILL');
        await first.exited;
        await blocker.query('ROLLBACK');
        await blocker.end();

        second = await startScript('runtime/worker-main.ts', workerEnv, /worker started/);
        const answer = await approval;
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
        );
      } finally {
        first.child.kill('SIGKILL');
        second?.child.kill('SIGTERM');
        await second?.exited;
      }
    },
  );
});
