import path from 'node:path';
import { loadConfig, type Config } from '../../runtime/config.ts';
import { seedDemoAccounts } from '../../runtime/demo-data.ts';
import { startHttpServer, type RunningHttpServer } from '../../runtime/http-server.ts';
import { startDirectoryStandIn, type DirectoryStandIn } from '../../directory/stand-in.ts';
import { createLogger } from '../../runtime/logger.ts';
import { openServices, type Services } from '../../runtime/services.ts';
import { freePort } from '../../runtime/temporal-dev-server.ts';
import { startWorker, type RunningWorker } from '../../runtime/worker.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';
import { testTemporalAddress, testWorkflowBundle, uniqueSuffix } from './environment.ts';
import { HttpClient } from './http-client.ts';
import { LogCapture } from './log-capture.ts';

export const DEMO_PASSWORD = 'mot-de-passe-de-demo-2026';

export interface TestPlatform {
  url: string;
  config: Config;
  services: Services;
  database: TestDatabase;
  /** The Sirene stand-in this platform looks SIRETs up in (its failures can be injected). */
  directory: DirectoryStandIn;
  logs: LogCapture;
  /** The environment this platform was configured from, for processes a test starts itself (a worker). */
  env: Record<string, string>;
  /** A new HTTP client (its own cookies); `ip` makes it come from another address, as seen through the proxy. */
  client(options?: { ip?: string }): HttpClient;
  startWorker(): Promise<RunningWorker>;
  stop(): Promise<void>;
}

export interface TestPlatformOptions {
  /** Extra environment variables (timer overrides, SMTP_URL…). */
  env?: Record<string, string>;
  /** Run a worker in this process (default true); false when the test runs its own worker process. */
  worker?: boolean;
  /** Serve HTTP (default true). */
  http?: boolean;
  /** Reach the database through another address (a proxy the test can cut). */
  databaseUrl?: (actual: string) => Promise<string> | string;
}

/**
 * The real platform — same wiring as `npm start` — on a database of its own, the run's Temporal server and a
 * task queue of its own, with demo accounts seeded.
 */
export async function startTestPlatform(options: TestPlatformOptions = {}): Promise<TestPlatform> {
  const database = await createTestDatabase();
  const databaseUrl = options.databaseUrl ? await options.databaseUrl(database.url) : database.url;
  const port = await freePort();
  const directory = await startDirectoryStandIn({ ratePerSecond: 1_000 });
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_SIZE: '5',
    TEMPORAL_ADDRESS: testTemporalAddress(),
    TEMPORAL_TASK_QUEUE: `test-${path.basename(process.argv[1] ?? 'x', '.test.ts')}-${uniqueSuffix()}`,
    WORKFLOW_BUNDLE_PATH: testWorkflowBundle(),
    APP_SECRET: 'test-secret-0123456789abcdefghijklmnopqrstuvwxyz',
    DEMO_PASSWORD,
    MAIL_RETRY_INITIAL_INTERVAL: '200ms',
    MAIL_RETRY_MAX_INTERVAL: '1s',
    MAIL_SEND_TIMEOUT: '5s',
    OUTBOX_RELAY_INTERVAL: '1s',
    DIRECTORY_URL: directory.url,
    DIRECTORY_TIMEOUT: '2s',
    DIRECTORY_RETRIES: '1',
    // Every test signs its people up from 127.0.0.1: per-client-address limits would otherwise be reached by
    // the test's own set-up. test/rate-limits.test.ts sets them low and checks them.
    RATE_LIMIT_SIGN_UPS_PER_IP: '10000/1h',
    RATE_LIMIT_EMAILS_PER_IP: '10000/1h',
    ...options.env,
  };
  const config = loadConfig(env);
  const logs = new LogCapture();
  const logger = createLogger({ level: config.logLevel, destination: logs });
  const services = openServices(config, {
    databaseUrl,
    temporalAddress: config.temporal.address!,
    directoryUrl: config.directory.url!,
    logger,
    applicationName: 'sesame-test',
  });
  await seedDemoAccounts(services.db, DEMO_PASSWORD);

  const workers: RunningWorker[] = [];
  const start = async () => {
    const worker = await startWorker(services, { codePath: config.temporal.workflowBundlePath! });
    workers.push(worker);
    return worker;
  };
  if (options.worker !== false) await start();
  let http: RunningHttpServer | undefined;
  if (options.http !== false) http = await startHttpServer(services);

  return {
    url: config.http.publicUrl.toString().replace(/\/$/, ''),
    config,
    services,
    database,
    directory,
    logs,
    env,
    client: (clientOptions = {}) =>
      new HttpClient(
        config.http.publicUrl.toString(),
        clientOptions.ip ? { 'x-forwarded-for': clientOptions.ip } : {},
      ),
    startWorker: start,
    async stop() {
      await http?.stop();
      for (const worker of workers) await worker.stop();
      await services.close();
      await database.drop();
      await directory.stop();
    },
  };
}

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs = 15_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
