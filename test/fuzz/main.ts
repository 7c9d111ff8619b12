import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { startEphemeralDevServer, type DevServer } from '../../runtime/temporal-dev-server.ts';
import { WORKFLOWS_PATH } from '../../runtime/worker.ts';
import { startTestPlatform } from '../helpers/platform.ts';
import { describeFailure, runCampaign } from './campaign.ts';
import { fuzzSettings } from './settings.ts';

/**
 * `npm run fuzz`: the fuzz campaign of test/fuzz.test.ts with ten times the requests (FUZZ_RUNS, FUZZ_SEED,
 * FUZZ_PATH, FUZZ_ONLY: see settings.ts), on a platform of its own — a throw-away Temporal dev server (or
 * SESAME_TEST_TEMPORAL_ADDRESS), the database server of DATABASE_URL or embedded PGlite. Progress and failures
 * go to standard error; the report is printed last, as JSON, on standard output. Exit code 1 on any failure.
 */
const settings = fuzzSettings('long');
const progress = (line: string) => process.stderr.write(`${line}\n`);
progress(`fuzz seed ${settings.seed}, ${settings.runs} requests per target`);

const work = mkdtempSync(path.join(os.tmpdir(), 'sesame-fuzz-'));
let devServer: DevServer | undefined;
let exitCode: number | undefined;
try {
  if (!process.env.SESAME_TEST_TEMPORAL_ADDRESS) {
    devServer = await startEphemeralDevServer(progress);
    process.env.SESAME_TEST_TEMPORAL_ADDRESS = devServer.address;
  }
  if (!process.env.SESAME_TEST_WORKFLOW_BUNDLE) {
    const bundle = path.join(work, 'workflow-bundle.js');
    const { code } = await bundleWorkflowCode({
      workflowsPath: WORKFLOWS_PATH,
      logger: { info() {}, warn() {}, error: console.error, debug() {}, trace() {}, log() {} },
    });
    writeFileSync(bundle, code);
    process.env.SESAME_TEST_WORKFLOW_BUNDLE = bundle;
  }
  const platform = await startTestPlatform();
  try {
    const report = await runCampaign(platform, { ...settings, progress });
    for (const failure of report.failures) progress(`\n${describeFailure(failure)}`);
    for (const line of report.errorsLogged.slice(0, 3)) progress(`\n✖ logged as an error: ${line}`);
    if (report.errorLines > 3)
      progress(`… ${report.errorLines - 3} more error lines (errorsLogged in the report)`);
    for (const sighting of report.secretsFound)
      progress(`\n✖ ${sighting.secret} in ${sighting.where}: ${sighting.excerpt}`);
    const { failures, ...rest } = report;
    console.log(
      JSON.stringify(
        { ...rest, failures: failures.map(({ target, problem, replay }) => ({ target, problem, replay })) },
        null,
        2,
      ),
    );
    exitCode = failures.length === 0 && report.secretsFound.length === 0 && report.errorLines === 0 ? 0 : 1;
  } finally {
    await platform.stop();
  }
} finally {
  await devServer?.stop();
  rmSync(work, { recursive: true, force: true });
}
// Undefined when the run itself failed (the error is printed above).
process.exit(exitCode ?? 1);
