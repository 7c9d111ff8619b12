import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { bundleWorkflowCode } from '@temporalio/worker';
import { findEmail } from '../store/outbox.ts';
import { findTemporalCli } from '../runtime/temporal-cli.ts';
import { startEphemeralDevServer } from '../runtime/temporal-dev-server.ts';
import { WORKFLOWS_PATH } from '../runtime/worker.ts';

/**
 * `npm run histories:record`: runs each workflow path once against a real server and keeps its event
 * history in test/histories/, where test/workflow-replay.test.ts replays them against the current code.
 * Record again only for a new path; an old history must keep replaying after any change.
 */
// SESAME_HISTORIES_DIR: record elsewhere, to try the recording without touching the kept histories.
const OUTPUT = process.env.SESAME_HISTORIES_DIR || path.join(import.meta.dirname, 'histories');
const work = path.join(os.tmpdir(), `sesame-histories-${process.pid}`);
mkdirSync(work, { recursive: true });

const devServer = await startEphemeralDevServer(console.log);
const cli = findTemporalCli(process.env.TEMPORAL_CLI_PATH || undefined);
if (!cli) throw new Error('the temporal CLI exports histories: build it first (see README)');
// The CLI writes histories in the proto3 JSON form that the SDK's replayer reads.
const historyJson = (workflowId: string) =>
  execFileSync(
    cli,
    ['workflow', 'show', '--workflow-id', workflowId, '--address', devServer.address, '--output', 'json'],
    {
      encoding: 'utf8',
    },
  );
const bundlePath = path.join(work, 'bundle.js');
writeFileSync(bundlePath, (await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH })).code);
process.env.SESAME_TEST_TEMPORAL_ADDRESS = devServer.address;
process.env.SESAME_TEST_WORKFLOW_BUNDLE = bundlePath;

const { startTestPlatform, eventually } = await import('./helpers/platform.ts');
const { startSmtpServer } = await import('./helpers/smtp-server.ts');

async function record(
  name: string,
  smtpBehaviour: Parameters<typeof startSmtpServer>[0],
  expected: 'sent' | 'failed',
) {
  const smtp = await startSmtpServer(smtpBehaviour);
  const platform = await startTestPlatform({ http: false, env: { SMTP_URL: smtp.url } });
  try {
    const id = await platform.services.mailer.send({
      to: 'historique@exemple.fr',
      template: 'test-email',
      data: { requestedBy: 'Enregistrement', requestedAt: new Date().toISOString() },
      idempotencyKey: `history:${name}`,
    });
    await eventually(async () =>
      (await findEmail(platform.services.db, id))?.status === expected ? true : undefined,
    );
    await platform.services.temporal.client.workflow.getHandle(`email-${id}`).result();
    writeFileSync(path.join(OUTPUT, `deliver-email.${name}.json`), historyJson(`email-${id}`));
    if (name === 'sent-first-time') {
      // The relay never completes: its history so far (a few turns) is what replays.
      await new Promise((resolve) => setTimeout(resolve, 3_500));
      const relayId = `${platform.config.temporal.taskQueue}:outbox-relay`;
      writeFileSync(path.join(OUTPUT, 'outbox-relay.turns.json'), historyJson(relayId));
      writeFileSync(
        path.join(OUTPUT, 'housekeeping.started.json'),
        historyJson(`${platform.config.temporal.taskQueue}:housekeeping`),
      );
    }
    console.log(`recorded ${name}`);
  } finally {
    await platform.stop();
    await smtp.stop();
  }
}

const { signUp } = await import('../app/sign-up.ts');
const { activateAccount, resendActivationLink } = await import('../app/activate-account.ts');
const { listDevelopmentMailbox } = await import('../app/mail-overview.ts');

async function recordSignUp(name: string, scenario: 'activated' | 'expired' | 'resent') {
  const platform = await startTestPlatform({
    env: { ACTIVATION_LINK_TTL: scenario === 'expired' ? '2s' : '1h' },
  });
  try {
    const email = `historique.${scenario}@ville-exemple.fr`;
    const { id } = await signUp(
      platform.services,
      {
        givenName: 'Histoire',
        familyName: 'Enregistrée',
        email,
        password: 'une phrase de passe assez longue',
        siret: '21457956700014',
      },
      '127.0.0.1',
    );
    const linkToken = async (count: number) =>
      eventually(async () => {
        const emails = (await listDevelopmentMailbox(platform.services)).filter(
          (mail) => mail.recipient === email && mail.template === 'activation',
        );
        return emails.length >= count
          ? /\/activation\/([A-Za-z0-9_-]{43})/.exec(emails[0]!.text)![1]
          : undefined;
      });
    let token = await linkToken(1);
    if (scenario === 'resent') {
      await resendActivationLink(platform.services, { email }, '127.0.0.1');
      token = await linkToken(2);
    }
    if (scenario !== 'expired') await activateAccount(platform.services, { token: token! });
    await platform.services.temporal.client.workflow.getHandle(`sign-up-${id}`).result();
    writeFileSync(path.join(OUTPUT, `sign-up.${name}.json`), historyJson(`sign-up-${id}`));
    console.log(`recorded sign-up ${name}`);
  } finally {
    await platform.stop();
  }
}

