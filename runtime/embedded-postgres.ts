import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { servePGlite } from './pglite-wire-server.ts';

export interface EmbeddedPostgres {
  /** Connection string for `pg`, exactly as for a real server. */
  url: string;
  stop(): Promise<void>;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * PGlite keeps no lock of its own on its folder, and two processes writing it would corrupt it: a pid file
 * refuses a second Sésame on the same DATA_DIR while the first is alive.
 */
function lockDataDir(dir: string): () => void {
  const lockFile = `${dir}.pid`;
  try {
    const holder = Number(readFileSync(lockFile, 'utf8'));
    if (holder !== process.pid && Number.isInteger(holder) && isAlive(holder)) {
      throw new Error(
        `The embedded database in ${dir} is in use by process ${holder}. Stop it, or set another DATA_DIR or a DATABASE_URL.`,
      );
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  writeFileSync(lockFile, String(process.pid));
  return () => rmSync(lockFile, { force: true });
}

/**
 * PGlite (Postgres compiled to WebAssembly) served over the Postgres wire protocol on a loopback port, so the
 * code talks to it through `pg` as it would to a real server. For development and tests only: one process,
 * connections taking turns (see pglite-wire-server.ts).
 *
 * @param dataDir where the database lives across restarts; in memory when undefined.
 */
export async function startEmbeddedPostgres(dataDir: string | undefined): Promise<EmbeddedPostgres> {
  let unlock = () => undefined as void;
  if (dataDir !== undefined) {
    mkdirSync(path.dirname(dataDir), { recursive: true });
    unlock = lockDataDir(dataDir);
  }
  try {
    // pg_trgm serves the instruction queue's text search (a migration creates the extension).
    const extensions = { pg_trgm };
    const db = await PGlite.create(dataDir === undefined ? { extensions } : { dataDir, extensions });
    const server = await servePGlite(db);
    return {
      url: `postgres://postgres@${server.address}/postgres?sslmode=disable`,
      async stop() {
        await server.stop();
        await db.close();
        unlock();
      },
    };
  } catch (error) {
    unlock();
    throw error;
  }
}
