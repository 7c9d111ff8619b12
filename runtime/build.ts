import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { PREBUILT_WORKFLOW_BUNDLE, WORKFLOWS_PATH } from './worker.ts';

/**
 * `npm run build`: what production runs, in `dist/` — the TypeScript compiled by tsc (relative `.ts` imports
 * rewritten to `.js`), the files the code reads beside itself, and the workflow bundle, so that no process
 * runs tsx or webpack when it starts.
 */
const ROOT = path.resolve(import.meta.dirname, '..');
const DIST = path.join(ROOT, 'dist');

// Read at run time through paths relative to the module that reads them, so they sit at the same place in
// dist/ as in the source tree.
const ASSETS = [
  'definitions',
  'migrations',
  'mail/templates',
  'web/views',
  'web/public',
  'directory/organisations.json',
];

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;

rmSync(DIST, { recursive: true, force: true });

const tsc = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.build.json'], {
  cwd: ROOT,
  stdio: 'inherit',
});
if (tsc.status !== 0) {
  console.error('npm run build: the TypeScript compiler failed (see above)');
  process.exit(1);
}
console.log(`compiled to dist/ (${elapsed()})`);

for (const asset of ASSETS) {
  cpSync(path.join(ROOT, asset), path.join(DIST, asset), { recursive: true });
}
console.log(`copied ${ASSETS.join(', ')} (${elapsed()})`);

// Bundled from the sources (webpack compiles them itself); the compiled worker finds the result beside it.
const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH });
const bundleFile = path.join(DIST, path.relative(ROOT, PREBUILT_WORKFLOW_BUNDLE));
mkdirSync(path.dirname(bundleFile), { recursive: true });
writeFileSync(bundleFile, code);
console.log(`workflow bundle written to ${path.relative(ROOT, bundleFile)} (${elapsed()})`);
