import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tokenWorkflowId } from '../workflows/token-lifecycle.ts';
import { emailsTo, newEmail, signUpAndActivate, SIRET } from './helpers/accounts.ts';
import { instructorOf, issuedTokenOf, submitRequest } from './helpers/habilitations.ts';
import type { HttpClient } from './helpers/http-client.ts';
import { eventually } from './helpers/platform.ts';
import {
  crashTestPlatform,
  killWorkerInsideTransaction,
  needsPostgresServer,
} from './helpers/worker-crash.ts';

const setup = crashTestPlatform();

describe('a worker killed while it issues a token', () => {
  it(
    'issues exactly one token, emails once, after a new worker takes over',
    needsPostgresServer,
    async () => {
      const { platform } = setup;
      let holder: HttpClient | undefined;
      let email = '';
      let requestId = '';
      await killWorkerInsideTransaction(platform, {
        async prepare() {
          ({ client: holder, email } = await signUpAndActivate(platform, {
            siret: SIRET.commune,
            email: newEmail('saint-exemple.fr'),
          }));
          requestId = await submitRequest(holder, {
            definition: 'api-entreprise',
            scopes: ['unites_legales_etablissements'],
          });
        },
        // Another transaction keeps anyone from writing tokens (reading them stays possible): the approval's
        // transition and habilitation go through, then its issuance, inside its transaction (the habilitation's
        // row locked), waits to insert the token. Nothing else writes tokens here.
        block: async (blocker) => {
          await blocker.query('LOCK TABLE tokens IN SHARE MODE');
        },
        start: async () =>
          (await instructorOf(platform)).send('POST', `/api/v1/requests/${requestId}/approve`, {}),
        // Taken as the INSERT is parsed, so pg_stat_activity does not show that statement yet: the lock says it.
        waiting: `l.locktype = 'relation' AND l.relation = 'tokens'::regclass AND l.mode = 'RowExclusiveLock'`,
        async whileWaiting() {
          const { rows } = await platform.services.db.query<{ status: string }>(
            'SELECT status FROM habilitations WHERE request_id = $1',
            [requestId],
          );
          assert.deepEqual(
            rows.map((row) => row.status),
            ['active'],
            'the approval made its habilitation; its token is what is under way',
          );
        },
        async check(approved) {
          // The instructor's click gets its answer once the new worker has finished the approval.
          assert.equal(approved.status, 200, approved.text);
          const habilitationId = approved.json.habilitationId as string;
          const tokenId = await issuedTokenOf(holder!, habilitationId);
          const { rows } = await platform.services.db.query(
            'SELECT id FROM tokens WHERE habilitation_id = $1',
            [habilitationId],
          );
          assert.deepEqual(
            rows.map((row) => row.id),
            [tokenId],
            'exactly one token',
          );
          const lifecycle = await platform.services.temporal.client.workflow
            .getHandle(tokenWorkflowId(tokenId))
            .describe();
          assert.equal(lifecycle.status.name, 'RUNNING');
          // The email is delivered (to the development mailbox) once the new worker has sent it.
          const queued = async () =>
            (
              await platform.services.db.query<{ status: string }>(
                `SELECT status FROM outbox_emails WHERE template = 'credential-available' AND recipient = $1`,
                [email],
              )
            ).rows;
          const delivered = await eventually(
            async () => {
              const rows = await queued();
              return rows.some((row) => row.status === 'sent') ? rows : undefined;
            },
            60_000,
            'the credential-available email delivered',
          );
          assert.equal(delivered.length, 1, 'one email');
          // Only an attempt of the issuance writes this email, and an attempt lasts at most ACTIVITY_TIMEOUT
          // before Temporal gives it up: past that (and a margin), no stray attempt can still add a second one.
          const confirmUntil = Date.now() + platform.config.activityTimeoutMs + 1_000;
          while (Date.now() < confirmUntil) {
            assert.equal((await queued()).length, 1, 'still one email');
            await new Promise((resolve) => setTimeout(resolve, 250));
          }
          assert.equal((await emailsTo(platform, email, { subject: /est disponible/ })).length, 1);
        },
      });
    },
  );
});
