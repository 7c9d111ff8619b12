import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import {
  credentialIssuanceWorkflowId,
  type issueHabilitationCredentials,
} from '../workflows/credential-issuance';
import { tokenWorkflowId } from '../workflows/token-lifecycle';
import { emailsTo, newEmail, signUpAndActivate, SIRET } from './helpers/accounts';
import { grantHabilitation } from './helpers/habilitations';
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

describe('a worker killed while it issues a token', () => {
  // PGlite runs one transaction at a time: holding the habilitation's row would stop the whole platform.
  const embedded = process.env.DATABASE_URL === undefined;
  it(
    'issues exactly one token, emails once, after a new worker takes over',
    { skip: embedded && 'needs DATABASE_URL (a PostgreSQL server)' },
    async () => {
      const workerEnv = { ...platform.env, LOG_LEVEL: 'info' };
      const first = await startScript('runtime/worker-main.ts', workerEnv, /worker started/);
      let firstAlive = true;
      try {
        const { email } = await signUpAndActivate(platform, {
          siret: SIRET.commune,
          email: newEmail('saint-exemple.fr'),
        });
        const habilitation = await grantHabilitation(platform, {
          siret: SIRET.commune,
          definition: 'api-entreprise',
          scopes: ['unites_legales_etablissements'],
        });

        // Another transaction holds the habilitation's row: the issuance starts, then waits on it.
        const blocker = new pg.Client({ connectionString: platform.database.url });
        await blocker.connect();
        await blocker.query('BEGIN');
        await blocker.query('SELECT id FROM habilitations WHERE id = $1 FOR UPDATE', [habilitation.id]);

        const { client, taskQueue } = platform.services.temporal;
        const handle = await client.workflow.start<typeof issueHabilitationCredentials>(
          'issueHabilitationCredentials',
          {
            workflowId: credentialIssuanceWorkflowId(habilitation.id),
            taskQueue,
            args: [{ habilitationId: habilitation.id, activityTimeoutMs: 2_000 }],
          },
        );
        await eventually(async () => {
          const { raw } = await handle.describe();
          return raw.pendingActivities?.some((activity) => activity.activityType?.name === 'issueCredentials')
            ? true
            : undefined;
        });
        await new Promise((resolve) => setTimeout(resolve, 500));
        first.child.kill('SIGKILL');
        await first.exited;
        firstAlive = false;
        await blocker.query('ROLLBACK');
        await blocker.end();

        const second = await startScript('runtime/worker-main.ts', workerEnv, /worker started/);
        try {
          const tokenIds = await handle.result();
          assert.equal(tokenIds.length, 1);
          const { rows } = await platform.services.db.query(
            'SELECT id FROM tokens WHERE habilitation_id = $1',
            [habilitation.id],
          );
          assert.deepEqual(
            rows.map((row) => row.id),
            tokenIds,
            'exactly one token',
          );
          const lifecycle = await client.workflow.getHandle(tokenWorkflowId(tokenIds[0]!)).describe();
          assert.equal(lifecycle.status.name, 'RUNNING');
          await emailsTo(platform, email, { subject: /est disponible/ });
          await new Promise((resolve) => setTimeout(resolve, 1_000));
          const { rows: emails } = await platform.services.db.query(
            `SELECT id FROM outbox_emails WHERE template = 'credential-available' AND recipient = $1`,
            [email],
          );
          assert.equal(emails.length, 1, 'one email');
        } finally {
          second.child.kill('SIGTERM');
          await second.exited;
        }
      } finally {
        if (firstAlive) {
          first.child.kill('SIGTERM');
          await first.exited;
        }
      }
    },
  );
});
