import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { WORKFLOWS_PATH } from './worker';

/**
 * `npm run build:workflows [file]`: prebuilds the workflow bundle, so worker replicas start without running
 * webpack (point WORKFLOW_BUNDLE_PATH at the file).
 */
const output = path.resolve(process.argv[2] ?? 'dist/workflow-bundle.js');
const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH });
mkdirSync(path.dirname(output), { recursive: true });
writeFileSync(output, code);
console.log(`Workflow bundle written to ${output}`);
