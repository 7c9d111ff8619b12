import { renameSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common';
import { startPlatformProcess, type PlatformProcess } from '../bench/lifecycle-processes.ts';
import { findUsableGo, goBinDirectories, goInstall, isExecutable, run } from '../runtime/temporal-cli.ts';

/**
 * The Temporal server itself — not the CLI's dev server — with its persistence and visibility in PostgreSQL, as
 * a production cluster runs it. Built from Go modules like the CLI: v1.29.1 is the server inside CLI v1.5.1,
 * the newest release `go install` accepts, so development and this check run the same server code.
 */
export const TEMPORAL_SERVER_VERSION = '1.29.1';
const SERVER_MODULE = 'go.temporal.io/server';
const BINARIES = {
  server: { name: 'temporal-server', package: 'cmd/server' },
  sqlTool: { name: 'temporal-sql-tool', package: 'cmd/tools/sql' },
} as const;

export interface TemporalServerTools {
  server: string;
  sqlTool: string;
}

async function versionOf(binary: string): Promise<string> {
  return run(binary, ['--version']).catch(() => '');
}

/**
 * The server and its SQL tool at TEMPORAL_SERVER_VERSION, from the Go binaries folder (versioned names, so an
 * older build is never taken for this one), built with `go install` when missing. No Go, or a failed build,
 * is an error: this check is never skipped.
 */
export async function provideTemporalServer(progress: (line: string) => void): Promise<TemporalServerTools> {
  const binDir = goBinDirectories().at(-1)!;
  const paths = {
    server: path.join(binDir, `${BINARIES.server.name}-${TEMPORAL_SERVER_VERSION}`),
    sqlTool: path.join(binDir, `${BINARIES.sqlTool.name}-${TEMPORAL_SERVER_VERSION}`),
  };
  const current = async () =>
    isExecutable(paths.server) &&
    isExecutable(paths.sqlTool) &&
    (await versionOf(paths.server)).includes(TEMPORAL_SERVER_VERSION) &&
    (await versionOf(paths.sqlTool)).includes(TEMPORAL_SERVER_VERSION);
  if (await current()) return paths;
  const found = await findUsableGo();
  if (!found)
    throw new Error(
      `the Temporal server ${TEMPORAL_SERVER_VERSION} is not in ${binDir}, and building it needs Go ≥ 1.25 ` +
        '(looked on PATH and in /usr/local/go/bin)',
    );
  // Both binaries are called `server` and `sql` by Go: built aside, then given names that say what they are.
  const gobin = mkdtempSync(path.join(os.tmpdir(), 'sesame-temporal-server-'));
  try {
    await goInstall(
      found.go,
      {
        what: `the Temporal server ${TEMPORAL_SERVER_VERSION}`,
        modules: Object.values(BINARIES).map(
          (binary) => `${SERVER_MODULE}/${binary.package}@v${TEMPORAL_SERVER_VERSION}`,
        ),
        gobin,
      },
      progress,
    );
    mkdirSync(binDir, { recursive: true });
    renameSync(path.join(gobin, 'server'), paths.server);
    renameSync(path.join(gobin, 'sql'), paths.sqlTool);
  } finally {
    rmSync(gobin, { recursive: true, force: true });
  }
  if (!(await current())) throw new Error(`the Temporal server built in ${binDir} does not run`);
  return paths;
}

export interface RunningTemporalServer {
  address: string;
  namespace: string;
  /** The two PostgreSQL databases holding Temporal's state (persistence, visibility). */
  databases: string[];
  process: PlatformProcess;
  /** Stops the server and drops its databases. */
  stop(): Promise<void>;
}

async function sqlTool(tools: TemporalServerTools, target: URL, database: string, args: string[]) {
  await run(tools.sqlTool, [
    '--plugin',
    'postgres12',
    '--endpoint',
    target.hostname,
    '--port',
    target.port || '5432',
    '--user',
    decodeURIComponent(target.username) || 'postgres',
    ...(target.password ? ['--password', decodeURIComponent(target.password)] : []),
    '--database',
    database,
    ...args,
  ]);
}

/** The server's configuration: every port chosen free, so it runs beside dev servers and other checks. */
function serverConfig(options: {
  target: URL;
  databases: { default: string; visibility: string };
  ports: Record<'frontend' | 'frontendHttp' | 'history' | 'matching' | 'worker', number>;
  membershipPorts: Record<'frontend' | 'history' | 'matching' | 'worker', number>;
  dynamicConfigFile: string;
}): string {
  const { target, databases, ports, membershipPorts } = options;
  const store = (database: string, maxConns: number) => `
      sql:
        pluginName: postgres12
        databaseName: ${database}
        connectAddr: "${target.hostname}:${target.port || '5432'}"
        connectProtocol: tcp
        user: ${JSON.stringify(decodeURIComponent(target.username) || 'postgres')}
        password: ${JSON.stringify(decodeURIComponent(target.password))}
        maxConns: ${maxConns}
        maxIdleConns: ${maxConns}
        maxConnLifetime: 1h`;
  const service = (name: keyof typeof membershipPorts, extra = '') => `
  ${name}:
    rpc:
      grpcPort: ${ports[name]}
      membershipPort: ${membershipPorts[name]}
      bindOnLocalHost: true${extra}`;
  return `log:
  stdout: true
  level: warn
persistence:
  defaultStore: default
  visibilityStore: visibility
  numHistoryShards: 4
  datastores:
    default:${store(databases.default, 20)}
    visibility:${store(databases.visibility, 5)}
global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: 127.0.0.1
services:${service('frontend', `\n      httpPort: ${ports.frontendHttp}`)}${service('history')}${service('matching')}${service('worker')}
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: active
  currentClusterName: active
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: frontend
      rpcAddress: 127.0.0.1:${ports.frontend}
dcRedirectionPolicy:
  policy: noop
archival:
  history:
    state: disabled
  visibility:
    state: disabled
namespaceDefaults:
  archival:
    history:
      state: disabled
    visibility:
      state: disabled
dynamicConfigClient:
  filepath: ${options.dynamicConfigFile}
  pollInterval: 10s
`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function listens(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A free port below the kernel's ephemeral range (from 32768): Temporal stores membership ports in a smallint
 * column, and a port handed out by the kernel (`listen(0)`) would overflow it.
 */
const taken = new Set<number>();
async function freeLowPort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (!taken.has(port) && (await listens(port))) {
      taken.add(port);
      return port;
    }
  }
}

/**
 * Creates Temporal's two databases on the PostgreSQL server of `serverUrl` with temporal-sql-tool (the
 * versioned schemas, as Temporal's own admin tools do), starts the server on free ports, registers
 * `namespace`, and returns once a workflow can be started in it.
 */
export async function startTemporalServer(
  tools: TemporalServerTools,
  options: { serverUrl: string; namespace: string; suffix: string; progress: (line: string) => void },
): Promise<RunningTemporalServer> {
  const target = new URL(options.serverUrl);
  const databases = {
    default: `temporal_${options.suffix}`,
    visibility: `temporal_visibility_${options.suffix}`,
  };
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'sesame-temporal-cluster-'));
  const dropAll = async () => {
    for (const database of Object.values(databases)) {
      await sqlTool(tools, target, database, ['drop-database', '--force']).catch(() => undefined);
    }
    rmSync(workDir, { recursive: true, force: true });
  };
  let server: PlatformProcess | undefined;
  try {
    const started = Date.now();
    for (const [kind, database] of [
      ['temporal', databases.default],
      ['visibility', databases.visibility],
    ] as const) {
      await sqlTool(tools, target, database, ['create-database']);
      await sqlTool(tools, target, database, ['setup-schema', '--version', '0.0']);
      // The versioned schemas are embedded in the tool (its help lists only MySQL's; PostgreSQL's are there).
      await sqlTool(tools, target, database, ['update-schema', '--schema-name', `postgresql/v12/${kind}`]);
    }
    options.progress(
      `Temporal schemas created in ${Object.values(databases).join(', ')} (${Date.now() - started} ms)`,
    );

    const ports = {
      frontend: await freeLowPort(),
      frontendHttp: await freeLowPort(),
      history: await freeLowPort(),
      matching: await freeLowPort(),
      worker: await freeLowPort(),
    };
    const membershipPorts = {
      frontend: await freeLowPort(),
      history: await freeLowPort(),
      matching: await freeLowPort(),
      worker: await freeLowPort(),
    };
    const configDir = path.join(workDir, 'config');
    mkdirSync(configDir);
    const dynamicConfigFile = path.join(workDir, 'dynamicconfig.yaml');
    writeFileSync(dynamicConfigFile, '{}\n');
    writeFileSync(
      path.join(configDir, 'cluster.yaml'),
      serverConfig({ target, databases, ports, membershipPorts, dynamicConfigFile }),
    );
    server = await startPlatformProcess({
      name: 'temporal-server',
      command: tools.server,
      args: ['--root', workDir, '--config', 'config', '--env', 'cluster', '--allow-no-auth', 'start'],
      cwd: workDir,
      quiet: true,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? os.homedir() },
    });
    const address = `127.0.0.1:${ports.frontend}`;
    await registerNamespace(address, options.namespace, server);
    options.progress(
      `Temporal server ${TEMPORAL_SERVER_VERSION} serving ${options.namespace} on ${address} (${Date.now() - started} ms)`,
    );
    const running = server;
    return {
      address,
      namespace: options.namespace,
      databases: Object.values(databases),
      process: running,
      async stop() {
        await running.stop();
        await dropAll();
      },
    };
  } catch (error) {
    await server?.stop();
    await dropAll();
    throw error;
  }
}

