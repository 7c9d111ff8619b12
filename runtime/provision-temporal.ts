import os from 'node:os';
import path from 'node:path';
import { startTemporalDevServer } from './temporal-dev-server';

/**
 * `npm run temporal:provision`: makes sure this machine can run a Temporal dev server — an installed CLI, the
 * SDK's download, or a build with Go — by starting one through that chain and stopping it. CI runs it first
 * so that the (long, one-time) build shows up as its own step.
 */
const started = Date.now();
const server = await startTemporalDevServer({
  cliPath: process.env.TEMPORAL_CLI_PATH || undefined,
  namespace: 'default',
  dbFile: undefined,
  uiPort: undefined,
  downloadDir: path.join(os.homedir(), '.cache', 'sesame', 'temporal-cli'),
  progress: (line) => console.log(line),
});
console.log(
  `Temporal dev server available (${server.origin}), checked in ${Math.round((Date.now() - started) / 1000)} s`,
);
await server.stop();
