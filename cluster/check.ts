import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { ApiClient, type ApiAnswer } from '../bench/lifecycle-client.ts';
import {
  installExitHooks,
  residentMemory,
  startPlatformProcess,
  type PlatformProcess,
} from '../bench/lifecycle-processes.ts';
import { seedPeople, type Applicant } from '../bench/lifecycle-seed.ts';
import { createFreshDatabase, Teardown } from '../bench/teardown.ts';
import { startDirectoryStandIn } from '../directory/stand-in.ts';
import { seedDemoAccounts } from '../runtime/demo-data.ts';
import { freePort } from '../runtime/temporal-dev-server.ts';
import { createPool } from '../store/pool.ts';
import { startSmtpServer } from '../test/helpers/smtp-server.ts';
import { provideTemporalServer, startTemporalServer, TEMPORAL_SERVER_VERSION } from './temporal-server.ts';

/**
 * `npm run cluster:check`: the platform as production runs it, on this machine — the compiled build (`npm run
 * build`, which the npm script runs first) on Node 24, two web and two worker processes in production mode,
 * against the Temporal server itself (not the dev server) keeping its state in PostgreSQL, and a fresh
 * PostgreSQL database migrated by `npm run migrate`. Applicants run access-request lifecycles through the JSON
 * API — create, fill in, submit, (one in three) changes asked and a second submission, approval, token — spread
 * over both web processes like a load balancer would, while one worker and one web process are SIGKILLed and
 * restarted again and again. A call that fails because its web process died, or answers 503, is retried the way
 * a person would: after reading the request's state.
 *
 * Then it checks what must hold whatever the kills hit: every request validated, with exactly the transitions
 * its lifecycle made (none lost, none twice), one habilitation per request and one token per habilitation,
 * every queued email sent and received (redeliveries of the same Message-ID counted), no failed workflow; and
 * that the four processes stop cleanly on SIGTERM. It prints a JSON report and exits 1 if anything failed.
 *
 * CLUSTER_LIFECYCLES (default 24; more run until a worker has been killed twice and a web process once),
 * CLUSTER_CONCURRENCY (default 4), CLUSTER_KILL_EVERY_MS (default 5000): the pause between kills, each followed
 * by a restart. DATABASE_URL names the PostgreSQL server (default
 * postgres://postgres@127.0.0.1:5432/postgres) where it creates, and drops afterwards, Sésame's database and
 * Temporal's two.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const startedAt = performance.now();
const seconds = () => ((performance.now() - startedAt) / 1000).toFixed(1);
const progress = (line: string) => process.stderr.write(`[cluster ${seconds()}s] ${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function positiveInteger(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name}: expected a positive integer`);
  return value;
}

const settings = {
  lifecycles: positiveInteger('CLUSTER_LIFECYCLES', 24),
  concurrency: positiveInteger('CLUSTER_CONCURRENCY', 4),
  killEveryMs: positiveInteger('CLUSTER_KILL_EVERY_MS', 5_000),
  serverUrl: process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
};

// ---------------------------------------------------------------------------------------------------------
// What the check started, stopped in reverse order however it ends

const stack = new Teardown(progress);
const children: PlatformProcess[] = [];

const stopEverything = () => stack.stopAll();

function killEverythingNow(): void {
  for (const child of children) child.kill();
}

/** `npm run <script>` in the project, as an operator types it; its output shown only when it fails. */
async function npmRun(script: string, env: Record<string, string>): Promise<number> {
  const started = performance.now();
  const child = await startPlatformProcess({
    name: `npm run ${script}`,
    command: 'npm',
    args: ['run', '--silent', script],
    cwd: ROOT,
    env,
    quiet: true,
  });
  children.push(child);
  const code = await child.exited;
  if (code !== '0') throw new Error(`npm run ${script} exited with ${code}:\n${child.tail()}`);
  return Math.round(performance.now() - started);
}

// ---------------------------------------------------------------------------------------------------------
// The platform's four processes, each one restartable

interface Replica {
  name: string;
  kind: 'web' | 'worker';
  url?: string;
  /** The running process; undefined until the first start. */
  current?: PlatformProcess;
  starts: number;
  /** From spawn to ready (web: /readyz answers 200; worker: the log line of a polling worker). */
  readyMs: number[];
}

