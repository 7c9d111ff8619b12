import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import type { ApiClient } from '../bench/lifecycle-client.ts';
import {
  installExitHooks,
  startPlatformProcess,
  type PlatformProcess,
} from '../bench/lifecycle-processes.ts';
import {
  LifecycleRunner,
  pollerIdentities,
  sessionOver,
  startReplica,
  type AnswerRecord,
  type Lifecycle,
  type Replica,
} from '../bench/lifecycle-resilient.ts';
import { seedPeople } from '../bench/lifecycle-seed.ts';
import { distribution, percentile, round } from '../bench/lifecycle-stats.ts';
import { duplicateEmails, settle, verifyLifecycles, type Violation } from '../bench/lifecycle-verify.ts';
import { createFreshDatabase, Teardown } from '../bench/teardown.ts';
import { startDirectoryStandIn } from '../directory/stand-in.ts';
import { seedDemoAccounts } from '../runtime/demo-data.ts';
import { findTemporalCli } from '../runtime/temporal-cli.ts';
import { devServerArgs, freePort } from '../runtime/temporal-dev-server.ts';
import { createPool } from '../store/pool.ts';
import { startSmtpServer, type ReceivedMail } from '../test/helpers/smtp-server.ts';

/**
 * `npm run chaos`: access-request lifecycles while the platform's processes are killed under them. The compiled
 * build (`npm run build`, which the npm script runs first) as separate processes — one web process and two
 * workers in production mode — against one Temporal dev server keeping its state in a database file (so that it
 * can be stopped and started again without losing a workflow) and one fresh PostgreSQL database.
 *
 * Applicants run lifecycles through the JSON API — create, fill in, submit, (one in three) changes asked and a
 * second version submitted, approval, the token listed, its secret revealed — while a worker is SIGKILLed every
 * few seconds (then started again), the web process is SIGKILLed once and the Temporal server restarted once.
 * A call whose web process died is sent again; a command answered 503 or not answered is followed by reading the
 * request, and sent again only if its effect is not there (bench/lifecycle-resilient.ts).
 *
 * Then it checks, and prints as one JSON document: every acknowledged transition stored exactly once; one
 * habilitation per approved revision and one token per habilitation; no email queued twice (same template,
 * recipient and subject about the same request or token) and every email sent and received by the SMTP sink; no
 * failed workflow; no 5xx answered while a worker was alive and Temporal up (the kill and restart times are
 * recorded to know); no 409 whose allowed commands list the command it refused, and none refusing a command
 * that a later attempt applied; no secret — the seeded password, a revealed token, a session cookie, a CSRF
 * token, APP_SECRET — in any line the processes wrote, any email or any workflow history (each kind of source
 * checked to hold a value known to be there, so that the search cannot pass by seeing nothing). Exit code 1 on
 * any violation.
 *
 * Settings: CHAOS_LIFECYCLES (default 30), CHAOS_CONCURRENCY (default 6), CHAOS_DURATION (seconds, default 0:
 * lifecycles go on starting until both the count and the duration are reached — the soak), CHAOS_KILL_EVERY_MS
 * (default 5000: the pause between kills, 0.6 to 1.6 times it). The load goes on until at least four worker
 * kills, the web kill and the Temporal restart have happened. DATABASE_URL names the PostgreSQL server (default
 * postgres://postgres@127.0.0.1:5432/postgres) where the run creates, and drops afterwards, its database.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const startedAt = performance.now();
const now = () => performance.now();
const seconds = () => ((now() - startedAt) / 1000).toFixed(1);
const progress = (line: string) => process.stderr.write(`[chaos ${seconds()}s] ${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function nonNegativeInteger(name: string, fallback: number, min = 1): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name}: expected an integer ≥ ${min}`);
  return value;
}

const settings = {
  lifecycles: nonNegativeInteger('CHAOS_LIFECYCLES', 30),
  concurrency: nonNegativeInteger('CHAOS_CONCURRENCY', 6),
  durationSeconds: nonNegativeInteger('CHAOS_DURATION', 0, 0),
  killEveryMs: nonNegativeInteger('CHAOS_KILL_EVERY_MS', 5_000, 500),
  serverUrl: process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
};

/** The load goes on until the chaos has done at least this much, whatever CHAOS_LIFECYCLES says. */
const MINIMUM = { workerKills: 4, webKills: 1, temporalRestarts: 1 };

