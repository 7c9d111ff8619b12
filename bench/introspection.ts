import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import pg from 'pg';
import { startEmbeddedPostgres } from '../runtime/embedded-postgres';
import { deriveKeys } from '../security/keys';
import { hashSecret, mintToken, randomSecret, unsealToken } from '../security/token-secrets';
import { migrate } from '../store/migrate';

/**
 * `npm run bench`: introspection under load, against a baseline measured in the same run (never a fixed time):
 *   bare — a bare node:http server answering a constant JSON: the baseline;
 *   introspection — POST /api/v1/introspect on Sésame's real HTTP stack, each request with another of 10 000
 *     active tokens;
 *   middleware — the bare server's very handler behind @sesame/verify (its short cache in front of
 *     introspection), same tokens: what verification costs a provider, apart from any framework;
 *   expressWithMiddleware, expressWithoutVerification — for reference, a provider's Express endpoint with and
 *     without @sesame/verify: what Express itself costs, and what verification costs on top of it.
 * Prints JSON: requests per second, p50 and p99 latency (ms) of each, and the ratios to bare. Targets:
 * introspection ≥ 0.5×, middleware ≥ 0.8×, p99 of introspection ≤ 10 ms at 64 connections. Uses the PostgreSQL
 * of DATABASE_URL (a fresh database, dropped afterwards), else embedded PGlite (a single backend: expect much
 * lower introspection figures). BENCH_DURATION (seconds per run, default 10) and BENCH_CONNECTIONS (default 64)
 * tune the load; BENCH_RUNS=introspection,… measures only those (and bare); BENCH_PROFILE=<dir> has the servers'
 * process write a V8 CPU profile there.
 */
const TOKENS = 10_000;
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const APP_SECRET = randomSecret(32);
const CLIENT_ID = 'bench-api-entreprise';
const CLIENT_SECRET = randomSecret(32);