async function waitUntilReady(replica: Replica, temporal: Client, taskQueue: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const current = replica.current!;
    if (!current.running) throw new Error(`${replica.name} exited during start-up:\n${current.tail()}`);
    if (Date.now() > deadline) throw new Error(`${replica.name} was not ready within 120 s`);
    if (replica.kind === 'web') {
      const ok = await fetch(`${replica.url}/readyz`).then(
        async (response) => (await response.arrayBuffer(), response.status === 200),
        () => false,
      );
      if (ok) return;
    } else {
      // A worker identity is `pid@host`: this process polls once its identity is among the pollers.
      const identities = await pollerIdentities(temporal, taskQueue);
      if ([...identities].some((identity) => identity.startsWith(`${current.pid}@`))) return;
    }
    await sleep(100);
  }
}

async function pollerIdentities(temporal: Client, taskQueue: string): Promise<Set<string>> {
  const answer = await temporal.workflowService.describeTaskQueue({
    namespace: temporal.options.namespace,
    taskQueue: { name: taskQueue },
  });
  return new Set((answer.pollers ?? []).map((poller) => poller.identity ?? ''));
}

// ---------------------------------------------------------------------------------------------------------
// The load: lifecycles through the API, retried the way a person would

interface Counters {
  commandsSent: number;
  acknowledged: number;
  /** Retried because the web process answering died, or the call hit a restarting one. */
  networkErrors: number;
  answered503: number;
  /** The command had landed although its answer was lost (read back from the request's state). */
  landedUnacknowledged: number;
  /** 409 answers whose allowedCommands list the command refused (issue 12: the row and the workflow disagree). */
  selfContradicting409: number;
  other5xx: { step: string; status: number; body: string }[];
}

const counters: Counters = {
  commandsSent: 0,
  acknowledged: 0,
  networkErrors: 0,
  answered503: 0,
  landedUnacknowledged: 0,
  selfContradicting409: 0,
  other5xx: [],
};

/** A person's session, spread over the web processes that are up (sessions live in PostgreSQL). */
function sessionOver(webs: Replica[]): ApiClient {
  let next = Math.floor(Math.random() * webs.length);
  return new ApiClient(() => {
    for (let tried = 0; tried < webs.length; tried += 1) {
      const web = webs[(next += 1) % webs.length]!;
      if (web.current?.running) return web.url!;
    }
    return webs[next % webs.length]!.url!;
  });
}

/** One call, repeated through network errors (its web process died): a load balancer's retry. */
async function call<T>(
  client: ApiClient,
  method: string,
  url: string,
  body?: unknown,
): Promise<ApiAnswer<T>> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await client.call<T>(method, url, body);
    } catch (error) {
      counters.networkErrors += 1;
      if (attempt >= 60) throw error;
      await sleep(250);
    }
  }
}

async function stateOf(client: ApiClient, id: string): Promise<{ state: string; revision: number }> {
  for (let attempt = 1; ; attempt += 1) {
    const answer = await call<{ state: string; revision: number }>(client, 'GET', `/api/v1/requests/${id}`);
    if (answer.status === 200) return answer.body;
    if (answer.status >= 500 && attempt < 30) {
      await sleep(500);
      continue;
    }
    throw new Error(`GET request ${id}: HTTP ${answer.status} ${answer.text.slice(0, 300)}`);
  }
}

/**
 * A state-changing command: 200 is acknowledged; a lost answer or a 503 is followed by reading the request,
 * and the command is sent again only if its effect is not there (`landed`).
 */
