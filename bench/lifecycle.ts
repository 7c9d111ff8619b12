import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { startDirectoryStandIn } from '../directory/stand-in.ts';
import { freePort, startEphemeralDevServer } from '../runtime/temporal-dev-server.ts';
import { ApiClient } from './lifecycle-client.ts';
import {
  CountingPgProxy,
  emptyCounts,
  STATEMENT_KINDS,
  subtractCounts,
  type StatementCounts,
} from './lifecycle-pg-proxy.ts';
import {
  installExitHooks,
  residentMemory,
  startPlatformProcess,
  type PlatformProcess,
} from './lifecycle-processes.ts';
import { insertQueue, SEARCH_WORD, seedPeople, type Applicant } from './lifecycle-seed.ts';
import { distribution, round, type Distribution } from './lifecycle-stats.ts';
import { phaseWorkflowCosts, type PhaseWorkflowCosts } from './lifecycle-temporal.ts';
import { createFreshDatabase, Teardown } from './teardown.ts';

/**
 * `npm run bench:lifecycle`: the life of an access request through the JSON API, on the platform as production
 * runs it — the compiled web process (`dist/runtime/web-main.js`) and worker process (`dist/runtime/worker-main.js`) as
 * separate child processes — with a Temporal dev server (in memory, no UI), the Sirene directory stand-in and a
 * fresh PostgreSQL database (`sesame_bench_lc_<pid>` on the server of DATABASE_URL, default
 * postgres://postgres@127.0.0.1:5432/postgres, dropped afterwards), all started and stopped by the benchmark.
 *
 * One lifecycle: an applicant creates a request for API Entreprise (POST /api/v1/requests), saves the whole form
 * in one PATCH, submits it; the demo instructor approves it; then the applicant polls the habilitation
 * (GET /api/v1/habilitations/{id}) until its token is listed ("tokenVisible": from the approval's answer).
 * Applicants (8 organisations of the directory data set, at least one applicant each) are seeded by SQL.
 *
 * Phases, in one run: BENCH_CONCURRENCY (default 1,8) applicants at once, each running lifecycles in a loop,
 * BENCH_LIFECYCLES (default 40) measured lifecycles per phase after BENCH_WARMUP (default 1) per applicant.
 * Each phase reports lifecycles/s and p50/p95 (ms) of each step, the PostgreSQL statements of each process per
 * lifecycle, and what the phase cost Temporal per lifecycle (workflow tasks, activities, local activities of
 * the request workflow; the other workflows started on the task queue, from the histories).
 *
 * Statements are counted by a TCP relay per process between it and PostgreSQL that reads the wire protocol: each
 * simple query and each Execute is one statement, sorted by first keyword (BEGIN, COMMIT… are "transaction
 * control"). In the concurrency-1 phase they are reported per step: `inRequest` while the HTTP call is answered,
 * `afterwards` once it has answered until both processes have been quiet for BENCH_SETTLE_MS (default 300): the
 * background work the step caused (emails, the organisation check). Those waits are not in the step times, and
 * that phase's lifecycles/s leaves them out. tokenVisible follows approve at once, so the background work of an
 * approval is counted in tokenVisible's `afterwards`.
 *
 * Then the instruction queue: BENCH_QUEUE_SIZE (default 100 000) submitted requests inserted by SQL over the
 * organisations and the three definitions, ANALYZE, and GET /api/v1/instruction/requests as the instructor,
 * BENCH_QUEUE_CALLS (default 15) times each: the first page, one definition, a text search (`q=cantine`, in one
 * title in ten) and page 2000 — p50/p95 (ms) and the web process's statements per call.
 *
 * Last, the peak resident memory (VmHWM) and current RSS of the web and worker processes, in MB. Progress goes
 * to standard error, one JSON document to standard output. BENCH_POOL_SIZE (default 10) sets each process's
 * DATABASE_POOL_SIZE; BENCH_PROFILE=<dir> has both processes write a V8 CPU profile there when they stop;
 * BENCH_SQL_LOG=<file> writes every statement there (time in ms, process, kind, SQL) to see what a step runs.
 * Everything started is stopped on the way out, also on failure or Ctrl-C.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const STEPS = ['create', 'save', 'submit', 'approve', 'tokenVisible'] as const;
type Step = (typeof STEPS)[number];
type Side = 'web' | 'worker';
const SIDES: readonly Side[] = ['web', 'worker'];

function positiveInteger(name: string, fallback: number, min = 1): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name}: expected an integer ≥ ${min}`);
  return value;
}

function readSettings() {
  const concurrency = (process.env.BENCH_CONCURRENCY || '1,8').split(',').map((part) => {
    const value = Number(part.trim());
    if (!Number.isInteger(value) || value < 1) throw new Error('BENCH_CONCURRENCY: expected e.g. 1,8');
    return value;
  });
  const organisations = positiveInteger('BENCH_ORGANISATIONS', 8);
  return {
    databaseUrl: process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
    concurrency,
    lifecyclesPerPhase: positiveInteger('BENCH_LIFECYCLES', 40),
    warmupPerApplicant: positiveInteger('BENCH_WARMUP', 1, 0),
    organisations,
    applicants: Math.max(organisations, ...concurrency),
    queueSize: positiveInteger('BENCH_QUEUE_SIZE', 100_000, 0),
    queueCalls: positiveInteger('BENCH_QUEUE_CALLS', 15),
    poolSize: positiveInteger('BENCH_POOL_SIZE', 10),
    settleMs: positiveInteger('BENCH_SETTLE_MS', 300),
    profileDir: process.env.BENCH_PROFILE ? path.resolve(process.env.BENCH_PROFILE) : undefined,
    sqlLog: process.env.BENCH_SQL_LOG ? path.resolve(process.env.BENCH_SQL_LOG) : undefined,
  };
}
type Settings = ReturnType<typeof readSettings>;

const startedAt = performance.now();
const progress = (line: string) =>
  process.stderr.write(`[bench ${((performance.now() - startedAt) / 1000).toFixed(1)}s] ${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** BENCH_SQL_LOG: a line in the statement log where a measured step starts and ends. */
