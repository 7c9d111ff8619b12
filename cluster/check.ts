import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import {
  installExitHooks,
  residentMemory,
  startPlatformProcess,
  type PlatformProcess,
} from '../bench/lifecycle-processes.ts';
import {
  LifecycleRunner,
  sessionOver,
  startReplica,
  type Lifecycle,
  type Replica,
} from '../bench/lifecycle-resilient.ts';
import { seedPeople } from '../bench/lifecycle-seed.ts';
import { settle, verifyLifecycles, type Violation } from '../bench/lifecycle-verify.ts';
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
  const start = (replica: Replica) =>
    startReplica(replica, { root: ROOT, env, temporal, taskQueue, children });
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
  const runner = new LifecycleRunner();
  const lifecycles: Lifecycle[] = [];
  const failures: string[] = [];
  let next = 0;
  await Promise.all(
    sessions.map(async (session) => {
      while (next < settings.lifecycles || chaosShort()) {
        const number = (next += 1);
        try {
          lifecycles.push(
            await runner.lifecycle(number, session.applicant, session.instructor, session.who, {
              changesAsked: number % 3 === 0,
            }),
          );
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

  const report = await verifyLifecycles(pool, lifecycles, smtp.received, temporal, violations);

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
      ...runner.counters,
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