async function command(
  client: ApiClient,
  step: string,
  id: string,
  pathSuffix: string,
  body: unknown,
  landed: (request: { state: string; revision: number }) => boolean,
): Promise<void> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    counters.commandsSent += 1;
    let answer: ApiAnswer<{ allowedCommands?: string[]; error?: string }> | undefined;
    try {
      answer = await client.call(`POST`, `/api/v1/requests/${id}/${pathSuffix}`, body);
    } catch {
      counters.networkErrors += 1;
    }
    if (answer?.status === 200) {
      counters.acknowledged += 1;
      return;
    }
    if (answer?.status === 503) counters.answered503 += 1;
    else if (answer !== undefined && answer.status >= 500)
      counters.other5xx.push({ step, status: answer.status, body: answer.text.slice(0, 300) });
    if (answer?.status === 409 && answer.body?.allowedCommands?.includes(pathSuffix.replace('-', '_')))
      counters.selfContradicting409 += 1;
    if (answer !== undefined && answer.status < 500 && answer.status !== 409)
      throw new Error(`${step} of ${id}: HTTP ${answer.status} ${answer.text.slice(0, 300)}`);
    if (landed(await stateOf(client, id))) {
      counters.landedUnacknowledged += 1;
      return;
    }
    if (Date.now() > deadline) throw new Error(`${step} of ${id}: still not applied after 180 s`);
    await sleep(500);
  }
}

/** A complete API Entreprise form, the legal basis as a URL (no upload). */
function completeForm(number: number, applicant: Applicant, revision: number) {
  const contact = (givenName: string, jobTitle: string) => ({
    givenName,
    familyName: 'Moreau',
    email: `${givenName.toLowerCase()}.moreau@exemple-collectivite.fr`,
    phone: '01 23 45 67 89',
    jobTitle,
  });
  return {
    project: {
      title: `Grappe n° ${number} : pré-remplissage des démarches`,
      description: `Pré-remplir les démarches des usagers de ${applicant.organisation} (version ${revision}).`,
      useCase: 'aide-usager',
      serviceUrl: 'https://www.exemple-collectivite.fr/demarches',
    },
    scopes: ['unites_legales_etablissements'],
    legalBasis: {
      nature: 'Délibération du conseil n° 2026-17',
      url: 'https://www.exemple-collectivite.fr/deliberations/2026-17',
    },
    personalData: { recipients: 'Agents instructeurs des démarches', retentionMonths: 24 },
    contacts: {
      dataController: contact('Helene', 'Directrice générale des services'),
      dpo: contact('Marc', 'Délégué à la protection des données'),
      business: contact('Ines', 'Responsable des démarches'),
      technical: contact('Paul', 'Responsable informatique'),
    },
    terms: { cguAccepted: true, dpoInformed: true },
  };
}

interface Lifecycle {
  number: number;
  requestId: string;
  changesAsked: boolean;
}

async function lifecycle(
  number: number,
  applicant: ApiClient,
  instructor: ApiClient,
  who: Applicant,
): Promise<Lifecycle> {
  // Creating is the one call that is not idempotent: a lost answer sent again leaves an empty draft behind,
  // as a person clicking twice would, and the lifecycle goes on with the request it was answered.
  let requestId: string | undefined;
  for (let attempt = 1; requestId === undefined; attempt += 1) {
    const created = await call<{ id: string }>(applicant, 'POST', '/api/v1/requests', {
      definition: 'api-entreprise',
      siret: who.siret,
    });
    if (created.status === 201) requestId = created.body.id;
    else if (created.status >= 500 && attempt < 30) await sleep(500);
    else throw new Error(`create: HTTP ${created.status} ${created.text.slice(0, 300)}`);
  }
  const id = requestId;
  const save = async (revision: number) => {
    for (let attempt = 1; ; attempt += 1) {
      const saved = await call(
        applicant,
        'PATCH',
        `/api/v1/requests/${id}`,
        completeForm(number, who, revision),
      );
      if (saved.status === 200) return;
      if (saved.status >= 500 && attempt < 30) {
        await sleep(500);
        continue;
      }
      throw new Error(`save of ${id}: HTTP ${saved.status} ${saved.text.slice(0, 300)}`);
    }
  };
  const submitted = (request: { state: string }) =>
    request.state !== 'draft' && request.state !== 'changes_requested';
  await save(1);
  await command(applicant, 'submit', id, 'submit', undefined, submitted);
  const changesAsked = number % 3 === 0;
  if (changesAsked) {
    await command(
      instructor,
      'request_changes',
      id,
      'request-changes',
      { reason: 'Merci de préciser le service concerné.' },
      (request) => request.state === 'changes_requested',
    );
    await save(2);
    await command(applicant, 'resubmit', id, 'submit', undefined, submitted);
  }
  await command(instructor, 'approve', id, 'approve', undefined, (request) => request.state === 'validated');
  return { number, requestId: id, changesAsked };
}

