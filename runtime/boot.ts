import path from 'node:path';
import type { Logger } from 'pino';
import { migrate } from '../store/migrate.ts';
import { ConfigError, loadConfig, PUBLIC_DIRECTORY_URL, type Config } from './config.ts';
import { startDirectoryStandIn } from '../directory/stand-in.ts';
import { DEFAULT_DEMO_PASSWORD, seedDemoAccounts } from './demo-data.ts';
import { createLogger } from './logger.ts';
import { handleShutdown, stopAll, type Stoppable } from './shutdown.ts';
import { startEmbeddedPostgres } from './embedded-postgres.ts';
import { startTemporalDevServer, type DevServer } from './temporal-dev-server.ts';
import type { Services } from './services.ts';

/** Reads the configuration, or explains what is wrong with it and exits. */
export function loadConfigOrExit(check?: (config: Config) => void): Config {
  try {
    const config = loadConfig();
    check?.(config);
    return config;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`Sésame cannot start.\n${error.message}`);
    process.exit(2);
  }
}

/**
 * Runs a process's start-up, registering each started component for shutdown; a failure half-way stops what
 * was started and exits.
 */
export async function boot(
  config: Config,
  name: string,
  start: (
    logger: Logger,
    started: Stoppable[],
  ) => Promise<{ onFailure?: (fail: (reason: string) => void) => void }>,
): Promise<void> {
  const logger = createLogger({ level: config.logLevel, name });
  if (config.appSecretIsDevelopmentDefault) {
    logger.warn('APP_SECRET is not set: using the development secret (never do this in production)');
  }
  const started: Stoppable[] = [];
  try {
    const { onFailure } = await start(logger, started);
    const fail = handleShutdown(started, logger, config.shutdownTimeoutMs);
    onFailure?.(fail);
  } catch (error) {
    logger.fatal({ err: error }, 'start-up failed');
    await stopAll(started, logger);
    process.exit(1);
  }
}

/** DATABASE_URL, or the embedded PGlite under DATA_DIR. */
export async function provideDatabase(config: Config, logger: Logger, started: Stoppable[]): Promise<string> {
  if (config.database.url !== undefined) return config.database.url;
  const dir = path.join(config.dataDir, 'pglite');
  const embedded = await startEmbeddedPostgres(dir);
  started.push({ name: 'embedded postgres', stop: embedded.stop });
  logger.info({ dataDir: dir }, 'no DATABASE_URL: embedded Postgres (PGlite) started');
  return embedded.url;
}

/** TEMPORAL_ADDRESS, or a local dev server keeping its state under DATA_DIR. */
export async function provideTemporal(
  config: Config,
  logger: Logger,
  started: Stoppable[],
): Promise<{ address: string; devServer?: DevServer }> {
  if (config.temporal.address !== undefined) return { address: config.temporal.address };
  const devServer = await startTemporalDevServer({
    cliPath: config.temporal.cliPath,
    namespace: config.temporal.namespace,
    dbFile: path.join(config.dataDir, 'temporal', 'dev-server.db'),
    uiPort: config.temporal.uiPort === 0 ? undefined : config.temporal.uiPort,
    downloadDir: path.join(config.dataDir, 'temporal', 'cli'),
    progress: (line) => logger.info(line),
  });
  started.push({ name: 'temporal dev server', stop: devServer.stop });
  logger.info(
    { address: devServer.address, ui: devServer.uiUrl, origin: devServer.origin },
    'no TEMPORAL_ADDRESS: Temporal dev server started',
  );
  return { address: devServer.address, devServer };
}

/**
 * DIRECTORY_URL; else, for `npm start` (`standIn`), the bundled stand-in of the Sirene directory; else the
 * public API.
 */
export async function provideDirectory(
  config: Config,
  logger: Logger,
  started: Stoppable[],
  options: { standIn: boolean },
): Promise<string> {
  if (config.directory.url !== undefined) return config.directory.url;
  if (!options.standIn) return PUBLIC_DIRECTORY_URL;
  const standIn = await startDirectoryStandIn();
  started.push({ name: 'directory stand-in', stop: standIn.stop });
  logger.info(
    { url: standIn.url },
    'no DIRECTORY_URL: the bundled Sirene stand-in answers directory lookups',
  );
  return standIn.url;
}

export async function migrateDatabase(databaseUrl: string, logger: Logger): Promise<void> {
  const applied = await migrate(databaseUrl, (message) => logger.debug(message));
  if (applied.length > 0) logger.info({ applied }, 'database migrations applied');
}

/** Outside production: the demo staff accounts, whose logins the start-up banner prints. */
export async function seedDemoData(
  services: Services,
): Promise<{ password: string; emails: string[] } | undefined> {
  if (services.config.env === 'production') return undefined;
  const password = services.config.demoPassword ?? DEFAULT_DEMO_PASSWORD;
  const accounts = await seedDemoAccounts(services.db, password);
  return { password, emails: accounts.map((account) => `${account.email} (${account.description})`) };
}
