import assert from 'node:assert/strict';
import pg from 'pg';
import { after, before } from 'node:test';
import { eventually, startTestPlatform, type TestPlatform } from './platform.ts';
import { startScript } from './processes.ts';

type Worker = Awaited<ReturnType<typeof startScript>>;

/**
 * A worker killed inside one of its activities' transactions, and another taking over — the same way in every
 * crash test. A blocking transaction the test controls (`block`, run after BEGIN) holds a lock the activity
 * needs; `start` sets the action going; once Postgres shows a lock that `waiting` recognises not granted —
 * the activity inside its transaction, stopped on the blocker — the worker is SIGKILLed (asserted: it was
 * there), the blocker rolls back, and a new worker starts. `check` then runs with the action's answer while
 * the new worker is up; both workers are stopped however it ends.
 *
 * PGlite runs one transaction at a time (a blocker would stop the whole platform): these tests need the
 * PostgreSQL server of DATABASE_URL, which CI provides — see `needsPostgresServer`.
 */
export async function killWorkerInsideTransaction<T>(
  platform: TestPlatform,
  steps: {
    /** Before the blocker: what the action needs in place (an account, a submitted request…). */
    prepare?: () => Promise<void>;
    block: (blocker: pg.Client) => Promise<void>;
    start: () => Promise<T>;
    /**
     * A condition on pg_locks (alias `l`, with pg_stat_activity `a`) true for the activity's lock request in
     * this test's database: `l.locktype = 'transactionid'` for a row or key the blocker wrote, a relation
     * for a table it locked.
     */
    waiting: string;
    /** While the activity waits, before the kill: what must already be true then. */
    whileWaiting?: () => Promise<void>;
    check: (answer: T) => Promise<void>;
  },
): Promise<void> {
  const workerEnv = { ...platform.env, LOG_LEVEL: 'info' };
  const running = new Set<Worker>();
  const startWorker = async () => {
    const worker = await startScript('runtime/worker-main.ts', workerEnv, /worker started/);
    running.add(worker);
    return worker;
  };
  const blocker = new pg.Client({ connectionString: platform.database.url });
  try {
    const first = await startWorker();
    await steps.prepare?.();
    await blocker.connect();
    await blocker.query('BEGIN');
    await steps.block(blocker);
    const answer = steps.start();
    // A rejection is awaited below; until then it must not count as unhandled.
    answer.catch(() => undefined);
    const waited = await eventually(
      async () => {
        // Asked outside the blocker's transaction: pg_stat_activity keeps one snapshot per transaction.
        const { rows } = await platform.services.db.query(
          `SELECT 1 FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE NOT l.granted AND a.datname = current_database()
              AND (${steps.waiting})`,
        );
        return rows.length > 0 ? true : undefined;
      },
      30_000,
      'the activity waiting on the blocker inside its transaction',
    );
    assert.equal(waited, true);
    await steps.whileWaiting?.();
    first.child.kill('SIGKILL');
    await first.exited;
    running.delete(first);
    await blocker.query('ROLLBACK');
    await blocker.end();

    await startWorker();
    await steps.check(await answer);
  } finally {
    await blocker.end().catch(() => undefined);
    for (const worker of running) {
      worker.child.kill('SIGTERM');
      await worker.exited;
    }
  }
}

/** The crash tests hold locks a single-backend PGlite cannot share: they run on a PostgreSQL server only. */
export const needsPostgresServer = {
  skip: process.env.DATABASE_URL === undefined && 'needs DATABASE_URL (a PostgreSQL server)',
};

/**
 * The platform of a crash test file, started before its tests and stopped after them: no worker of its own
 * (the test starts and kills worker processes), short activity attempts so a dead worker's task is retried
 * soon, and a long deadline on Temporal calls so the HTTP caller waits through the take-over.
 */
export function crashTestPlatform(): { readonly platform: TestPlatform } {
  let platform: TestPlatform | undefined;
  before(async () => {
    platform = await startTestPlatform({
      worker: false,
      env: { ACTIVITY_TIMEOUT: '2s', TEMPORAL_CALL_TIMEOUT: '60s' },
    });
  });
  after(async () => {
    await platform?.stop();
  });
  return {
    get platform() {
      if (!platform) throw new Error('the crash test platform starts in before()');
      return platform;
    },
  };
}