// ---------------------------------------------------------------------------------------------------------
// Chaos: one worker and one web process, SIGKILLed and restarted while the load runs

/** The load goes on until the chaos has done at least this much, whatever CLUSTER_LIFECYCLES says. */
const MINIMUM_KILLS = { workerKills: 2, webKills: 1 };

async function chaos(
  victims: { worker: Replica; web: Replica },
  restart: (replica: Replica) => Promise<void>,
  running: () => boolean,
  kills: { workerKills: number; webKills: number },
): Promise<void> {
  let round = 0;
  while (running()) {
    await sleep(settings.killEveryMs * (0.6 + Math.random() * 0.8));
    if (!running()) break;
    // Worker, web, worker, then two worker kills for each web kill: the worker holds workflows and activities
    // mid-flight, the web process commands waiting for their update's result.
    const victim = round % 3 === 1 ? victims.web : victims.worker;
    round += 1;
    const current = victim.current!;
    progress(`SIGKILL ${victim.name} (pid ${current.pid})`);
    current.kill();
    await current.exited;
    await sleep(500 + Math.random() * 1_500);
    await restart(victim);
    // Counted once restarted: the load that outlasts the minimum also sees the process come back.
    if (victim.kind === 'web') kills.webKills += 1;
    else kills.workerKills += 1;
  }
}

// ---------------------------------------------------------------------------------------------------------

interface Violation {
  what: string;
  detail: unknown;
}

