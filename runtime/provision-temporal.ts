import { startEphemeralDevServer } from './temporal-dev-server.ts';

/**
 * `npm run temporal:provision`: makes sure this machine can run a Temporal dev server — an installed CLI, the
 * SDK's download, or a build with Go — by starting one through that chain and stopping it. CI runs it first
 * so that the (long, one-time) build shows up as its own step.
 */
const started = Date.now();
const server = await startEphemeralDevServer();
console.log(
  `Temporal dev server available (${server.origin}), checked in ${Math.round((Date.now() - started) / 1000)} s`,
);
await server.stop();