const requests = await import('./helpers/requests.ts');

/** One access request taken along a path; `finished` when its workflow ends there, otherwise recorded open. */
async function recordRequest(
  name: string,
  path_: (steps: {
    platform: Awaited<ReturnType<typeof startTestPlatform>>;
    applicant: Awaited<ReturnType<typeof requests.applicantWithDraft>>['client'];
    instructor: Awaited<ReturnType<typeof requests.signInInstructor>>;
    id: string;
    send: (
      client: Awaited<ReturnType<typeof requests.signInInstructor>>,
      command: string,
      body?: unknown,
    ) => Promise<void>;
  }) => Promise<void>,
  options: { finished: boolean; env?: Record<string, string> },
) {
  // `-- access-request:<name>` records that path alone, keeping the other paths' histories as they were.
  if (only.length > 0 && !only.includes('access-request') && !only.includes(`access-request:${name}`)) return;
  const platform = await startTestPlatform({ env: options.env });
  try {
    const { client, requestId } = await requests.applicantWithDraft(platform);
    const instructor = await requests.signInInstructor(platform);
    const send = async (who: typeof instructor, command: string, body?: unknown): Promise<void> => {
      const answer = await who.send('POST', `/api/v1/requests/${requestId}/${command}`, body);
      if (answer.status !== 200) throw new Error(`${command}: ${answer.status} ${answer.text}`);
    };
    await path_({ platform, applicant: client, instructor, id: requestId, send });
    const handle = platform.services.temporal.client.workflow.getHandle(`request-${requestId}`);
    if (options.finished) await handle.result();
    else await new Promise((resolve) => setTimeout(resolve, 1_000));
    writeFileSync(path.join(OUTPUT, `access-request.${name}.json`), historyJson(`request-${requestId}`));
    console.log(`recorded access-request ${name}`);
  } finally {
    await platform.stop();
  }
}

const habilitations = await import('./helpers/habilitations.ts');
const { signUpAndActivate } = await import('./helpers/accounts.ts');

/**
 * Credentials, reached as people reach them (the JSON API and the request's workflow): a token to its expiry, a token replaced (rotation), a technical account reminded.
 */
async function recordCredentials() {
  const platform = await startTestPlatform({
    env: {
      TOKEN_VALIDITY_OVERRIDE: '6s',
      TOKEN_REMINDER_OFFSETS: '4s,2s',
      SEALED_TOKEN_TTL: '3s',
      ROTATION_GRACE_HOUR: '1s',
      TECH_ACCOUNT_PASSWORD_TTL: '4s',
      TECH_ACCOUNT_REMINDERS: '2s',
    },
  });
  const { client } = platform.services.temporal;
  try {
    const siret = '21457956700014';
    const { client: manager } = await signUpAndActivate(platform, {
      siret,
      email: 'historique.credentials@saint-exemple.fr',
    });
    const approved = () =>
      habilitations.approvedToken(platform, manager, {
        definition: 'api-entreprise',
        scopes: ['unites_legales_etablissements'],
      });
    const expiring = await approved();
    await client.workflow.getHandle(`token-${expiring.tokenId}`).result();
    writeFileSync(
      path.join(OUTPUT, 'token-lifecycle.expired.json'),
      historyJson(`token-${expiring.tokenId}`),
    );

    const replaced = await approved();
    // Rotated with one "hour" of grace (a second here): the old token's lifecycle ends with its grace.
    const rotated = await manager.send('POST', `/api/v1/tokens/${replaced.tokenId}/rotate`, {
      graceHours: 1,
    });
    if (rotated.status !== 201) throw new Error(`rotate: ${rotated.status} ${rotated.text}`);
    await client.workflow.getHandle(`token-${replaced.tokenId}`).result();
    writeFileSync(
      path.join(OUTPUT, 'token-lifecycle.replaced.json'),
      historyJson(`token-${replaced.tokenId}`),
    );

    await habilitations.approvedTechnicalAccountRequest(platform, manager, { scopes: ['factures_depot'] });
    const created = await manager.send('POST', `/api/v1/organisations/${siret}/technical-accounts`);
    if (created.status !== 201) throw new Error(`technical account: ${created.status} ${created.text}`);
    const accountId = created.json.id as string;
    await client.workflow.getHandle(`technical-account-${accountId}`).result();
    writeFileSync(
      path.join(OUTPUT, 'technical-account-lifecycle.reminded.json'),
      historyJson(`technical-account-${accountId}`),
    );
    console.log('recorded credentials');
  } finally {
    await platform.stop();
  }
}