async function provideDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    const embedded = await startEmbeddedPostgres(undefined);
    return { url: embedded.url, drop: embedded.stop };
  }
  const name = `sesame_bench_${process.pid}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await client.end();
    },
  };
}

/** 10 000 active tokens of one habilitation, inserted in one statement; their secrets stay in this process. */
async function seed(url: string): Promise<string[]> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    const { rows: organisations } = await db.query<{ id: string }>(
      `INSERT INTO organisations (siret, siren, name, legal_category, address, active, directory_checked_at)
       VALUES ('21457956700014', '214579567', 'COMMUNE DE SAINT-EXEMPLE-SUR-LOIRE', '7210', 'SAINT-EXEMPLE', true, now())
       RETURNING id`,
    );
    const organisationId = organisations[0]!.id;
    const { rows: requests } = await db.query<{ id: string }>(
      `INSERT INTO access_requests (definition, organisation_id, state)
       VALUES ('api-entreprise', $1, 'validated') RETURNING id`,
      [organisationId],
    );
    const { rows: habilitations } = await db.query<{ id: string }>(
      `INSERT INTO habilitations (request_id, revision, organisation_id, definition, scopes, valid_until)
       VALUES ($1, 1, $2, 'api-entreprise', '{unites_legales_etablissements,effectifs}', now() + interval '18 months')
       RETURNING id`,
      [requests[0]!.id, organisationId],
    );
    const key = deriveKeys(APP_SECRET).sealedTokens;
    const minted = Array.from({ length: TOKENS }, () => mintToken(key));
    await db.query(
      `INSERT INTO tokens (id, habilitation_id, issue_key, visible_part, secret_hash, expires_at)
       SELECT id, $1, 'bench:' || id, visible_part, secret_hash, now() + interval '18 months'
         FROM unnest($2::uuid[], $3::text[], $4::text[]) AS t (id, visible_part, secret_hash)`,
      [
        habilitations[0]!.id,
        minted.map((token) => token.id),
        minted.map((token) => token.visiblePart),
        minted.map((token) => token.secretHash),
      ],
    );
    await db.query(
      `INSERT INTO provider_credentials (definition, client_id, secret_hash, label)
       VALUES ('api-entreprise', $1, $2, 'bench')`,
      [CLIENT_ID, hashSecret(CLIENT_SECRET)],
    );
    await db.query('ANALYZE');
    return minted.map((token) => unsealToken(key, token.sealedSecret, token.id)!);
  } finally {
    await db.end();
  }
}

interface Figures {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

const RUNS = [
  'bare',
  'introspection',
  'middleware',
  'expressWithMiddleware',
  'expressWithoutVerification',
] as const;
type Run = (typeof RUNS)[number];
/** BENCH_RUNS=introspection (say) measures only those, and the baseline: to profile one of them. */
const selected = new Set<Run>(['bare']);
for (const name of process.env.BENCH_RUNS ? process.env.BENCH_RUNS.split(',') : RUNS) {
  if (!(RUNS as readonly string[]).includes(name))
    throw new Error(`BENCH_RUNS: unknown run "${name}" (known: ${RUNS.join(', ')})`);
  selected.add(name as Run);
}

async function load(options: autocannon.Options, duration = DURATION): Promise<Figures> {
  const result = await autocannon({ connections: CONNECTIONS, duration, ...options });
  return {
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

/**
 * Each request carries the next token of the list, so that the database really looks up 10 000 different rows.
 * The requests are built once, before the run, and each connection starts at its own place in the list: the
 * load generator shares the machine's two cores with the servers, and building every request anew would spend
 * them on the generator rather than on what is measured (the bare baseline, too, is built once).
 */
function eachToken(
  tokens: string[],
  make: (token: string) => autocannon.Request,
): Partial<autocannon.Options> {
  const requests = tokens.map(make);
  let connection = 0;
  return {
    requests: [requests[0]!],
    setupClient(client) {
      const start = Math.floor((connection++ * tokens.length) / CONNECTIONS) % tokens.length;
      client.setRequests([...requests.slice(start), ...requests.slice(0, start)]);
    },
  };
}

/**
 * Sends each token once, a connection's worth at a time, and checks every answer: all the tokens are then in the
 * middleware's cache, so that the run measures its steady state rather than the introspection calls of a cold
 * cache.
 */
async function warmCache(url: string, tokens: string[]): Promise<void> {
  for (let start = 0; start < tokens.length; start += CONNECTIONS) {
    await Promise.all(
      tokens.slice(start, start + CONNECTIONS).map(async (token) => {
        const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
        await response.arrayBuffer();
        if (response.status !== 200) throw new Error(`warming the cache: ${url} answered ${response.status}`);
      }),
    );
  }
}

const database = await provideDatabase();
let child: ReturnType<typeof spawn> | undefined;
try {
  await migrate(database.url);
  const tokens = await seed(database.url);
  // BENCH_PROFILE=<dir>: the servers' process writes a V8 CPU profile there when it stops.
  const profile = process.env.BENCH_PROFILE
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`]
    : [];
  child = spawn(process.execPath, [...profile, '--import', 'tsx', 'bench/servers.ts'], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'test',
      APP_SECRET,
      DATABASE_URL: database.url,
      // Request logs go to standard output; the benchmark measures the endpoints, not the terminal.
      LOG_LEVEL: 'warn',
      DATABASE_POOL_SIZE: process.env.BENCH_POOL_SIZE ?? '10',
      BENCH_CLIENT_ID: CLIENT_ID,
      BENCH_CLIENT_SECRET: CLIENT_SECRET,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const urls = await new Promise<{
    introspection: string;
    middleware: string;
    expressMiddleware: string;
    express: string;
    bare: string;
  }>((resolve, reject) => {
    createInterface({ input: child!.stdout! }).on('line', (line) => {
      if (line.startsWith('{"ready"')) resolve((JSON.parse(line) as { ready: never }).ready);
    });
    child!.once('exit', (code) => reject(new Error(`bench servers exited with ${code}`)));
  });

  const basic = `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`;
  const introspection: autocannon.Options = {
    url: urls.introspection,
    ...eachToken(tokens, (token) => ({
      method: 'POST',
      headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=${token}`,
    })),
  };
  const bearer = (url: string): autocannon.Options => ({
    url,
    ...eachToken(tokens, (token) => ({ method: 'GET', headers: { authorization: `Bearer ${token}` } })),
  });
  const options: Record<Run, autocannon.Options> = {
    bare: { url: urls.bare },
    introspection,
    middleware: bearer(urls.middleware),
    expressWithMiddleware: bearer(urls.expressMiddleware),
    expressWithoutVerification: { url: urls.express },
  };
  const verifying = new Set<Run>(['middleware', 'expressWithMiddleware']);

  // Warm-up (JIT, connection pools), then the measured runs. Right before a middleware's run, it is sent each of
  // the 10 000 tokens once, so that it is measured in a provider's steady state: its callers' tokens in its 30 s
  // cache (warmed earlier, the entries would expire during the run).
  for (const run of selected) if (!verifying.has(run)) await load(options[run], 2);
  const results: Partial<Record<Run, Figures>> = {};
  for (const run of RUNS) {
    if (!selected.has(run)) continue;
    if (verifying.has(run)) await warmCache(options[run].url as string, tokens);
    results[run] = await load(options[run]);
  }
  const bareRps = results.bare!.rps;
  const ratio = (figures: Figures | undefined) =>
    figures ? Math.round((figures.rps / bareRps) * 100) / 100 : undefined;
  const report = {
    machine: { cpus: (await import('node:os')).availableParallelism(), node: process.version },
    database: process.env.DATABASE_URL ? 'postgresql (DATABASE_URL)' : 'embedded PGlite',
    tokens: TOKENS,
    connections: CONNECTIONS,
    durationSeconds: DURATION,
    results,
    ratios: {
      introspection: ratio(results.introspection),
      middleware: ratio(results.middleware),
      expressWithMiddleware: ratio(results.expressWithMiddleware),
      expressWithoutVerification: ratio(results.expressWithoutVerification),
      // What @sesame/verify keeps of Express's own throughput (1 = it costs nothing).
      expressWithMiddlewareToExpress:
        results.expressWithMiddleware && results.expressWithoutVerification
          ? Math.round((results.expressWithMiddleware.rps / results.expressWithoutVerification.rps) * 100) /
            100
          : undefined,
    },
    targets: {
      introspectionAtLeastHalfOfBare: results.introspection && ratio(results.introspection)! >= 0.5,
      middlewareAtLeast80PercentOfBare: results.middleware && ratio(results.middleware)! >= 0.8,
      introspectionP99AtMost10ms: results.introspection && results.introspection.p99 <= 10,
    },
  };
  console.log(JSON.stringify(report, null, 2));
} finally {
  child?.kill('SIGTERM');
  await new Promise((resolve) => setTimeout(resolve, 500));
  child?.kill('SIGKILL');
  await database.drop();
}
