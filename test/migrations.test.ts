import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { migrate } from '../store/migrate.ts';
import { createTestDatabase, type TestDatabase } from './helpers/database.ts';
import { runScript } from './helpers/processes.ts';

let database: TestDatabase;

before(async () => {
  database = await createTestDatabase({ migrated: false });
});
after(async () => {
  await database.drop();
});

async function tables(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
    );
    return rows.map((row) => row.table_name);
  } finally {
    await client.end();
  }
}

describe('migrations', () => {
  it('build the schema on an empty database, then have nothing left to do', async () => {
    assert.deepEqual(await tables(database.url), []);
    const applied = await migrate(database.url);
    assert.ok(applied.length >= 1);
    const created = await tables(database.url);
    for (const table of [
      'users',
      'staff_roles',
      'sessions',
      'rate_limit_counters',
      'outbox_emails',
      'schema_migrations',
    ]) {
      assert.ok(created.includes(table), `${table} exists`);
    }
    assert.deepEqual(await migrate(database.url), []);
  });

  it('run from `npm run migrate` against DATABASE_URL', async () => {
    const fresh = await createTestDatabase({ migrated: false });
    try {
      const result = await runScript('runtime/migrate-main.ts', {
        DATABASE_URL: fresh.url,
        LOG_LEVEL: 'info',
      });
      assert.equal(result.status, 0, result.stderr + result.stdout);
      assert.match(result.stdout, /database is up to date/);
      assert.ok((await tables(fresh.url)).includes('outbox_emails'));
    } finally {
      await fresh.drop();
    }
  });
});
