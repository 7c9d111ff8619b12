import { spawnSync } from 'node:child_process';
import type { EventEmitter } from 'node:events';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { finished } from 'node:stream/promises';
import path from 'node:path';
import { run } from 'node:test';
import { spec } from 'node:test/reporters';
import { bundleWorkflowCode } from '@temporalio/worker';
import { formatDuration, parseDuration } from '../domain/duration.ts';
import { startEphemeralDevServer, type DevServer } from '../runtime/temporal-dev-server.ts';
import { WORKFLOWS_PATH } from '../runtime/worker.ts';

/**
 * `npm test`: starts one Temporal dev server and builds the workflow bundle once for the whole run, then runs
 * every test file with node's test runner (each file in its own process, with its own database and task
 * queue). Arguments narrow the run to some files: `npm run test:only -- test/health.test.ts`.
 *
 * A test that runs longer than TEST_TIMEOUT (default 3m) fails, so a hung test cannot hang CI. The last line
 * counts passed, failed, cancelled (timed out) and skipped tests. Every `*.test.ts` file of the tree runs: a file
 * the run would leave out, or one that reports no test, fails the run.
 */
const ROOT = path.resolve(import.meta.dirname, '..');
/** Only these are not the project's own: anything else named `data` or `dist` inside it may hold tests. */
const NOT_OURS = new Set(['node_modules', '.git']);

function findTestFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return NOT_OURS.has(entry.name) ? [] : findTestFiles(full);
    return entry.isFile() && entry.name.endsWith('.test.ts') ? [path.relative(ROOT, full)] : [];
  });
}

/**
 * The test files git sees (committed, or new and not ignored): a second opinion on the walk above, so that a
 * file it would skip makes the run fail instead of silently not running. Undefined outside a git checkout.
 */
function testFilesKnownToGit(): string[] | undefined {
  const listed = spawnSync(
    'git',
    ['ls-files', '--cached', '--others', '--exclude-standard', '-z', '--', '*.test.ts'],
    { cwd: ROOT, encoding: 'utf8' },
  );
  if (listed.status !== 0) return undefined;
  return listed.stdout.split('\0').filter((file) => file !== '');
}

function testTimeoutMs(): number {
  const raw = process.env.TEST_TIMEOUT ?? '3m';
  const ms = parseDuration(raw);
  if (ms === undefined) {
    console.error(`TEST_TIMEOUT: expected a duration such as 3m or 90s (got "${raw}")`);
    process.exit(2);
  }
  return ms;
}

interface Counts {
  tests: number;
  passed: number;
  failed: number;
  cancelled: number;
  skipped: number;
  todo: number;
}
interface Summary {
  success: boolean;
  counts: Counts;
  duration_ms: number;
  file: string | undefined;
}

/** Runs the files with node's test runner, the spec reporter on standard output; answers their summaries. */
async function runFiles(
  files: string[],
  options: { concurrency: number; timeout: number; signal: AbortSignal },
): Promise<{ total: Summary | undefined; perFile: Map<string, Summary> }> {
  const perFile = new Map<string, Summary>();
  let total: Summary | undefined;
  const stream = run({
    files: files.map((file) => path.resolve(ROOT, file)),
    ...options,
    // A test that timed out may leave timers or sockets behind: its file's process ends with its last test
    // instead of waiting for them.
    forceExit: true,
  });
  (stream as unknown as EventEmitter).on('test:summary', (summary: Summary) => {
    if (summary.file === undefined) total = summary;
    else perFile.set(path.relative(ROOT, summary.file), summary);
  });
  const reporter = stream.compose(new spec());
  reporter.pipe(process.stdout);
  await finished(reporter);
  return { total, perFile };
}

const requested = process.argv.slice(2);
const problems: string[] = [];
let files = requested;
if (requested.length === 0) {
  files = findTestFiles(ROOT).sort();
  for (const file of testFilesKnownToGit() ?? [])
    if (!files.includes(file))
      problems.push(`${file}: a test file the runner did not find, so would not run`);
}
const timeout = testTimeoutMs();
if (Number(process.versions.node.split('.')[0]) < 24)
  console.warn(
    `Node ${process.version}: TEST_TIMEOUT bounds each test file as a whole (each test from Node 24)`,
  );
const started = Date.now();
let total: Summary | undefined;
let perFile = new Map<string, Summary>();

if (problems.length === 0) {
  const work = mkdtempSync(path.join(os.tmpdir(), 'sesame-test-'));
  let devServer: DevServer | undefined;
  try {
    let address = process.env.TEMPORAL_ADDRESS;
    if (address === undefined) {
      devServer = await startEphemeralDevServer();
      address = devServer.address;
    }
    const bundlePath = path.join(work, 'workflow-bundle.js');
    const { code } = await bundleWorkflowCode({
      workflowsPath: WORKFLOWS_PATH,
      logger: { info() {}, warn() {}, error: console.error, debug() {}, trace() {}, log() {} },
    });
    writeFileSync(bundlePath, code);
    console.log(
      `Temporal at ${address}; ${files.length} test files; database: ${process.env.DATABASE_URL ? 'DATABASE_URL server' : 'embedded PGlite'}; each test stopped after ${formatDuration(timeout)}`,
    );

    // The test files' processes inherit this environment (and this process's --import tsx).
    Object.assign(process.env, {
      NODE_ENV: 'test',
      SESAME_TEST_TEMPORAL_ADDRESS: address,
      SESAME_TEST_WORKFLOW_BUNDLE: bundlePath,
    });
    const interrupted = new AbortController();
    // Interrupted (Ctrl-C, CI timeout): stop the test files, then fall through to stopping the server.
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => interrupted.abort());
    ({ total, perFile } = await runFiles(files, {
      concurrency: Number(process.env.TEST_CONCURRENCY ?? Math.max(2, os.availableParallelism())),
      // Since Node 24, each test of each file (Node 20 and 22 gave it to each file as a whole).
      timeout,
      signal: interrupted.signal,
    }));
  } finally {
    await devServer?.stop();
    rmSync(work, { recursive: true, force: true });
  }
  for (const file of files) {
    const summary = perFile.get(path.relative(ROOT, path.resolve(ROOT, file)));
    if (!summary) problems.push(`${file}: reported nothing (did it run?)`);
    else if (summary.counts.tests === 0) problems.push(`${file}: ran no test`);
  }
}

const slowest = [...perFile.entries()].sort(([, a], [, b]) => b.duration_ms - a.duration_ms).slice(0, 10);
if (slowest.length > 0) {
  console.log(perFile.size > slowest.length ? '\nSlowest test files:' : '\nTest files:');
  for (const [file, summary] of slowest)
    console.log(`  ${(summary.duration_ms / 1000).toFixed(1).padStart(6)} s  ${file}`);
}
for (const problem of problems) console.error(`✖ ${problem}`);
const counts = total?.counts;
const passed = problems.length === 0 && total?.success === true;
console.log(
  `Tests ${passed ? 'passed' : 'FAILED'} in ${Math.round((Date.now() - started) / 1000)} s: ` +
    (counts
      ? `${counts.passed} passed, ${counts.failed} failed, ${counts.cancelled} cancelled, ${counts.skipped} skipped` +
        (counts.todo > 0 ? `, ${counts.todo} todo` : '')
      : 'no test ran'),
);
process.exit(passed ? 0 : 1);
