import { boot, loadConfigOrExit, migrateDatabase, provideDatabase } from './boot.ts';
import { stopAll } from './shutdown.ts';

/** `npm run migrate`: applies pending migrations to DATABASE_URL, or to the embedded database under DATA_DIR. */
const config = loadConfigOrExit();

await boot(config, 'sesame-migrate', async (logger, started) => {
  const databaseUrl = await provideDatabase(config, logger, started);
  await migrateDatabase(databaseUrl, logger);
  logger.info('database is up to date');
  await stopAll(started, logger);
  process.exit(0);
});
