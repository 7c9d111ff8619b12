import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import pg from 'pg';
import { startEmbeddedPostgres } from '../runtime/embedded-postgres.ts';
import { deriveKeys } from '../security/keys.ts';
import { hashSecret, mintToken, randomSecret, unsealToken } from '../security/token-secrets.ts';
import { migrate } from '../store/migrate.ts';

/**
 * `npm run bench`: introspection under load, against a baseline measured in the same run (never a fixed time):
 *   bare — a bare node:http server answering a constant JSON: the baseline;
 *   introspection — POST /api/v1/introspect on Sésame's real HTTP stack, each request with another of 10 000
 *     active tokens;
 *   middleware — the bare server's very handler behind @sesame/verify (its short cache in front of
 *     introspection), same tokens: what verification costs a provider, apart from any framework;
 *   expressWithMiddleware, expressWithoutVerification — for reference, a provider's Express endpoint with and
 *     without @sesame/verify: what Express itself costs, and what verification costs on top of it.
 * Prints JSON: requests per second, p50 and p99 latency (ms) of each, its answers counted by whether they are
 * the ones it claims to time (introspection: `active: true`), and the ratios to bare. Targets: introspection ≥ 0.5×,
 * middleware ≥ 0.8×, p99 of introspection ≤ 10 ms at 64 connections — met only by a run, and a baseline, without
 * errors, non-2xx or unexpected answers; such a run is listed under `problems` and the exit code is 1. Uses the PostgreSQL
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
/** The seeded habilitation's scopes, sorted as introspection's answer is compared. */
const SCOPE = 'effectifs unites_legales_etablissements';

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
       VALUES ($1, 1, $2, 'api-entreprise', $3, now() + interval '18 months')
       RETURNING id`,
      [requests[0]!.id, organisationId, SCOPE.split(' ')],
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
  /** Requests that failed, timeouts (no answer within 10 s) included. */
  errors: number;
  timeouts: number;
  non2xx: number;
  /** Every answer of the run, by whether it is the one the run claims to time. */
  answers: { expected: number; unexpected: number; firstUnexpected?: string };
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

/**
 * Whether an answer is the one a run claims to time: introspection must say `active: true` (a seeding or
 * credentials mistake would time the `{"active": false}` path), the other servers their 200 with the data.
 */
type Expect = (status: number, body: string) => boolean;
const activeIntrospection: Expect = (status, body) => status === 200 && body.includes('"active":true');
const providerData: Expect = (status, body) => status === 200 && body.includes('"siret":"21457956700014"');

/** The answers of the run under way; every request's onResponse counts into it. */
let answers: Figures['answers'] = { expected: 0, unexpected: 0 };
const counting =
  (expect: Expect) =>
  (status: number, body: string): void => {
    if (expect(status, body)) answers.expected += 1;
    else {
      answers.unexpected += 1;
      answers.firstUnexpected ??= `${status} ${body.slice(0, 200)}`;
    }
  };

async function load(options: autocannon.Options, duration = DURATION): Promise<Figures> {
  answers = { expected: 0, unexpected: 0 };
  const result = await autocannon({ connections: CONNECTIONS, duration, ...options });
  return {
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    // autocannon counts a timeout in `errors` too.
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    answers,
  };
}

/** A run whose figures can be trusted: no error, no non-2xx answer, and only the answers it claims to time. */
const sound = (figures: Figures | undefined): figures is Figures =>
  figures !== undefined &&
  figures.errors === 0 &&
  figures.non2xx === 0 &&
  figures.answers.unexpected === 0 &&
  figures.answers.expected > 0;

/**
 * Each request carries another token, so that the database really looks up 10 000 different rows: each
 * connection goes round its own share of the list. The requests are built once, before the run: the load
 * generator shares the machine's two cores with the servers, and building requests would spend them on the
 * generator rather than on what is measured (the bare baseline, too, is built once). autocannon builds a
 * connection's requests when they are handed to it; handing each connection the whole list (64 × 10 000
 * builds) stalled the generator for seconds at each start, and the requests then in flight ended as timeouts.
 */
function eachToken(
  tokens: string[],
  make: (token: string) => autocannon.Request,
  expect: Expect,
): Partial<autocannon.Options> {
  const onResponse = counting(expect);
  const requests = tokens.map((token) => ({ ...make(token), onResponse }));
  let connection = 0;
  return {
    requests: [requests[0]!],
    setupClient(client) {
      const share = connection++ % CONNECTIONS;
      const from = Math.floor((share * tokens.length) / CONNECTIONS);
      const to = Math.floor(((share + 1) * tokens.length) / CONNECTIONS);
      client.setRequests(requests.slice(from, Math.max(to, from + 1)));
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

/**
 * Before timing introspection: a sample of the seeded tokens, spread over the list, each answered `active: true`
 * with the seeded scopes. A mistake there stops the benchmark before it measures the wrong path.
 */
async function checkIntrospection(url: string, authorization: string, tokens: string[]): Promise<void> {
  const step = Math.max(1, Math.floor(tokens.length / 100));
  for (let index = 0; index < tokens.length; index += step) {
    const response = await fetch(url, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=${tokens[index]}`,
    });
    const answer = (await response.json()) as { active?: boolean; scope?: string };
    if (
      response.status !== 200 ||
      answer.active !== true ||
      answer.scope?.split(' ').sort().join(' ') !== SCOPE
    )
      throw new Error(
        `token ${index} of the seed: ${url} answered ${response.status} ${JSON.stringify(answer)}`,
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
    ...eachToken(
      tokens,
      (token) => ({
        method: 'POST',
        headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
        body: `token=${token}`,
      }),
      activeIntrospection,
    ),
  };
  const bearer = (url: string): autocannon.Options => ({
    url,
    ...eachToken(
      tokens,
      (token) => ({ method: 'GET', headers: { authorization: `Bearer ${token}` } }),
      providerData,
    ),
  });
  const constant = (url: string): autocannon.Options => ({
    url,
    requests: [{ method: 'GET', onResponse: counting(providerData) }],
  });
  const options: Record<Run, autocannon.Options> = {
    bare: constant(urls.bare),
    introspection,
    middleware: bearer(urls.middleware),
    expressWithMiddleware: bearer(urls.expressMiddleware),
    expressWithoutVerification: constant(urls.express),
  };
  if (selected.has('introspection')) await checkIntrospection(urls.introspection, basic, tokens);
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
  // A run with errors, refusals or other answers than it claims to time says nothing about its target (nor
  // does any ratio to a baseline that had them).
  const problems = Object.entries(results)
    .filter(([, figures]) => !sound(figures))
    .map(
      ([run, figures]) =>
        `${run}: ${figures.errors} errors (${figures.timeouts} timeouts), ${figures.non2xx} non-2xx, ${figures.answers.unexpected} unexpected of ${figures.answers.expected + figures.answers.unexpected} answers${figures.answers.firstUnexpected ? ` (first: ${figures.answers.firstUnexpected})` : ''}`,
    );
  const met = (run: Run, holds: (figures: Figures) => boolean) =>
    results[run] === undefined
      ? undefined
      : sound(results.bare) && sound(results[run]) && holds(results[run]);
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
      introspectionAtLeastHalfOfBare: met('introspection', (figures) => ratio(figures)! >= 0.5),
      middlewareAtLeast80PercentOfBare: met('middleware', (figures) => ratio(figures)! >= 0.8),
      introspectionP99AtMost10ms: met('introspection', (figures) => figures.p99 <= 10),
    },
    problems,
  };
  console.log(JSON.stringify(report, null, 2));
  if (problems.length > 0) process.exitCode = 1;
} finally {
  child?.kill('SIGTERM');
  await new Promise((resolve) => setTimeout(resolve, 500));
  child?.kill('SIGKILL');
  await database.drop();
}
