import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { startEphemeralDevServer, type DevServer } from '../runtime/temporal-dev-server';
import { WORKFLOWS_PATH } from '../runtime/worker';

/**
 * `npm test`: starts one Temporal dev server and builds the workflow bundle once for the whole run, then runs
 * every test file with node's test runner (each file in its own process, with its own database and task
 * queue). Arguments narrow the run to some files: `npm run test:only -- test/health.test.ts`.
 */
const ROOT = path.resolve(import.meta.dirname, '..');
const SKIP = new Set(['node_modules', 'data', 'dist', '.git']);

function findTestFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (SKIP.has(entry.name)) return [];
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return findTestFiles(full);
    return entry.name.endsWith('.test.ts') ? [path.relative(ROOT, full)] : [];
  });
}

const requested = process.argv.slice(2);
const files = requested.length > 0 ? requested : findTestFiles(ROOT).sort();
const work = mkdtempSync(path.join(os.tmpdir(), 'sesame-test-'));
const started = Date.now();
let devServer: DevServer | undefined;
let exitCode: number;

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
    `Temporal at ${address}; ${files.length} test files; database: ${process.env.DATABASE_URL ? 'DATABASE_URL server' : 'embedded PGlite'}`,
  );

  const concurrency = process.env.TEST_CONCURRENCY ?? String(Math.max(2, os.availableParallelism()));
  exitCode = await new Promise<number>((resolve) => {
    // Interrupted (Ctrl-C, CI timeout): stop the test files, then fall through to stopping the server.
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => child.kill(signal));
    }
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--test', '--test-reporter=spec', `--test-concurrency=${concurrency}`, ...files],
      {
        cwd: ROOT,
        stdio: 'inherit',
        env: {
          ...process.env,
          NODE_ENV: 'test',
          SESAME_TEST_TEMPORAL_ADDRESS: address,
          SESAME_TEST_WORKFLOW_BUNDLE: bundlePath,
        },
      },
    );
    child.on('close', (code) => resolve(code ?? 1));
  });
} finally {
  await devServer?.stop();
  rmSync(work, { recursive: true, force: true });
}
console.log(
  `Tests ${exitCode === 0 ? 'passed' : 'FAILED'} in ${Math.round((Date.now() - started) / 1000)} s`,
);
process.exit(exitCode);