async function recordRequestPaths() {
  await recordRequest(
    'approved-with-token',
    async ({ applicant, instructor, id, send }) => {
      await requests.fillAndSubmit(applicant, id);
      await send(instructor, 'approve');
    },
    { finished: false },
  );
  await recordRequest(
    'approved-after-changes',
    async ({ applicant, instructor, id, send }) => {
      await requests.fillAndSubmit(applicant, id);
      await send(instructor, 'request-changes', { reason: 'Précisez le cadre juridique.' });
      await send(applicant, 'submit');
      await send(instructor, 'approve', { scopes: ['unites_legales_etablissements'] });
    },
    { finished: false },
  );
  await recordRequest(
    'refused',
    async ({ applicant, instructor, id, send }) => {
      await requests.fillAndSubmit(applicant, id);
      await send(instructor, 'refuse', { reason: 'Hors du cadre légal.' });
    },
    { finished: true },
  );
  await recordRequest(
    'reopened-then-revoked',
    async ({ applicant, instructor, id, send }) => {
      await requests.fillAndSubmit(applicant, id);
      await send(instructor, 'approve');
      await send(applicant, 'reopen');
      await send(applicant, 'submit');
      await send(instructor, 'approve');
      await send(instructor, 'revoke', { reason: 'Usage non conforme.' });
    },
    { finished: true },
  );
  await recordRequest(
    'archived-by-timer',
    async ({ platform, applicant, id }) => {
      await applicant.send('PATCH', `/api/v1/requests/${id}`, { project: { title: 'Oublié' } });
      await eventually(async () =>
        (
          await platform.services.db.query('SELECT 1 FROM access_requests WHERE id = $1 AND state = $2', [
            id,
            'archived',
          ])
        ).rowCount
          ? true
          : undefined,
      );
    },
    {
      finished: true,
      env: {
        REQUEST_DRAFT_REMINDER_AFTER: '1s',
        REQUEST_DRAFT_ARCHIVE_AFTER: '1s',
        REQUEST_INSTRUCTION_SLA: '1s',
      },
    },
  );
  await recordRequest(
    'held-for-support-then-approved',
    async ({ platform, applicant, id, send }) => {
      platform.directory.closeEstablishment('21457956700014');
      await requests.fillAndSubmit(applicant, id);
      await eventually(async () =>
        (
          await platform.services.db.query('SELECT 1 FROM access_requests WHERE id = $1 AND state = $2', [
            id,
            'pending_support',
          ])
        ).rowCount
          ? true
          : undefined,
      );
      platform.directory.reset();
      const support = platform.client();
      await support.signIn('support@sesame.test', (await import('./helpers/platform.ts')).DEMO_PASSWORD);
      await send(support, 'resolve');
      await send(await requests.signInInstructor(platform), 'approve');
    },
    { finished: false, env: { REQUEST_INSTRUCTION_SLA: '1s' } },
  );
}

// Arguments narrow the recording to some workflows (`npm run histories:record -- access-request`): a
// history recorded once is kept, so that old paths stay replayable.
const only = process.argv.slice(2);
const wanted = (workflow: string) => only.length === 0 || only.includes(workflow);

try {
  mkdirSync(OUTPUT, { recursive: true });
  if (wanted('deliver-email')) {
    await record('sent-first-time', () => 'accept', 'sent');
    await record('sent-after-retries', (attempt) => (attempt <= 2 ? 'temporary-failure' : 'accept'), 'sent');
    await record('refused', () => 'permanent-failure', 'failed');
  }
  if (wanted('sign-up')) {
    await recordSignUp('activated', 'activated');
    await recordSignUp('expired', 'expired');
    await recordSignUp('resent-then-activated', 'resent');
  }
  if (wanted('access-request') || only.some((group) => group.startsWith('access-request:')))
    await recordRequestPaths();
  if (wanted('credentials')) await recordCredentials();
} finally {
  await devServer.stop();
  rmSync(work, { recursive: true, force: true });
}
process.exit(0);