async function main() {
  if (!existsSync(path.join(ROOT, 'dist', 'runtime', 'web-main.js')))
    throw new Error('dist/ is missing: run `npm run cluster:check`, which builds first');
  const suffix = `${process.pid}`;
  const tools = await provideTemporalServer(progress);
  const temporalServer = await startTemporalServer(tools, {
    serverUrl: settings.serverUrl,
    namespace: 'sesame',
    suffix: `cluster_${suffix}`,
    progress,
  });
  children.push(temporalServer.process);
  stack.push({ name: 'Temporal server', stop: () => temporalServer.stop() });

  const databaseUrl = await createFreshDatabase(settings.serverUrl, `sesame_cluster_${suffix}`, stack);
  const directory = await startDirectoryStandIn();
  stack.push({ name: 'directory stand-in', stop: () => directory.stop() });
  const smtp = await startSmtpServer();
  stack.push({ name: 'SMTP server', stop: () => smtp.stop() });

  const connection = await Connection.connect({ address: temporalServer.address });
  stack.push({ name: 'Temporal client', stop: () => connection.close() });
  const temporal = new Client({ connection, namespace: temporalServer.namespace });

  const taskQueue = `sesame-cluster-${suffix}`;
  const password = `cluster-${randomBytes(12).toString('base64url')}`;
  const webPorts = [await freePort(), await freePort()];
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? os.homedir(),
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    APP_SECRET: randomBytes(32).toString('base64url'),
    HOST: '127.0.0.1',
    // The address of the load balancer in front of both web processes.
    PUBLIC_URL: `http://127.0.0.1:${webPorts[0]}`,
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: temporalServer.address,
    TEMPORAL_NAMESPACE: temporalServer.namespace,
    TEMPORAL_TASK_QUEUE: taskQueue,
    DIRECTORY_URL: directory.url,
    SMTP_URL: smtp.url,
    MAIL_RETRY_INITIAL_INTERVAL: '500ms',
    MAIL_RETRY_MAX_INTERVAL: '2s',
    OUTBOX_RELAY_INTERVAL: '2s',
  };

  const migrateMs = await npmRun('migrate', env);
  progress(`npm run migrate: ${migrateMs} ms`);

  // Production seeds nobody: the instructor and the applicants are put in the database as an operator would.
  const pool = createPool({ url: databaseUrl, max: 2, applicationName: 'sesame-cluster-check' });
  stack.push({ name: 'check pool', stop: () => pool.end() });
  await seedDemoAccounts(pool, password);
  const seedClient = new pg.Client({ connectionString: databaseUrl });
  await seedClient.connect();
  const seeded = await seedPeople(seedClient, {
    directoryUrl: directory.url,
    organisations: settings.concurrency,
    applicants: settings.concurrency,
    password,
  }).finally(() => seedClient.end());

  const replicas: Replica[] = [
    { name: 'web-1', kind: 'web', url: `http://127.0.0.1:${webPorts[0]}`, starts: 0, readyMs: [] },
    { name: 'web-2', kind: 'web', url: `http://127.0.0.1:${webPorts[1]}`, starts: 0, readyMs: [] },
    { name: 'worker-1', kind: 'worker', starts: 0, readyMs: [] },
    { name: 'worker-2', kind: 'worker', starts: 0, readyMs: [] },
  ];
  const start = async (replica: Replica) => {
    const began = performance.now();
    const entry = replica.kind === 'web' ? 'dist/runtime/web-main.js' : 'dist/runtime/worker-main.js';
    const port: Record<string, string> = replica.url === undefined ? {} : { PORT: new URL(replica.url).port };
    replica.current = await startPlatformProcess({
      name: replica.name,
      args: ['--enable-source-maps', entry],
      cwd: ROOT,
      env: { ...env, ...port },
    });
    children.push(replica.current);
    replica.starts += 1;
    await waitUntilReady(replica, temporal, taskQueue);
    replica.readyMs.push(Math.round(performance.now() - began));
  };
  // One after the other, so that each start-up time is the process's own, not four sharing two cores.
  stack.push({
    name: 'platform processes',
    stop: async () => {
      await Promise.all(replicas.map(async (replica) => replica.current?.stop()));
    },
  });
  for (const replica of replicas) await start(replica);
  progress(
    `two web and two worker processes up (${replicas.map((r) => `${r.name} ${r.readyMs[0]} ms`).join(', ')})`,
  );
  const webs = replicas.filter((replica) => replica.kind === 'web');

  // The load, and the chaos beside it.
  const sessions = await Promise.all(
    seeded.applicants.map(async (who) => {
      const applicant = sessionOver(webs);
      await applicant.signIn(who.email, password);
      const instructor = sessionOver(webs);
      await instructor.signIn('instructeur@sesame.test', password);
      return { who, applicant, instructor };
    }),
  );
  let loadRunning = true;
  const kills = { workerKills: 0, webKills: 0 };
  let chaosFailure: unknown;
  const chaosDone = chaos({ worker: replicas[2]!, web: replicas[1]! }, start, () => loadRunning, kills).catch(
    (error: unknown) => void (chaosFailure = error),
  );
  const chaosShort = () =>
    chaosFailure === undefined &&
    (kills.workerKills < MINIMUM_KILLS.workerKills || kills.webKills < MINIMUM_KILLS.webKills);
  const loadStarted = performance.now();
  const lifecycles: Lifecycle[] = [];
  const failures: string[] = [];
  let next = 0;
  await Promise.all(
    sessions.map(async (session) => {
      while (next < settings.lifecycles || chaosShort()) {
        const number = (next += 1);
        try {
          lifecycles.push(await lifecycle(number, session.applicant, session.instructor, session.who));
        } catch (error) {
          failures.push(`lifecycle ${number}: ${(error as Error).message}`);
        }
      }
    }),
  );
  loadRunning = false;
  await chaosDone;
  if (chaosFailure !== undefined) throw chaosFailure;
  const loadSeconds = Math.round((performance.now() - loadStarted) / 100) / 10;
  progress(`${lifecycles.length} lifecycles acknowledged in ${loadSeconds} s; ${failures.length} failed`);

  // Everything the lifecycles caused settles: tokens issued, emails sent.
  const violations: Violation[] = failures.map((failure) => ({ what: 'lifecycle failed', detail: failure }));
  const ids = lifecycles.map((lifecycle) => lifecycle.requestId);
  const settled = await settle(pool, ids, smtp.received);
  if (!settled.ok) violations.push({ what: 'did not settle within 120 s', detail: settled.pending });

  const report = await verify(pool, lifecycles, smtp.received, temporal, violations);

  // Peak and current resident memory of each process (a restarted one since its last start).
  const memoryMb = Object.fromEntries(
    replicas.map((replica) => [replica.name, residentMemory(replica.current!.pid) ?? null]),
  );

  // A graceful stop of each process, as a deployment's rolling update does.
  const stops: Record<string, number> = {};
  for (const replica of replicas) {
    const began = performance.now();
    const current = replica.current!;
    await current.stop(30_000);
    stops[replica.name] = Math.round(performance.now() - began);
    const code = await current.exited;
    if (code !== '0') violations.push({ what: `${replica.name} did not exit 0 on SIGTERM`, detail: code });
  }

  return {
    ok: violations.length === 0,
    machine: { cpus: os.availableParallelism(), node: process.version },
    temporal: {
      server: `temporal-server ${TEMPORAL_SERVER_VERSION} (Go build), PostgreSQL persistence and visibility`,
      address: temporalServer.address,
      namespace: temporalServer.namespace,
      databases: temporalServer.databases,
    },
    settings: { ...settings, serverUrl: undefined },
    setupMs: {
      migrate: migrateMs,
      firstReady: Object.fromEntries(replicas.map((replica) => [replica.name, replica.readyMs[0]])),
    },
    load: {
      lifecycles: next,
      completed: lifecycles.length,
      withChangesAsked: lifecycles.filter((lifecycle) => lifecycle.changesAsked).length,
      seconds: loadSeconds,
      ...counters,
    },
    chaos: {
      ...kills,
      restartsReadyMs: Object.fromEntries(
        replicas.map((replica) => [replica.name, replica.readyMs.slice(1)]),
      ),
    },
    verified: report,
    memoryMb,
    stopMs: stops,
    violations,
  };
}