// ---------------------------------------------------------------------------------------------------------
// What the run started, stopped in reverse order however it ends

const stack = new Teardown(progress);
const children: PlatformProcess[] = [];
const killEverythingNow = () => {
  for (const child of children) child.kill();
};

// ---------------------------------------------------------------------------------------------------------
// The Temporal dev server, restartable on the same port and database file

interface TemporalServer {
  address: string;
  current: PlatformProcess;
  start(): Promise<void>;
}

async function waitForTemporal(address: string, server: PlatformProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (!server.running) throw new Error(`the Temporal dev server exited during start-up:\n${server.tail()}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await connection.withDeadline(Date.now() + 2_000, () =>
          connection.workflowService.describeNamespace({ namespace: 'default' }),
        );
        return;
      } finally {
        await connection.close();
      }
    } catch {
      if (Date.now() > deadline) throw new Error(`the Temporal dev server did not answer on ${address}`);
      await sleep(200);
    }
  }
}

async function temporalDevServer(dataDir: string): Promise<TemporalServer> {
  const cli = findTemporalCli(process.env.TEMPORAL_CLI_PATH || undefined);
  if (!cli)
    throw new Error('no temporal CLI (TEMPORAL_CLI_PATH, PATH, ~/go/bin): run npm run temporal:provision');
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const args = devServerArgs({ port, namespace: 'default', dbFile: path.join(dataDir, 'temporal.sqlite') });
  const server: TemporalServer = {
    address,
    current: undefined as unknown as PlatformProcess,
    async start() {
      server.current = await startPlatformProcess({
        name: 'temporal',
        command: cli,
        args,
        cwd: dataDir,
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? os.homedir() },
        quiet: true,
      });
      children.push(server.current);
      await waitForTemporal(address, server.current);
    },
  };
  await server.start();
  return server;
}

// ---------------------------------------------------------------------------------------------------------
// The timeline: kills, restarts and outages, to judge each answer by what was alive when it was given

interface Outage {
  what: string;
  from: number;
  /** Until the service is back (Infinity while it is not). */
  to: number;
}

const timeline: { atSeconds: number; event: string; at: string }[] = [];
const outages: Outage[] = [];
const workerKillTimes: number[] = [];

function mark(event: string): number {
  const at = now();
  timeline.push({ atSeconds: round((at - startedAt) / 1000, 1), event, at: new Date().toISOString() });
  progress(event);
  return at;
}

const overlaps = (record: AnswerRecord, outage: Outage) =>
  record.sentAt <= outage.to && record.answeredAt >= outage.from;

// ---------------------------------------------------------------------------------------------------------
// Chaos: a worker every few seconds, the web process once, the Temporal server once

interface Kills {
  workerKills: number;
  webKills: number;
  temporalRestarts: number;
}

async function chaos(
  context: {
    workers: Replica[];
    web: Replica;
    temporalServer: TemporalServer;
    restart: (replica: Replica) => Promise<void>;
    bothWorkersPolling: () => Promise<boolean>;
  },
  running: () => boolean,
  kills: Kills,
): Promise<void> {
  let round = 0;
  while (running()) {
    await sleep(settings.killEveryMs * (0.6 + Math.random()));
    if (!running()) break;
    round += 1;
    if (kills.webKills === 0 && kills.workerKills >= 2) {
      const current = context.web.current!;
      const from = mark(`SIGKILL ${context.web.name} (pid ${current.pid})`);
      current.kill();
      await current.exited;
      await context.restart(context.web);
      mark(`${context.web.name} ready again`);
      outages.push({ what: 'web process', from, to: now() });
      kills.webKills += 1;
    } else if (kills.temporalRestarts === 0 && kills.workerKills >= 4) {
      const outage: Outage = {
        what: 'Temporal server restart',
        from: mark('stopping the Temporal server'),
        to: Infinity,
      };
      outages.push(outage);
      await context.temporalServer.current.stop(10_000);
      mark('Temporal server stopped; starting it again on the same database file');
      await context.temporalServer.start();
      mark('Temporal server answering again');
      // Back once both workers poll again: until then the platform is not whole.
      const deadline = Date.now() + 120_000;
      while (!(await context.bothWorkersPolling())) {
        if (Date.now() > deadline)
          throw new Error('the workers did not poll again within 120 s of the restart');
        await sleep(100);
      }
      outage.to = mark('both workers polling again');
      kills.temporalRestarts += 1;
    } else {
      const victim = context.workers[round % context.workers.length]!;
      const current = victim.current!;
      workerKillTimes.push(mark(`SIGKILL ${victim.name} (pid ${current.pid})`));
      current.kill();
      await current.exited;
      // The other worker is alive all along: the outage of this one is not an outage of the platform.
      await sleep(500 + Math.random() * 1_500);
      await context.restart(victim);
      mark(`${victim.name} ready again`);
      kills.workerKills += 1;
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Secrets: none in what the processes wrote or in what the platform emailed

/** Quoted-printable undone (soft line breaks, =XX bytes): a secret in an email body may be cut or escaped. */
function decodedEmail(raw: string): string {
  const unfolded = raw.replace(/=\r?\n/g, '');
  const bytes = Buffer.from(
    unfolded.replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))),
    'latin1',
  );
  return `${raw}\n${bytes.toString('utf8')}`;
}

/** Every byte string in a history (payloads' data, failures' details), as text. */
function payloadTexts(value: unknown, into: string[] = []): string[] {
  if (value instanceof Uint8Array) into.push(Buffer.from(value).toString('utf8'));
  else if (typeof value === 'string') into.push(value);
  else if (Array.isArray(value)) for (const item of value) payloadTexts(item, into);
  else if (value !== null && typeof value === 'object')
    for (const item of Object.values(value)) payloadTexts(item, into);
  return into;
}

/** The text of every workflow history of the namespace: what Temporal keeps of what the workers sent it. */
async function temporalPayloads(temporal: Client): Promise<{ where: string; text: string }[]> {
  const runs: { workflowId: string; runId: string; type: string }[] = [];
  for await (const info of temporal.workflow.list())
    runs.push({ workflowId: info.workflowId, runId: info.runId, type: info.type });
  const sources: { where: string; text: string }[] = [];
  for (let start = 0; start < runs.length; start += 16)
    await Promise.all(
      runs.slice(start, start + 16).map(async (run) => {
        const history = await temporal.workflow.getHandle(run.workflowId, run.runId).fetchHistory();
        sources.push({
          where: `${run.type} ${run.workflowId}`,
          text: payloadTexts(history.events).join('\n'),
        });
      }),
    );
  return sources;
}

function findSecrets(
  secrets: { kind: string; value: string }[],
  sources: { where: string; text: string }[],
): { kind: string; where: string }[] {
  const found: { kind: string; where: string }[] = [];
  for (const source of sources)
    for (const secret of secrets)
      if (secret.value.length >= 8 && source.text.includes(secret.value))
        found.push({ kind: secret.kind, where: source.where });
  return found;
}

/** temporal.api.enums.v1.TimeoutType, as the history's events carry it. */
const TIMEOUT_TYPES: Record<number, string> = {
  1: 'startToClose',
  2: 'scheduleToStart',
  3: 'scheduleToClose',
  4: 'heartbeat',
};

const eventMs = (time: { seconds?: unknown; nanos?: number | null } | null | undefined) =>
  Number(time?.seconds ?? 0) * 1000 + (time?.nanos ?? 0) / 1e6;

/**
 * What the request workflows' histories say about workflow tasks: how long a live worker took for each (the
 * workflow task timeout must exceed it), and how many timed out, by kind — start-to-close: a worker died holding
 * the task; schedule-to-start: a dead worker's sticky queue held it.
 */
async function workflowTaskFacts(temporal: Client, requestIds: string[]) {
  const durations: number[] = [];
  const timedOut: Record<string, number> = {};
  const timeouts = new Set<string>();
  for (let start = 0; start < requestIds.length; start += 8) {
    const histories = await Promise.all(
      requestIds
        .slice(start, start + 8)
        .map((id) => temporal.workflow.getHandle(`request-${id}`).fetchHistory()),
    );
    for (const history of histories) {
      const started = new Map<string, number>();
      for (const event of history.events ?? []) {
        const taskTimeout = event.workflowExecutionStartedEventAttributes?.workflowTaskTimeout;
        if (taskTimeout)
          timeouts.add(`${Number(taskTimeout.seconds ?? 0) + (taskTimeout.nanos ?? 0) / 1e9} s`);
        if (event.workflowTaskStartedEventAttributes)
          started.set(String(event.eventId), eventMs(event.eventTime));
        const completed = event.workflowTaskCompletedEventAttributes;
        const from = completed && started.get(String(completed.startedEventId));
        if (from !== undefined && from !== null) durations.push(eventMs(event.eventTime) - from);
        const timeout = event.workflowTaskTimedOutEventAttributes;
        if (timeout) {
          const kind = TIMEOUT_TYPES[Number(timeout.timeoutType)] ?? String(timeout.timeoutType);
          timedOut[kind] = (timedOut[kind] ?? 0) + 1;
        }
      }
    }
  }
  return {
    workflowTaskTimeouts: [...timeouts],
    completed: durations.length,
    durationMs: { ...distribution(durations), p99: round(percentile(durations, 99)) },
    timedOut,
  };
}

/**
 * CHAOS_HISTORIES_DIR: the event list (type, time, attributes' names) of each request workflow that answered a
 * 5xx, to see which timeout held it.
 */
async function writeHistories(temporal: Client, records: AnswerRecord[], dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const ids = new Set(
    records.map((record) => /requests\/([0-9a-f-]{36})/.exec(record.path)?.[1]).filter(Boolean),
  );
  for (const id of ids) {
    const history = await temporal.workflow.getHandle(`request-${id}`).fetchHistory();
    const lines = (history.events ?? []).map((event) => {
      const at =
        Number(event.eventTime?.seconds ?? 0) * 1000 + Math.round((event.eventTime?.nanos ?? 0) / 1e6);
      const attributes = Object.entries(event).find(([key, value]) => key.endsWith('Attributes') && value);
      return `${new Date(at).toISOString()} ${event.eventId} ${attributes?.[0] ?? '?'} ${JSON.stringify(attributes?.[1] ?? {}).slice(0, 300)}`;
    });
    writeFileSync(path.join(dir, `${id}.txt`), lines.join('\n'));
  }
  progress(`histories of ${ids.size} requests written to ${dir}`);
}

// ---------------------------------------------------------------------------------------------------------

async function main() {
  if (!existsSync(path.join(ROOT, 'dist', 'runtime', 'web-main.js')))
    throw new Error('dist/ is missing: run `npm run chaos`, which builds first');
  const suffix = `${process.pid}`;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'sesame-chaos-'));
  stack.push({ name: 'data folder', stop: async () => rmSync(dataDir, { recursive: true, force: true }) });

  const setupStarted = now();
  const temporalServer = await temporalDevServer(dataDir);
  stack.push({ name: 'Temporal dev server', stop: () => temporalServer.current.stop(10_000) });
  progress(`Temporal dev server on ${temporalServer.address}, state in ${dataDir}/temporal.sqlite`);

  const databaseUrl = await createFreshDatabase(settings.serverUrl, `sesame_chaos_${suffix}`, stack);
  const directory = await startDirectoryStandIn();
  stack.push({ name: 'directory stand-in', stop: () => directory.stop() });
  const smtp = await startSmtpServer();
  stack.push({ name: 'SMTP server', stop: () => smtp.stop() });

  const connection = await Connection.connect({ address: temporalServer.address });
  stack.push({ name: 'Temporal client', stop: () => connection.close() });
  const temporal = new Client({ connection, namespace: 'default' });

  const taskQueue = `sesame-chaos-${suffix}`;
  const password = `chaos-${randomBytes(12).toString('base64url')}`;
  const appSecret = randomBytes(32).toString('base64url');
  const webPort = await freePort();
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? os.homedir(),
    NODE_ENV: 'production',
    // Every request logged: the lines searched for secrets.
    LOG_LEVEL: 'info',
    APP_SECRET: appSecret,
    HOST: '127.0.0.1',
    PUBLIC_URL: `http://127.0.0.1:${webPort}`,
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: temporalServer.address,
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: taskQueue,
    DIRECTORY_URL: directory.url,
    SMTP_URL: smtp.url,
    // The SMTP sink answers at once: a send held by a killed worker is retried after 15 s, not the default
    // minute, which only makes the run wait for its emails.
    MAIL_SEND_TIMEOUT: '15s',
    MAIL_RETRY_INITIAL_INTERVAL: '500ms',
    MAIL_RETRY_MAX_INTERVAL: '2s',
    OUTBOX_RELAY_INTERVAL: '2s',
  };

  // Every line every process writes, kept to be searched for secrets at the end.
  const logLines: { where: string; text: string }[] = [];
  let logBytes = 0;
  const collect = (name: string) => (line: string) => {
    logLines.push({ where: name, text: line });
    logBytes += line.length;
  };

  const migrate = await startPlatformProcess({
    name: 'npm run migrate',
    command: 'npm',
    args: ['run', '--silent', 'migrate'],
    cwd: ROOT,
    env,
    quiet: true,
    onLine: collect('migrate'),
  });
  children.push(migrate);
  const migrated = await migrate.exited;
  if (migrated !== '0') throw new Error(`npm run migrate exited with ${migrated}:\n${migrate.tail()}`);

  const pool = createPool({ url: databaseUrl, max: 2, applicationName: 'sesame-chaos' });
  stack.push({ name: 'chaos pool', stop: () => pool.end() });
  await seedDemoAccounts(pool, password);
  const seedClient = new pg.Client({ connectionString: databaseUrl });
  await seedClient.connect();
  const seeded = await seedPeople(seedClient, {
    directoryUrl: directory.url,
    organisations: Math.min(settings.concurrency, 8),
    applicants: settings.concurrency,
    password,
  }).finally(() => seedClient.end());

  const web: Replica = {
    name: 'web',
    kind: 'web',
    url: `http://127.0.0.1:${webPort}`,
    starts: 0,
    readyMs: [],
  };
  const workers: Replica[] = [
    { name: 'worker-1', kind: 'worker', starts: 0, readyMs: [] },
    { name: 'worker-2', kind: 'worker', starts: 0, readyMs: [] },
  ];
  const replicas = [web, ...workers];
  const restart = (replica: Replica) =>
    startReplica(replica, {
      root: ROOT,
      env,
      temporal,
      taskQueue,
      children,
      quiet: true,
      onLine: collect(replica.name),
    });
  stack.push({
    name: 'platform processes',
    stop: async () => {
      await Promise.all(replicas.map(async (replica) => replica.current?.stop()));
    },
  });
  for (const replica of replicas) await restart(replica);
  const setupSeconds = round((now() - setupStarted) / 1000, 1);
  progress(`web and two workers up (${replicas.map((r) => `${r.name} ${r.readyMs[0]} ms`).join(', ')})`);

  // The load, every answer recorded with its times.
  const answers: AnswerRecord[] = [];
  const runner = new LifecycleRunner((record) => answers.push(record));
  const sessions: { applicant: ApiClient; instructor: ApiClient; who: (typeof seeded.applicants)[number] }[] =
    [];
  for (const who of seeded.applicants) {
    const applicant = sessionOver([web]);
    await applicant.signIn(who.email, password);
    const instructor = sessionOver([web]);
    await instructor.signIn('instructeur@sesame.test', password);
    sessions.push({ applicant, instructor, who });
  }

  let loadRunning = true;
  const kills: Kills = { workerKills: 0, webKills: 0, temporalRestarts: 0 };
  let chaosFailure: unknown;
  const bothWorkersPolling = async () => {
    const identities = await pollerIdentities(temporal, taskQueue).catch(() => new Set<string>());
    return workers.every((worker) =>
      [...identities].some((identity) => identity.startsWith(`${worker.current!.pid}@`)),
    );
  };
  const chaosDone = chaos(
    { workers, web, temporalServer, restart, bothWorkersPolling },
    () => loadRunning,
    kills,
  ).catch((error: unknown) => void (chaosFailure = error));
  const loadStarted = now();
  const goOn = (next: number) =>
    chaosFailure === undefined &&
    (next < settings.lifecycles ||
      now() - loadStarted < settings.durationSeconds * 1000 ||
      kills.workerKills < MINIMUM.workerKills ||
      kills.webKills < MINIMUM.webKills ||
      kills.temporalRestarts < MINIMUM.temporalRestarts);
  const lifecycles: Lifecycle[] = [];
  const failures: string[] = [];
  let next = 0;
  await Promise.all(
    sessions.map(async (session) => {
      while (goOn(next)) {
        const number = (next += 1);
        try {
          lifecycles.push(
            await runner.lifecycle(number, session.applicant, session.instructor, session.who, {
              changesAsked: number % 3 === 0,
              tokenVisible: true,
              reveal: true,
            }),
          );
        } catch (error) {
          failures.push(`lifecycle ${number}: ${(error as Error).message}`);
        }
        if (lifecycles.length % 10 === 0 && lifecycles.length > 0)
          progress(`${lifecycles.length} lifecycles done`);
      }
    }),
  );
  loadRunning = false;
  await chaosDone;
  if (chaosFailure !== undefined) throw chaosFailure;
  const loadSeconds = round((now() - loadStarted) / 1000, 1);
  progress(`${lifecycles.length} lifecycles acknowledged in ${loadSeconds} s; ${failures.length} failed`);

  // Everything the lifecycles caused settles: tokens issued, emails sent.
  const violations: Violation[] = failures.map((failure) => ({ what: 'lifecycle failed', detail: failure }));
  const settleStarted = now();
  const settled = await settle(
    pool,
    lifecycles.map((lifecycle) => lifecycle.requestId),
    smtp.received,
    180_000,
  );
  if (!settled.ok) violations.push({ what: 'did not settle within 180 s', detail: settled.pending });
  const settleSeconds = round((now() - settleStarted) / 1000, 1);
  // How long emails took from the outbox to the SMTP sink, and how many attempts: a kill's cost to email.
  const { rows: deliveries } = await pool.query<{ ms: number; attempts: number }>(
    `SELECT extract(epoch FROM sent_at - created_at) * 1000 AS ms, attempts FROM outbox_emails WHERE sent_at IS NOT NULL`,
  );
  const emailDelivery = {
    ms: distribution(deliveries.map((row) => Number(row.ms))),
    maxAttempts: Math.max(0, ...deliveries.map((row) => row.attempts)),
  };

  const verified = await verifyLifecycles(pool, lifecycles, smtp.received, temporal, violations);
  const duplicates = await duplicateEmails(pool);
  const workflowTasks = await workflowTaskFacts(
    temporal,
    lifecycles.map((lifecycle) => lifecycle.requestId),
  );
  if (duplicates.groups > 0) violations.push({ what: 'emails queued twice', detail: duplicates.examples });

  // Answers: 5xx only while the platform was not whole (the Temporal server restarting); 409s that hold.
  const fiveHundreds = answers.filter((record) => record.status >= 500);
  const excused = (record: AnswerRecord) =>
    outages.some((outage) => outage.what === 'Temporal server restart' && overlaps(record, outage));
  const unexcused = fiveHundreds.filter((record) => !excused(record));
  if (unexcused.length > 0)
    violations.push({
      what: '5xx while a worker was alive and Temporal up',
      detail: unexcused.slice(0, 10).map((record) => ({
        step: record.step,
        path: record.path,
        status: record.status,
        atSeconds: round((record.sentAt - startedAt) / 1000, 1),
        tookMs: Math.round(record.answeredAt - record.sentAt),
        body: record.body,
      })),
    });
  if (process.env.CHAOS_HISTORIES_DIR)
    await writeHistories(temporal, unexcused, process.env.CHAOS_HISTORIES_DIR);
  const counters = runner.counters;
  if (counters.selfContradicting409 > 0)
    violations.push({
      what: '409 listing the refused command as allowed',
      detail: counters.selfContradicting409,
    });
  if (counters.refusedThenApplied > 0)
    violations.push({
      what: 'command refused (409), then applied by a later attempt',
      detail: counters.refusedThenApplied,
    });

  // Command latency: overall, and for commands sent within 15 s of a worker kill (what a kill strands).
  const commands = answers.filter((record) => record.command && record.status > 0);
  const took = (records: AnswerRecord[]) =>
    distribution(records.map((record) => record.answeredAt - record.sentAt));
  const nearKill = (record: AnswerRecord) =>
    workerKillTimes.some((at) => record.answeredAt >= at && record.sentAt <= at + 15_000);

  // Secrets.
  const secrets = [
    { kind: 'seeded password', value: password },
    { kind: 'APP_SECRET', value: appSecret },
    ...lifecycles.flatMap((lifecycle) =>
      lifecycle.tokenSecret === undefined ? [] : [{ kind: 'revealed token', value: lifecycle.tokenSecret }],
    ),
    ...sessions.flatMap((session) =>
      [...session.applicant.credentials(), ...session.instructor.credentials()].flatMap((value) =>
        // As sent (a signed cookie is %-encoded) and as read.
        [value, decodeURIComponent(value)].map((form) => ({
          kind: 'session cookie or CSRF token',
          value: form,
        })),
      ),
    ),
  ];
  const emailSources = smtp.received.map((mail: ReceivedMail) => ({
    where: `email "${mail.subject}" to ${mail.to.join(', ')}`,
    text: decodedEmail(mail.raw),
  }));
  const historySources = await temporalPayloads(temporal);
  const leaks = findSecrets(secrets, [...logLines, ...emailSources, ...historySources]);
  if (leaks.length > 0)
    violations.push({ what: 'secrets in logs, emails or Temporal histories', detail: leaks.slice(0, 20) });
  // The search must see what it searches: values each kind of source is known to hold, found where expected.
  const firstRequest = lifecycles[0]?.requestId ?? 'none';
  const canaries = [
    { where: 'process output', sources: logLines, value: taskQueue },
    { where: 'emails', sources: emailSources, value: `Grappe n° ${lifecycles[0]?.number ?? 1} ` },
    { where: 'Temporal histories', sources: historySources, value: firstRequest },
  ];
  for (const canary of canaries)
    if (!canary.sources.some((source) => source.text.includes(canary.value)))
      violations.push({
        what: `the secret search saw nothing known in the ${canary.where}`,
        detail: canary.value,
      });
  const tokensRevealed = lifecycles.filter((lifecycle) => lifecycle.tokenSecret !== undefined).length;
  if (tokensRevealed === 0)
    violations.push({ what: 'no token secret revealed: the secret check saw none', detail: null });

  // A graceful stop of each process.
  const stopMs: Record<string, number> = {};
  for (const replica of replicas) {
    const began = now();
    const current = replica.current!;
    await current.stop(30_000);
    stopMs[replica.name] = Math.round(now() - began);
    const code = await current.exited;
    if (code !== '0')
      violations.push({
        what: `${replica.name} did not exit 0 on SIGTERM`,
        detail: { code, lastLines: current.tail().split('\n').slice(-8) },
      });
  }

  const byStatus: Record<string, number> = {};
  for (const record of answers) byStatus[String(record.status)] = (byStatus[String(record.status)] ?? 0) + 1;
  return {
    ok: violations.length === 0,
    machine: { cpus: os.availableParallelism(), node: process.version },
    settings: { ...settings, serverUrl: undefined },
    temporal: 'Temporal CLI dev server, state in a SQLite file (restarted once on it)',
    kills: { ...kills, timeline },
    lifecycles: {
      started: next,
      completed: lifecycles.length,
      failed: failures.length,
      withChangesAsked: lifecycles.filter((lifecycle) => lifecycle.changesAsked).length,
      tokensRevealed,
    },
    answers: {
      total: answers.length,
      byStatus,
      answered5xx: fiveHundreds.length,
      answered5xxDuringTemporalRestart: fiveHundreds.length - unexcused.length,
      commands: { ...counters, other5xx: counters.other5xx.length },
      commandMs: {
        all: took(commands),
        sentWithin15sOfAWorkerKill: took(commands.filter(nearKill)),
        others: took(commands.filter((record) => !nearKill(record))),
      },
    },
    verified: { ...verified, emailsQueuedTwice: duplicates.groups, emailDelivery },
    requestWorkflowTasks: workflowTasks,
    secrets: {
      checked: secrets.length,
      logLines: logLines.length,
      logBytes,
      emails: emailSources.length,
      temporalHistories: historySources.length,
      found: leaks.length,
    },
    seconds: {
      setup: setupSeconds,
      load: loadSeconds,
      settle: settleSeconds,
      total: round((now() - startedAt) / 1000, 1),
    },
    restartsReadyMs: Object.fromEntries(replicas.map((replica) => [replica.name, replica.readyMs.slice(1)])),
    stopMs,
    violations,
  };
}

const cleanup = installExitHooks(() => stack.stopAll(), killEverythingNow);
let exitCode = 1;
try {
  const report = await main();
  console.log(JSON.stringify(report, null, 2));
  exitCode = report.ok ? 0 : 1;
  progress(report.ok ? 'chaos run passed' : `chaos run FAILED: ${report.violations.length} violation(s)`);
} catch (error) {
  progress(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
} finally {
  progress('stopping everything');
  await cleanup();
  progress('done');
}
process.exit(exitCode);
