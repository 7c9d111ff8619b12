import pg from 'pg';

/**
 * What a benchmark or a check started, stopped in reverse order on the way out, however it ends: a failure to
 * stop one thing is reported and the others are still stopped.
 */
export class Teardown {
  private readonly items: { name: string; stop: () => Promise<void> }[] = [];

  constructor(private readonly report: (line: string) => void) {}

  push(item: { name: string; stop: () => Promise<void> }): void {
    this.items.push(item);
  }

  async stopAll(): Promise<void> {
    while (this.items.length > 0) {
      const item = this.items.pop()!;
      try {
        await item.stop();
      } catch (error) {
        this.report(`could not stop ${item.name}: ${(error as Error).message}`);
      }
    }
  }
}

/** A fresh database `name` on the PostgreSQL server of `serverUrl`, dropped by the teardown; its URL. */
export async function createFreshDatabase(
  serverUrl: string,
  name: string,
  teardown: Teardown,
): Promise<string> {
  const run = async (sql: string) => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await run(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await run(`CREATE DATABASE "${name}"`);
  teardown.push({
    name: `database ${name}`,
    stop: () => run(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  });
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