/** Waits until every request has its token and no email is pending. */
async function settle(
  pool: pg.Pool,
  ids: string[],
  received: { messageId: string }[],
): Promise<{ ok: boolean; pending: unknown }> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const { rows } = await pool.query<{
      without_token: number;
      pending_emails: number;
      unreceived: string[];
    }>(
      `SELECT (SELECT count(*)::int FROM unnest($1::uuid[]) AS r (id)
                WHERE NOT EXISTS (SELECT 1 FROM habilitations h JOIN tokens t ON t.habilitation_id = h.id
                                   WHERE h.request_id = r.id)) AS without_token,
              (SELECT count(*)::int FROM outbox_emails WHERE status = 'pending') AS pending_emails,
              ARRAY(SELECT id::text FROM outbox_emails) AS unreceived`,
      [ids],
    );
    const row = rows[0]!;
    const got = new Set(received.map((mail) => mail.messageId.replace(/^<|@.*$/g, '')));
    const unreceived = row.unreceived.filter((id) => !got.has(id)).length;
    if (row.without_token === 0 && row.pending_emails === 0 && unreceived === 0)
      return { ok: true, pending: {} };
    if (Date.now() > deadline)
      return {
        ok: false,
        pending: { withoutToken: row.without_token, pendingEmails: row.pending_emails, unreceived },
      };
    await sleep(500);
  }
}