/**
 * Registers the namespace, then waits until a workflow start is accepted in it: the frontend serves a new
 * namespace only once its namespace cache has refreshed (seconds), which `describeNamespace` does not show.
 */
async function registerNamespace(address: string, namespace: string, server: PlatformProcess): Promise<void> {
  const deadline = Date.now() + 120_000;
  let connection: Connection | undefined;
  let lastError: unknown;
  try {
    while (connection === undefined) {
      if (!server.running) throw new Error(`the Temporal server exited during start-up:\n${server.tail()}`);
      if (Date.now() > deadline)
        throw new Error(`the Temporal server did not answer on ${address}: ${String(lastError)}`);
      try {
        connection = await Connection.connect({ address, connectTimeout: 2_000 });
        await connection.workflowService.getSystemInfo({});
      } catch (error) {
        lastError = error;
        await connection?.close();
        connection = undefined;
        await sleep(500);
      }
    }
    await connection.workflowService
      .registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('3 days') })
      .catch((error: { code?: number }) => {
        // ALREADY_EXISTS: a retried registration.
        if (error.code !== 6) throw error;
      });
    const client = new Client({ connection, namespace });
    for (;;) {
      if (!server.running) throw new Error(`the Temporal server exited:\n${server.tail()}`);
      try {
        const handle = await client.workflow.start('namespaceProbe', {
          taskQueue: 'sesame-cluster-probe',
          workflowId: `namespace-probe-${Date.now()}`,
        });
        await handle.terminate('the namespace is ready');
        return;
      } catch (error) {
        if (Date.now() > deadline)
          throw new Error(`namespace ${namespace} never became usable`, { cause: error });
        await sleep(500);
      }
    }
  } finally {
    await connection?.close();
  }
}