let markSqlLog: ((text: string) => void) | undefined;

/** What the benchmark started, stopped in reverse order on the way out. */
const stack = new Teardown(progress);
const platformProcesses: PlatformProcess[] = [];
const helperChildren = new Set<ChildProcess>();

const stopEverything = () => stack.stopAll();

function killEverythingNow(): void {
  for (const child of platformProcesses) child.kill();
  for (const child of helperChildren) child.kill('SIGKILL');
}

// ---------------------------------------------------------------------------------------------------------
// Set-up

/** `npm run build` in a child process: the benchmark measures the compiled build that production runs. */
async function buildPlatform(): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'runtime/build.ts'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  helperChildren.add(child);
  // tsc's and webpack's reports are long: shown only when the build fails.
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-5_000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  helperChildren.delete(child);
  if (code !== 0) throw new Error(`npm run build failed (exit ${code}):\n${output}`);
  progress('compiled build ready in dist/');
}

async function waitForWeb(url: string, web: PlatformProcess, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!web.running) throw new Error(`the web process exited during start-up:\n${web.tail()}`);
    try {
      const response = await fetch(`${url}/readyz`);
      await response.arrayBuffer();
      if (response.status === 200) return;
    } catch {
      // Not listening yet.
    }
    await sleep(250);
  }
  throw new Error(`the web process was not ready within ${timeoutMs / 1000} s:\n${web.tail()}`);
}

async function waitForWorker(
  client: Client,
  taskQueue: string,
  worker: PlatformProcess,
  timeoutMs = 180_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!worker.running) throw new Error(`the worker process exited during start-up:\n${worker.tail()}`);
    const answer = await client.workflowService.describeTaskQueue({
      namespace: client.options.namespace,
      taskQueue: { name: taskQueue },
    });
    if ((answer.pollers?.length ?? 0) > 0) return;
    await sleep(250);
  }
  throw new Error(`the worker did not poll ${taskQueue} within ${timeoutMs / 1000} s:\n${worker.tail()}`);
}

// ---------------------------------------------------------------------------------------------------------
// Statements

type Proxies = Record<Side, CountingPgProxy>;
type Snapshot = Record<Side, StatementCounts>;

