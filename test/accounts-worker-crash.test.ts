import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { signUpWorkflowId } from '../workflows/sign-up';
import { activationTokenFor, newEmail, signUpBody, SIRET } from './helpers/accounts';
import { eventually, startTestPlatform, type TestPlatform } from './helpers/platform';
import { startScript } from './helpers/processes';

let platform: TestPlatform;

before(async () => {
  platform = await startTestPlatform({
    worker: false,
    env: { ACTIVITY_TIMEOUT: '2s', TEMPORAL_CALL_TIMEOUT: '20s' },
  });
});
after(async () => {
  await platform.stop();
});

describe('a worker killed while it attaches a new account to its organisation', () => {
  // PGlite runs one transaction at a time: a transaction holding the row would stop the whole platform, not
  // only the activity. The test needs the PostgreSQL server of DATABASE_URL, which CI provides.
  const embedded = process.env.DATABASE_URL === undefined;
  it(
    'creates the membership exactly once, after a new worker takes over',
    { skip: embedded && 'needs DATABASE_URL (a PostgreSQL server)' },
    async () => {
      const workerEnv = { ...platform.env, LOG_LEVEL: 'info' };
      const first = await startScript('runtime/worker-main.ts', workerEnv, /worker started/);
      const body = signUpBody({ siret: SIRET.region, email: newEmail('val-de-fiction.fr') });
      const created = await platform.client().send('POST', '/api/v1/accounts', body);
      assert.equal(created.status, 201);
      const token = await activationTokenFor(platform, body.email);

      // Another transaction holds the organisation's row: the matching activity starts, then waits on it.
      const blocker = new pg.Client({ connectionString: platform.database.url });
      await blocker.connect();
      await blocker.query('BEGIN');
      await blocker.query(
        `INSERT INTO organisations (siret, siren, name, legal_category, address, active, directory_checked_at)
       VALUES ($1, $2, 'VERROU DE TEST', '7230', '-', true, now())`,
        [SIRET.region, SIRET.region.slice(0, 9)],
      );

      const activation = platform.client().send('POST', '/api/v1/accounts/activate', { token });
      const handle = platform.services.temporal.client.workflow.getHandle(signUpWorkflowId(created.json.id));
      await eventually(async () => {
        const { raw } = await handle.describe();
        return raw.pendingActivities?.some((activity) => activity.activityType?.name === 'activateAndMatch')
          ? true
          : undefined;
      });
      await new Promise((resolve) => setTimeout(resolve, 500));
      first.child.kill('SIGKILL');
      await first.exited;
      await blocker.query('ROLLBACK');
      await blocker.end();

      const second = await startScript('runtime/worker-main.ts', workerEnv, /worker started/);
      try {
        const answer = await activation;
        assert.equal(answer.status, 200, answer.text);
        assert.equal(answer.json.case, 'main_manager');
        const { rows } = await platform.services.db.query(
          `SELECT m.roles, o.name FROM memberships m JOIN organisations o ON o.id = m.organisation_id
          JOIN users u ON u.id = m.user_id WHERE u.email = $1`,
          [body.email],
        );
        assert.deepEqual(
          rows,
          [{ roles: ['gestionnaire_principal'], name: 'REGION VAL-DE-FICTION' }],
          'exactly one membership',
        );
        assert.equal(await handle.result(), 'activated');
      } finally {
        second.child.kill('SIGTERM');
        await second.exited;
      }
    },
  );
});
