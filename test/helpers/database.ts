import pg from 'pg';
import { startEmbeddedPostgres } from '../../runtime/embedded-postgres.ts';
import { migrate } from '../../store/migrate.ts';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/**
 * A database of its own for one test file: a fresh one on the Postgres server of DATABASE_URL when it is set
 * (CI), else an in-memory embedded PGlite. Migrated unless `migrated: false`.
 */
export async function createTestDatabase(options: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const serverUrl = process.env.DATABASE_URL;
  let database: TestDatabase;
  if (serverUrl) {
    const name = `sesame_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name}"`);
    await admin.end();
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    database = {
      url: url.toString(),
      async drop() {
        const client = new pg.Client({ connectionString: serverUrl });
        await client.connect();
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        await client.end();
      },
    };
  } else {
    const embedded = await startEmbeddedPostgres(undefined);
    database = { url: embedded.url, drop: embedded.stop };
  }
  if (options.migrated !== false) await migrate(database.url);
  return database;
}
