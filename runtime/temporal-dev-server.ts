import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { findTemporalCli, findUsableGo, installTemporalCliWithGo } from './temporal-cli.ts';

export interface DevServer {
  address: string;
  uiUrl: string | undefined;
  /** Where the server came from, for the start-up banner. */
  origin: 'cli' | 'sdk-download' | 'go-install';
  stop(): Promise<void>;
}

export interface DevServerOptions {
  cliPath: string | undefined;
  namespace: string;
  /** SQLite file keeping workflows across restarts; in memory when undefined (tests). */
  dbFile: string | undefined;
  /** Port of the web UI, or undefined for none. */
  uiPort: number | undefined;
  /** Where the SDK caches the CLI it downloads. */
  downloadDir: string;
  /** Dynamic configuration values (`--dynamic-config-value`): tests lower the server's limits to reach them. */
  dynamicConfig?: Record<string, string | number>;
  progress: (line: string) => void;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Resolves once the server answers for the namespace; rejects if `exited` settles first or time runs out. */
async function waitUntilServing(
  address: string,
  namespace: string,
  exited: Promise<string>,
  timeoutMs: number,
) {
  const deadline = Date.now() + timeoutMs;
  let failure: string | undefined;
  void exited.then((reason) => (failure = reason));
  while (Date.now() < deadline) {
    if (failure !== undefined) throw new Error(`Temporal dev server stopped during start-up: ${failure}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await connection.withDeadline(Date.now() + 2_000, () =>
          connection.workflowService.describeNamespace({ namespace }),
        );
        return;
      } finally {
        await connection.close();
      }
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  throw new Error(`Temporal dev server did not answer on ${address} within ${timeoutMs / 1000} s`);
}

/**
 * Starts the server under a small shell that stops it as soon as its standard input closes, which happens
 * when this process ends, however it ends (even SIGKILL): no dev server outlives the platform that started
 * it. It runs in its own process group, so a Ctrl-C in the terminal reaches Sésame only, which stops the
 * worker first and the server last.
 */
const SUPERVISOR =
  'trap "" INT; "$0" "$@" & server=$!; read -r _; kill -TERM "$server" 2>/dev/null; wait "$server"';

function spawnTiedToThisProcess(cli: string, args: string[]): ChildProcess {
  return spawn('/bin/sh', ['-c', SUPERVISOR, cli, ...args], {
    stdio: ['pipe', 'ignore', 'pipe'],
    detached: true,
  });
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

/**
 * The command line of a dev server on 127.0.0.1:`port` (`npm start`, the tests, the chaos run): headless unless a
 * UI port is given, in memory unless a database file is.
 */
export function devServerArgs(options: {
  port: number;
  namespace: string;
  dbFile?: string;
  uiPort?: number;
  dynamicConfig?: Record<string, string | number>;
}): string[] {
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(options.port)];
  args.push('--namespace', options.namespace, '--log-level', 'error', '--log-format', 'json');
  for (const [key, value] of Object.entries(options.dynamicConfig ?? {}))
    args.push('--dynamic-config-value', `${key}=${value}`);
  if (options.uiPort === undefined) args.push('--headless');
  else args.push('--ui-port', String(options.uiPort));
  if (options.dbFile !== undefined) {
    args.push('--db-filename', options.dbFile);
    // Write-ahead logging, synced at checkpoints: each workflow task is a SQLite commit, and a full fsync per
    // commit made the file-backed server the slowest step of a command. A crash of the machine may lose the
    // last moments of the dev server's state, which is what a development server is for.
    args.push('--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal');
  }
  return args;
}

async function spawnDevServer(
  cli: string,
  options: DevServerOptions,
  origin: DevServer['origin'],
): Promise<DevServer> {
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const uiPort =
    options.uiPort === undefined
      ? undefined
      : (await isPortFree(options.uiPort))
        ? options.uiPort
        : await freePort();
  const uiUrl = uiPort === undefined ? undefined : `http://127.0.0.1:${uiPort}`;
  if (options.dbFile !== undefined) mkdirSync(path.dirname(options.dbFile), { recursive: true });
  const args = devServerArgs({
    port,
    namespace: options.namespace,
    dbFile: options.dbFile,
    uiPort,
    dynamicConfig: options.dynamicConfig,
  });

  const child = spawnTiedToThisProcess(cli, args);
  let stderrTail = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => (stderrTail = (stderrTail + chunk).slice(-2_000)));
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => resolve(`exit ${code ?? signal}; ${stderrTail.trim()}`));
    child.once('error', (error) => resolve(error.message));
  });

  try {
    await waitUntilServing(address, options.namespace, exited, 60_000);
  } catch (error) {
    killGroup(child, 'SIGKILL');
    throw error;
  }

  return {
    address,
    uiUrl,
    origin,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.stdin?.end();
      const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The SDK's own download of the CLI; fails fast when the machine cannot reach temporal.download. */
async function startWithSdkDownload(options: DevServerOptions): Promise<DevServer> {
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'cached-download', downloadDir: options.downloadDir },
      namespace: options.namespace,
      ip: '127.0.0.1',
      dbFilename: options.dbFile,
      ui: options.uiPort !== undefined,
      uiPort: options.uiPort,
    },
  });
  return {
    address: env.address,
    uiUrl: options.uiPort === undefined ? undefined : `http://127.0.0.1:${options.uiPort}`,
    origin: 'sdk-download',
    stop: () => env.teardown(),
  };
}

/**
 * Starts a local Temporal dev server by the first means that works: an installed CLI, the SDK's download,
 * or building the CLI with Go. Each failure is reported before the next means is tried.
 */
export async function startTemporalDevServer(options: DevServerOptions): Promise<DevServer> {
  const installed = findTemporalCli(options.cliPath);
  if (installed) return spawnDevServer(installed, options, 'cli');

  options.progress('No temporal CLI found (TEMPORAL_CLI_PATH, PATH, ~/go/bin): trying the SDK download');
  try {
    return await startWithSdkDownload(options);
  } catch (error) {
    options.progress(
      `The SDK could not download the Temporal CLI: ${(error as Error).message.split('\n')[0]}`,
    );
  }

  const go = await findUsableGo();
  if (!go) {
    throw new Error(
      'No Temporal server available: set TEMPORAL_ADDRESS, install the temporal CLI (TEMPORAL_CLI_PATH or PATH), ' +
        'allow the SDK to download it, or install Go ≥ 1.25 so that Sésame can build it.',
    );
  }
  const built = await installTemporalCliWithGo(go.go, options.progress);
  return spawnDevServer(built, options, 'go-install');
}

/**
 * A throw-away dev server for tools and test runs: in memory, no UI, the SDK's download cached under the
 * user's cache folder.
 */
export function startEphemeralDevServer(
  progress: (line: string) => void = console.log,
  dynamicConfig?: DevServerOptions['dynamicConfig'],
): Promise<DevServer> {
  return startTemporalDevServer({
    cliPath: process.env.TEMPORAL_CLI_PATH || undefined,
    namespace: 'default',
    dbFile: undefined,
    uiPort: undefined,
    downloadDir: path.join(os.homedir(), '.cache', 'sesame', 'temporal-cli'),
    progress,
    dynamicConfig,
  });
}