async function verify(
  pool: pg.Pool,
  lifecycles: Lifecycle[],
  received: { messageId: string }[],
  temporal: Client,
  violations: Violation[],
) {
  const ids = lifecycles.map((lifecycle) => lifecycle.requestId);
  const { rows: requests } = await pool.query<{
    id: string;
    state: string;
    transitions: string[];
    habilitations: number;
    tokens: number[];
  }>(
    `SELECT r.id, r.state,
            ARRAY(SELECT e.from_state || '>' || e.to_state FROM request_events e
                   WHERE e.request_id = r.id AND e.from_state IS NOT NULL AND e.to_state IS NOT NULL
                     AND e.from_state <> e.to_state
                   ORDER BY e.id) AS transitions,
            (SELECT count(*)::int FROM habilitations h WHERE h.request_id = r.id) AS habilitations,
            ARRAY(SELECT count(t.id)::int FROM habilitations h LEFT JOIN tokens t ON t.habilitation_id = h.id
                   WHERE h.request_id = r.id GROUP BY h.id) AS tokens
       FROM access_requests r WHERE r.id = ANY($1::uuid[])`,
    [ids],
  );
  const byId = new Map(requests.map((request) => [request.id, request]));
  for (const lifecycle of lifecycles) {
    const request = byId.get(lifecycle.requestId);
    const expected = [
      'draft>submitted',
      ...(lifecycle.changesAsked ? ['submitted>changes_requested', 'changes_requested>submitted'] : []),
      'submitted>validated',
    ];
    if (!request) {
      violations.push({ what: 'acknowledged request missing', detail: lifecycle.requestId });
      continue;
    }
    if (request.state !== 'validated')
      violations.push({ what: 'request not validated', detail: { id: request.id, state: request.state } });
    if (request.transitions.join(',') !== expected.join(','))
      violations.push({
        what: 'transitions differ from the lifecycle',
        detail: { id: request.id, expected, stored: request.transitions },
      });
    if (request.habilitations !== 1)
      violations.push({
        what: 'habilitations ≠ 1',
        detail: { id: request.id, count: request.habilitations },
      });
    if (request.tokens.length !== 1 || request.tokens[0] !== 1)
      violations.push({
        what: 'tokens ≠ 1 per habilitation',
        detail: { id: request.id, tokens: request.tokens },
      });
  }

  const { rows: emails } = await pool.query<{ id: string; status: string; idempotency_key: string }>(
    `SELECT id::text, status, idempotency_key FROM outbox_emails`,
  );
  const receivedById = new Map<string, number>();
  for (const mail of received) {
    const id = mail.messageId.replace(/^<|@.*$/g, '');
    receivedById.set(id, (receivedById.get(id) ?? 0) + 1);
  }
  const notSent = emails.filter((email) => email.status !== 'sent');
  if (notSent.length > 0) violations.push({ what: 'emails not sent', detail: notSent.slice(0, 10) });
  const neverReceived = emails.filter((email) => !receivedById.has(email.id));
  if (neverReceived.length > 0)
    violations.push({ what: 'emails never received', detail: neverReceived.slice(0, 10) });
  const strangers = [...receivedById.keys()].filter((id) => !emails.some((email) => email.id === id));
  if (strangers.length > 0)
    violations.push({ what: 'received emails the outbox does not hold', detail: strangers });
  // The same Message-ID received twice: the SMTP server took it, then the worker died before recording it.
  // Mail servers drop the copy by Message-ID; counted, not a failure.
  const redelivered = [...receivedById.values()].filter((count) => count > 1).length;

  const failed = [];
  for await (const workflow of temporal.workflow.list({
    query: 'ExecutionStatus = "Failed" OR ExecutionStatus = "TimedOut"',
  }))
    failed.push({ id: workflow.workflowId, type: workflow.type, status: workflow.status.name });
  if (failed.length > 0) violations.push({ what: 'failed workflows', detail: failed });
  const running = await countWorkflows(temporal, 'ExecutionStatus = "Running"');
  const completed = await countWorkflows(temporal, 'ExecutionStatus = "Completed"');

  return {
    requests: requests.length,
    validated: requests.filter((request) => request.state === 'validated').length,
    habilitations: requests.reduce((sum, request) => sum + request.habilitations, 0),
    tokens: requests.reduce((sum, request) => sum + request.tokens.reduce((a, b) => a + b, 0), 0),
    emails: {
      queued: emails.length,
      sent: emails.length - notSent.length,
      received: received.length,
      redelivered,
    },
    workflows: { running, completed, failed: failed.length },
  };
}

async function countWorkflows(temporal: Client, query: string): Promise<number> {
  const answer = await temporal.workflowService.countWorkflowExecutions({
    namespace: temporal.options.namespace,
    query,
  });
  return Number(answer.count ?? 0);
}

const cleanup = installExitHooks(stopEverything, killEverythingNow);
let exitCode = 1;
try {
  const report = await main();
  console.log(JSON.stringify(report, null, 2));
  exitCode = report.ok ? 0 : 1;
  progress(
    report.ok ? 'cluster check passed' : `cluster check FAILED: ${report.violations.length} violation(s)`,
  );
} catch (error) {
  progress(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
} finally {
  progress('stopping everything');
  await cleanup();
  progress('done');
}
process.exit(exitCode);
