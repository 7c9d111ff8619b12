import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../runtime/embedded-postgres.ts';

let server: EmbeddedPostgres;

before(async () => {
  server = await startEmbeddedPostgres(undefined);
});
after(async () => {
  await server.stop();
});

describe('the embedded PostgreSQL served to several connections', () => {
  it('never mixes the statements and parameters of concurrent connections', async () => {
    const pools = [0, 1, 2].map(() => new pg.Pool({ connectionString: server.url, max: 5 }));
    try {
      const answers = await Promise.all(
        Array.from({ length: 300 }, async (_, index) => {
          const pool = pools[index % pools.length]!;
          const { rows } =
            index % 2 === 0
              ? await pool.query('SELECT $1::int * 2 AS value', [index])
              : await pool.query('SELECT $1::text || $2::text || $3::text AS value', [
                  'n',
                  String(index),
                  '!',
                ]);
          return rows[0].value === (index % 2 === 0 ? index * 2 : `n${index}!`);
        }),
      );
      assert.ok(answers.every(Boolean));
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
    }
  });

  it('keeps each transaction whole while other connections wait their turn', async () => {
    const pool = new pg.Pool({ connectionString: server.url, max: 8 });
    try {
      await pool.query('CREATE TABLE counter (id int PRIMARY KEY, n int NOT NULL)');
      await pool.query('INSERT INTO counter VALUES (1, 0)');
      await Promise.all(
        Array.from({ length: 100 }, async (_, index) => {
          const client = await pool.connect();
          try {
            await client.query('BEGIN');
            const { rows } = await client.query('SELECT n FROM counter WHERE id = $1 FOR UPDATE', [1]);
            await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
            await client.query('UPDATE counter SET n = $1 WHERE id = $2', [rows[0].n + 1, 1]);
            await client.query(index % 10 === 0 ? 'ROLLBACK' : 'COMMIT');
          } finally {
            client.release();
          }
        }),
      );
      const { rows } = await pool.query('SELECT n FROM counter');
      assert.equal(rows[0].n, 90);
    } finally {
      await pool.end();
    }
  });

  it('rolls back the transaction of a client that disconnects in the middle of it', async () => {
    const quitter = new pg.Client({ connectionString: server.url });
    const other = new pg.Client({ connectionString: server.url });
    quitter.on('error', () => undefined);
    await quitter.connect();
    await other.connect();
    await quitter.query('CREATE TABLE notes (text text)');
    await quitter.query('BEGIN');
    await quitter.query(`INSERT INTO notes VALUES ('jamais validée')`);
    const waiting = other.query('SELECT count(*)::int AS n FROM notes');
    (quitter as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    const { rows } = await waiting;
    assert.equal(rows[0].n, 0);
    await other.end();
  });

  it('answers errors and keeps serving', async () => {
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    await assert.rejects(client.query('SELECT * FROM no_such_table'), /does not exist/);
    await assert.rejects(client.query('SELECT $1::int', ['pas un nombre']), /invalid input syntax/);
    assert.equal((await client.query('SELECT 1 AS one')).rows[0].one, 1);
    await client.end();
  });
});