const snapshot = (proxies: Proxies): Snapshot => ({
  web: proxies.web.snapshot(),
  worker: proxies.worker.snapshot(),
});
const delta = (after: Snapshot, before: Snapshot): Snapshot => ({
  web: subtractCounts(after.web, before.web),
  worker: subtractCounts(after.worker, before.worker),
});

/** Waits until neither process has sent PostgreSQL anything for `quietMs`; false if that took too long. */
async function settle(proxies: Proxies, quietMs: number, timeoutMs = 10_000): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const now = performance.now();
    const last = Math.max(proxies.web.lastActivity, proxies.worker.lastActivity);
    if (now - last >= quietMs) return true;
    if (now > deadline) return false;
    await sleep(Math.min(50, quietMs - (now - last) + 1));
  }
}

const nonZeroKinds = (counts: StatementCounts, divisor: number) =>
  Object.fromEntries(
    STATEMENT_KINDS.filter((kind) => counts.byKind[kind] > 0).map((kind) => [
      kind,
      round(counts.byKind[kind] / divisor, 2),
    ]),
  );

function sumCounts(items: StatementCounts[]): StatementCounts {
  const total = emptyCounts();
  for (const item of items) {
    total.statements += item.statements;
    total.transactionControl += item.transactionControl;
    total.messages += item.messages;
    total.connections += item.connections;
    for (const kind of STATEMENT_KINDS) total.byKind[kind] += item.byKind[kind];
  }
  return total;
}

// ---------------------------------------------------------------------------------------------------------
// One lifecycle

interface Actor {
  applicant: Applicant;
  client: ApiClient;
  instructor: ApiClient;
}

/** A complete API Entreprise form (every block, the legal basis as a URL: no upload needed). */
function completeForm(number: number, applicant: Applicant) {
  const contact = (givenName: string, jobTitle: string) => ({
    givenName,
    familyName: 'Moreau',
    email: `${givenName
      .normalize('NFD')
      .replace(/[^A-Za-z]/g, '')
      .toLowerCase()}.moreau@exemple-collectivite.fr`,
    phone: '01 23 45 67 89',
    jobTitle,
  });
  return {
    project: {
      title: `Banc d’essai n° ${number} : pré-remplissage des démarches`,
      description: `Pré-remplir les démarches des usagers de ${applicant.organisation} à partir du SIRET.`,
      useCase: 'aide-usager',
      serviceUrl: 'https://www.exemple-collectivite.fr/demarches',
    },
    scopes: ['unites_legales_etablissements', 'associations'],
    legalBasis: {
      nature: 'Délibération du conseil n° 2026-17',
      url: 'https://www.exemple-collectivite.fr/deliberations/2026-17',
    },
    personalData: { recipients: 'Agents instructeurs des démarches', retentionMonths: 24 },
    contacts: {
      dataController: contact('Hélène', 'Directrice générale des services'),
      dpo: contact('Marc', 'Délégué à la protection des données'),
      business: contact('Inès', 'Responsable des démarches'),
      technical: contact('Paul', 'Responsable informatique'),
    },
    terms: { cguAccepted: true, dpoInformed: true },
  };
}

/** Runs one step: times it, and (in the concurrency-1 phase) counts its statements. */
type StepRunner = <T>(step: Step, work: () => Promise<T>) => Promise<T>;

let lifecycleNumber = 0;

async function lifecycle(actor: Actor, run: StepRunner): Promise<{ requestId: string }> {
  const number = (lifecycleNumber += 1);
  const { client, instructor, applicant } = actor;
  const created = await run('create', () =>
    client.expect<{ id: string }>('create', 201, 'POST', '/api/v1/requests', {
      definition: 'api-entreprise',
      siret: applicant.siret,
    }),
  );
  const id = created.id;
  await run('save', () =>
    client.expect('save', 200, 'PATCH', `/api/v1/requests/${id}`, completeForm(number, applicant)),
  );
  const submitted = await run('submit', () =>
    client.expect<{ state: string }>('submit', 200, 'POST', `/api/v1/requests/${id}/submit`),
  );
  if (submitted.state !== 'submitted') throw new Error(`submit: the request is ${submitted.state}`);
  const approved = await run('approve', () =>
    instructor.expect<{ state: string; habilitationId?: string }>(
      'approve',
      200,
      'POST',
      `/api/v1/requests/${id}/approve`,
    ),
  );
  if (approved.state !== 'validated') throw new Error(`approve: the request is ${approved.state}`);
  await run('tokenVisible', () => waitForToken(client, id, approved.habilitationId));
  return { requestId: id };
}

