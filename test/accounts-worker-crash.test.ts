import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { signUpWorkflowId } from '../workflows/sign-up.ts';
import { activationTokenFor, newEmail, signUpBody, SIRET } from './helpers/accounts.ts';
import {
  crashTestPlatform,
  killWorkerInsideTransaction,
  needsPostgresServer,
} from './helpers/worker-crash.ts';

const setup = crashTestPlatform();

describe('a worker killed while it attaches a new account to its organisation', () => {
  it('creates the membership exactly once, after a new worker takes over', needsPostgresServer, async () => {
    const { platform } = setup;
    const body = signUpBody({ siret: SIRET.region, email: newEmail('val-de-fiction.fr') });
    let accountId = '';
    let token = '';
    await killWorkerInsideTransaction(platform, {
      async prepare() {
        const created = await platform.client().send('POST', '/api/v1/accounts', body);
        assert.equal(created.status, 201);
        accountId = created.json.id as string;
        token = await activationTokenFor(platform, body.email);
      },
      // Another transaction holds the organisation's key: the matching activity starts, then waits on it.
      block: async (blocker) => {
        await blocker.query(
          `INSERT INTO organisations (siret, siren, name, legal_category, address, active, directory_checked_at)
           VALUES ($1, $2, 'VERROU DE TEST', '7230', '-', true, now())`,
          [SIRET.region, SIRET.region.slice(0, 9)],
        );
      },
      start: () => platform.client().send('POST', '/api/v1/accounts/activate', { token }),
      waiting: `l.locktype = 'transactionid'`,
      async check(answer) {
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
        const handle = platform.services.temporal.client.workflow.getHandle(signUpWorkflowId(accountId));
        assert.equal(await handle.result(), 'activated');
      },
    });
  });
});