/** Polls the applicant's view of the habilitation until its token is listed. */
async function waitForToken(client: ApiClient, requestId: string, habilitationId: string | undefined) {
  const deadline = performance.now() + 30_000;
  for (;;) {
    if (habilitationId !== undefined) {
      const habilitation = await client.expect<{ tokens: unknown[] }>(
        'token list',
        200,
        'GET',
        `/api/v1/habilitations/${habilitationId}`,
      );
      if (habilitation.tokens.length > 0) return;
    } else {
      const all = await client.expect<{ requestId: string; tokens: unknown[] }[]>(
        'token list',
        200,
        'GET',
        '/api/v1/habilitations',
      );
      if (all.some((habilitation) => habilitation.requestId === requestId && habilitation.tokens.length > 0))
        return;
    }
    if (performance.now() > deadline) throw new Error(`no token for request ${requestId} after 30 s`);
    await sleep(20);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Phases

interface StepStatements {
  total: number;
  inRequest: number;
  afterwards: number;
  transactionControl: number;
  newConnections: number;
  byKind: Record<string, number>;
}

interface PhaseReport {
  concurrency: number;
  lifecycles: number;
  wallSeconds: number;
  /** Concurrency 1: time spent waiting for quiet between steps, left out of lifecyclesPerSecond. */
  settleSeconds: number;
  lifecyclesPerSecond: number;
  stepsMs: Record<Step, Distribution>;
  lifecycleMs: Distribution;
  statementsPerLifecycle: Record<
    Side,
    { statements: number; transactionControl: number; newConnections: number; byKind: Record<string, number> }
  >;
  statementsPerStep?: Record<Step, Record<Side, StepStatements>>;
  settleTimeouts?: number;
  temporalPerLifecycle: PhaseWorkflowCosts;
}

async function runPhase(
  concurrency: number,
  context: { settings: Settings; actors: Actor[]; proxies: Proxies; temporal: Client; taskQueue: string },
): Promise<PhaseReport> {
  const { settings, proxies } = context;
  const actors = context.actors.slice(0, concurrency);
  const timeOnly: StepRunner = (_step, work) => work();

  if (settings.warmupPerApplicant > 0) {
    progress(
      `concurrency ${concurrency}: warm-up, ${settings.warmupPerApplicant} lifecycle(s) per applicant`,
    );
    await Promise.all(
      actors.map(async (actor) => {
        for (let i = 0; i < settings.warmupPerApplicant; i += 1) await lifecycle(actor, timeOnly);
      }),
    );
  }
  await settle(proxies, settings.settleMs, 30_000);

  const perStep = concurrency === 1;
  const times: Record<Step, number[]> = {
    create: [],
    save: [],
    submit: [],
    approve: [],
    tokenVisible: [],
  };
  const lifecycleTimes: number[] = [];
  const stepCounts = Object.fromEntries(
    STEPS.map((step) => [step, { inRequest: [] as Snapshot[], afterwards: [] as Snapshot[] }]),
  ) as Record<Step, { inRequest: Snapshot[]; afterwards: Snapshot[] }>;
  let settleMs = 0;
  let settleTimeouts = 0;

  const measured: StepRunner = async (step, work) => {
    const before = perStep ? snapshot(proxies) : undefined;
    markSqlLog?.(`${step} sent (concurrency ${concurrency})`);
    const start = performance.now();
    const result = await work();
    times[step].push(performance.now() - start);
    markSqlLog?.(`${step} answered`);
    if (before !== undefined) {
      const answered = snapshot(proxies);
      stepCounts[step].inRequest.push(delta(answered, before));
      // Approval and token are back to back: the token is polled from the approval's answer on.
      if (step !== 'approve') {
        const settleStart = performance.now();
        if (!(await settle(proxies, settings.settleMs))) settleTimeouts += 1;
        settleMs += performance.now() - settleStart;
      }
      stepCounts[step].afterwards.push(delta(snapshot(proxies), answered));
    }
    return result;
  };

  progress(`concurrency ${concurrency}: ${settings.lifecyclesPerPhase} lifecycles`);
  const phaseStart = new Date();
  const before = snapshot(proxies);
  const start = performance.now();
  let remaining = settings.lifecyclesPerPhase;
  const requestIds: string[] = [];
  await Promise.all(
    actors.map(async (actor) => {
      while (remaining > 0) {
        remaining -= 1;
        const lifecycleStart = performance.now();
        const settleBefore = settleMs;
        const { requestId } = await lifecycle(actor, measured);
        lifecycleTimes.push(performance.now() - lifecycleStart - (settleMs - settleBefore));
        requestIds.push(requestId);
        if (requestIds.length % 10 === 0)
          progress(`concurrency ${concurrency}: ${requestIds.length}/${settings.lifecyclesPerPhase}`);
      }
    }),
  );
  const wallMs = performance.now() - start;
  await settle(proxies, settings.settleMs, 30_000);
  const phaseCounts = delta(snapshot(proxies), before);
  // The visibility store is written just after the workflows start; give it a moment.
  await sleep(1_000);
  const phaseEnd = new Date();
  progress(
    `concurrency ${concurrency}: reading ${requestIds.length} request workflow histories and the others`,
  );
  const temporalPerLifecycle = await phaseWorkflowCosts(
    context.temporal,
    context.taskQueue,
    requestIds.map((id) => `request-${id}`),
    phaseStart,
    phaseEnd,
  );

  const n = requestIds.length;
  const busyMs = wallMs - settleMs;
  const report: PhaseReport = {
    concurrency,
    lifecycles: n,
    wallSeconds: round(wallMs / 1000, 2),
    settleSeconds: round(settleMs / 1000, 2),
    lifecyclesPerSecond: round(n / (busyMs / 1000), 2),
    stepsMs: Object.fromEntries(STEPS.map((step) => [step, distribution(times[step])])) as Record<
      Step,
      Distribution
    >,
    lifecycleMs: distribution(lifecycleTimes),
    statementsPerLifecycle: Object.fromEntries(
      SIDES.map((side) => [
        side,
        {
          statements: round(phaseCounts[side].statements / n, 2),
          transactionControl: round(phaseCounts[side].transactionControl / n, 2),
          newConnections: round(phaseCounts[side].connections / n, 2),
          byKind: nonZeroKinds(phaseCounts[side], n),
        },
      ]),
    ) as PhaseReport['statementsPerLifecycle'],
    temporalPerLifecycle,
  };
  if (perStep) {
    report.settleTimeouts = settleTimeouts;
    report.statementsPerStep = Object.fromEntries(
      STEPS.map((step) => [
        step,
        Object.fromEntries(
          SIDES.map((side) => {
            const inRequest = sumCounts(stepCounts[step].inRequest.map((counts) => counts[side]));
            const afterwards = sumCounts(stepCounts[step].afterwards.map((counts) => counts[side]));
            const both = sumCounts([inRequest, afterwards]);
            return [
              side,
              {
                total: round(both.statements / n, 2),
                inRequest: round(inRequest.statements / n, 2),
                afterwards: round(afterwards.statements / n, 2),
                transactionControl: round(both.transactionControl / n, 2),
                newConnections: round(both.connections / n, 2),
                byKind: nonZeroKinds(both, n),
              },
            ];
          }),
        ),
      ]),
    ) as Record<Step, Record<Side, StepStatements>>;
  }
  return report;
}

// ---------------------------------------------------------------------------------------------------------
// The instruction queue

async function measureQueue(
  instructor: ApiClient,
  proxies: Proxies,
  calls: number,
): Promise<Record<string, Distribution & { query: string; matching: number; webStatementsPerCall: number }>> {
  const first = await instructor.expect<{ total: number; pageSize: number }>(
    'queue',
    200,
    'GET',
    '/api/v1/instruction/requests',
  );
  const deepPage = Math.max(1, Math.min(2000, Math.ceil(first.total / first.pageSize)));
  const queries: Record<string, string> = {
    firstPage: '',
    oneDefinition: '?definition=api-particulier',
    textSearch: `?q=${SEARCH_WORD}`,
    deepPage: `?page=${deepPage}`,
  };
  const results: Awaited<ReturnType<typeof measureQueue>> = {};
  for (const [name, query] of Object.entries(queries)) {
    const url = `/api/v1/instruction/requests${query}`;
    let matching = 0;
    for (let i = 0; i < 2; i += 1) await instructor.expect('queue warm-up', 200, 'GET', url);
    const times: number[] = [];
    const before = proxies.web.snapshot();
    for (let i = 0; i < calls; i += 1) {
      const start = performance.now();
      const page = await instructor.expect<{ total: number }>(`queue ${name}`, 200, 'GET', url);
      times.push(performance.now() - start);
      matching = page.total;
    }
    const statements = subtractCounts(proxies.web.snapshot(), before).statements;
    results[name] = {
      query: url,
      matching,
      webStatementsPerCall: round(statements / calls, 2),
      ...distribution(times),
    };
    progress(`queue ${name}: p50 ${results[name].p50} ms, p95 ${results[name].p95} ms`);
  }
  return results;
}

// ---------------------------------------------------------------------------------------------------------

async function main() {
  const settings = readSettings();
  // Other work on the machine skews every figure: the load averages before and after say whether there was any.
  const loadBefore = os.loadavg().map((value) => round(value, 2));
  const setupMs: Record<string, number> = {};
  const timed = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const start = performance.now();
    const result = await work();
    setupMs[name] = Math.round(performance.now() - start);
    return result;
  };

  const databaseUrl = await timed('database', () =>
    createFreshDatabase(settings.databaseUrl, `sesame_bench_lc_${process.pid}`, stack),
  );
  const devServer = await timed('temporalDevServer', () => startEphemeralDevServer(progress));
  stack.push({ name: 'Temporal dev server', stop: () => devServer.stop() });
  progress(`Temporal dev server on ${devServer.address} (${devServer.origin})`);
  await timed('build', buildPlatform);
  const directory = await startDirectoryStandIn({ ratePerSecond: 1_000 });
  stack.push({ name: 'directory stand-in', stop: () => directory.stop() });

  const target = new URL(databaseUrl);
  const sqlLog = settings.sqlLog === undefined ? undefined : createWriteStream(settings.sqlLog);
  if (sqlLog !== undefined)
    stack.push({ name: 'SQL log', stop: () => new Promise<void>((resolve) => sqlLog.end(resolve)) });
  const relay = (side: Side) =>
    new CountingPgProxy(
      side,
      { host: target.hostname, port: Number(target.port || 5432) },
      sqlLog &&
        ((sql, kind) =>
          sqlLog.write(
            `${Math.round(performance.now())}\t${side}\t${kind}\t${(sql ?? '?').replace(/\s+/g, ' ').slice(0, 300)}\n`,
          )),
    ).start();
  const proxies: Proxies = { web: await relay('web'), worker: await relay('worker') };
  if (sqlLog !== undefined)
    markSqlLog = (text) => sqlLog.write(`${Math.round(performance.now())}\tbench\tmark\t${text}\n`);
  for (const proxy of Object.values(proxies))
    stack.push({ name: `${proxy.name} database relay`, stop: () => proxy.close() });

  const connection = await Connection.connect({ address: devServer.address });
  stack.push({ name: 'Temporal client', stop: () => connection.close() });
  const temporal = new Client({ connection, namespace: 'default' });

  const port = await freePort();
  const webUrl = `http://127.0.0.1:${port}`;
  const taskQueue = `bench-lc-${process.pid}`;
  const demoPassword = `bench-${randomBytes(12).toString('base64url')}`;
  const common: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? os.homedir(),
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL || 'warn',
    APP_SECRET: randomBytes(32).toString('base64url'),
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_URL: webUrl,
    DATABASE_POOL_SIZE: String(settings.poolSize),
    TEMPORAL_ADDRESS: devServer.address,
    TEMPORAL_TASK_QUEUE: taskQueue,
    DIRECTORY_URL: directory.url,
    DEMO_PASSWORD: demoPassword,
  };
  if (settings.profileDir !== undefined) mkdirSync(settings.profileDir, { recursive: true });
  const nodeArgs = (entry: string) => [
    ...(settings.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${settings.profileDir}`] : []),
    '--enable-source-maps',
    entry,
  ];
  const start = async (name: Side, entry: string) => {
    const child = await startPlatformProcess({
      name,
      args: nodeArgs(entry),
      cwd: ROOT,
      env: { ...common, DATABASE_URL: proxies[name].urlFor(databaseUrl) },
    });
    platformProcesses.push(child);
    stack.push({ name: `${name} process`, stop: () => child.stop() });
    return child;
  };

  progress('starting the web and worker processes');
  const processesStart = performance.now();
  const web = await start('web', 'dist/runtime/web-main.js');
  const worker = await start('worker', 'dist/runtime/worker-main.js');
  await waitForWeb(webUrl, web);
  setupMs.webReady = Math.round(performance.now() - processesStart);
  await waitForWorker(temporal, taskQueue, worker);
  setupMs.workerReady = Math.round(performance.now() - processesStart);
  progress(`web ready on ${webUrl}, worker polling ${taskQueue}`);

  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  stack.push({ name: 'seeding connection', stop: () => db.end() });
  const seeded = await timed('seedPeople', () =>
    seedPeople(db, {
      directoryUrl: directory.url,
      organisations: settings.organisations,
      applicants: settings.applicants,
      password: demoPassword,
    }),
  );

  const signedIn = async (email: string) => {
    const client = new ApiClient(webUrl);
    await client.signIn(email, demoPassword);
    return client;
  };
  const maxConcurrency = Math.max(...settings.concurrency);
  const actors: Actor[] = [];
  for (const applicant of seeded.applicants.slice(0, maxConcurrency)) {
    actors.push({
      applicant,
      client: await signedIn(applicant.email),
      // Each applicant's loop has its own instructor session, as several instructors at work would.
      instructor: await signedIn('instructeur@sesame.test'),
    });
  }

  const phases: PhaseReport[] = [];
  for (const concurrency of settings.concurrency) {
    const phase = await runPhase(concurrency, { settings, actors, proxies, temporal, taskQueue });
    progress(
      `concurrency ${concurrency}: ${phase.lifecyclesPerSecond} lifecycles/s, ` +
        STEPS.map((step) => `${step} p50 ${phase.stepsMs[step].p50} ms`).join(', '),
    );
    phases.push(phase);
  }

  progress(`inserting ${settings.queueSize} submitted requests`);
  await timed('queueInsertAndAnalyze', () => insertQueue(db, settings.queueSize));
  const queue = await measureQueue(await signedIn('instructeur@sesame.test'), proxies, settings.queueCalls);

  const memory = {
    web: { pid: web.pid, ...residentMemory(web.pid) },
    worker: { pid: worker.pid, ...residentMemory(worker.pid) },
  };

  return {
    machine: {
      cpus: os.availableParallelism(),
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      memoryGb: round(os.totalmem() / 1024 ** 3, 1),
      node: process.version,
      platform: `${os.platform()} ${os.release()}`,
      loadAverageAtStart: loadBefore,
      loadAverageAtEnd: os.loadavg().map((value) => round(value, 2)),
    },
    settings: {
      database: `PostgreSQL at ${target.host}, database ${target.pathname.slice(1)}`,
      temporal: `dev server (${devServer.origin}), in memory, task queue ${taskQueue}`,
      concurrency: settings.concurrency,
      lifecyclesPerPhase: settings.lifecyclesPerPhase,
      warmupLifecyclesPerApplicant: settings.warmupPerApplicant,
      organisationsWithApplicants: settings.organisations,
      organisationsSeeded: seeded.organisations,
      applicants: settings.applicants,
      definition: 'api-entreprise',
      queueSize: settings.queueSize,
      queueCallsPerQuery: settings.queueCalls,
      databasePoolSizePerProcess: settings.poolSize,
      settleMs: settings.settleMs,
      profileDir: settings.profileDir ?? null,
      sqlLog: settings.sqlLog ?? null,
    },
    setupMs,
    phases,
    instructionQueue: queue,
    memoryMb: memory,
  };
}

const cleanup = installExitHooks(stopEverything, killEverythingNow);
try {
  const report = await main();
  console.log(JSON.stringify(report, null, 2));
} catch (error) {
  progress(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
} finally {
  progress('stopping everything');
  await cleanup();
  progress('done');
}
