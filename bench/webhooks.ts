import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { ensureWebhookEndpoint } from '../app/webhooks.ts';
import { dispatchAll } from '../mail/mailer.ts';
import { verifyWebhook } from '../packages/sesame-verify/index.ts';
import { loadConfig } from '../runtime/config.ts';
import { createLogger } from '../runtime/logger.ts';
import { openServices } from '../runtime/services.ts';
import { startEphemeralDevServer } from '../runtime/temporal-dev-server.ts';
import { loadWorkflowBundle, startWorker } from '../runtime/worker.ts';
import { randomSecret } from '../security/token-secrets.ts';
import { migrate } from '../store/migrate.ts';
import { withTransaction } from '../store/pool.ts';
import { distribution, round } from './lifecycle-stats.ts';
import { createFreshDatabase, Teardown } from './teardown.ts';

/**
 * `npm run bench:webhooks`: BENCH_EVENTS (default 1,000) webhook events delivered to a receiver on this
 * machine, on the platform's own code in one process: a fresh PostgreSQL database (`sesame_bench_wh_<pid>` on
 * the server of DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres, dropped afterwards), a
 * Temporal dev server in memory, one worker with its defaults, and one endpoint of API Entreprise.
 *
 * Each event is recorded as a transition records it — `webhooks.recordRequestEvent` in a transaction of its own
 * (a request's sequence, its payload, a delivery row), then its delivery started after the commit — by
 * BENCH_PRODUCERS (default 16) producers at once, on BENCH_REQUESTS (default 100) seeded requests, as fast as
 * they can or at BENCH_RATE events per second (then the latency is that of a platform keeping up). The receiver
 * verifies each delivery with @sesame/verify and answers 204. Measured: events/s from the first commit to the
 * last receipt, and the time from each event's commit to its receipt (p50, p95, max, ms). The request
 * workflows' own transition (a workflow task and an activity) is not in it: bench:lifecycle measures those.
 * One JSON document on standard output; progress on standard error.
 */
const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000);
const PRODUCERS = Number(process.env.BENCH_PRODUCERS ?? 16);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 100);
/** Events per second the producers keep to, all together; unset: as fast as they can. */
const RATE = process.env.BENCH_RATE ? Number(process.env.BENCH_RATE) : undefined;
const progress = (line: string) => process.stderr.write(`${line}\n`);

async function main(): Promise<void> {
  const teardown = new Teardown(progress);
  const stopAll = async () => teardown.stopAll();
  process.once('SIGINT', () => void stopAll().then(() => process.exit(130)));
  try {
    const serverUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
    const databaseUrl = await createFreshDatabase(serverUrl, `sesame_bench_wh_${process.pid}`, teardown);
    await migrate(databaseUrl);
    const temporal = await startEphemeralDevServer(progress);
    teardown.push({ name: 'Temporal dev server', stop: () => temporal.stop() });

    // The receiver: verifies, answers 204, notes when each webhook-id first arrived.
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    const received = new Map<string, number>();
    let refused = 0;
    const receiver = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        try {
          const { id } = verifyWebhook(secret, req.headers, Buffer.concat(chunks));
          if (!received.has(id)) received.set(id, Date.now());
          res.writeHead(204).end();
        } catch {
          refused++;
          res.writeHead(401).end();
        }
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    teardown.push({
      name: 'receiver',
      stop: () => new Promise<void>((resolve) => receiver.close(() => resolve())),
    });
    const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks`;

    const config = loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      DATABASE_URL: databaseUrl,
      DATABASE_POOL_SIZE: String(Math.max(10, PRODUCERS + 4)),
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_TASK_QUEUE: `bench-webhooks-${process.pid}`,
      APP_SECRET: randomSecret(32),
      WEBHOOK_ALLOW_LOCAL_HTTP: 'true',
    });
    const services = openServices(config, {
      databaseUrl,
      temporalAddress: temporal.address,
      directoryUrl: 'http://127.0.0.1:9',
      logger: createLogger({ level: 'warn', destination: process.stderr }),
      applicationName: 'sesame-bench-webhooks',
    });
    teardown.push({ name: 'services', stop: () => services.close() });
    progress('bundling workflows and starting the worker');
    const worker = await startWorker(services, await loadWorkflowBundle(undefined));
    teardown.push({ name: 'worker', stop: () => worker.stop() });
    await ensureWebhookEndpoint(services, { definition: 'api-entreprise', url: receiverUrl, secret });

    const requestIds = await seedRequests(databaseUrl, REQUESTS);
    const committedAt = new Map<string, number>();
    let next = 0;
    const started = Date.now();
    progress(`recording ${EVENTS} events with ${PRODUCERS} producers`);
    await Promise.all(
      Array.from({ length: PRODUCERS }, async () => {
        for (let index = next++; index < EVENTS; index = next++) {
          if (RATE !== undefined) {
            const due = started + (index * 1000) / RATE;
            if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
          }
          const requestId = requestIds[index % requestIds.length]!;
          const dispatches = await withTransaction(services.db, (tx) =>
            services.webhooks.recordRequestEvent(tx, requestId, 'request.submitted', `bench-${index}`),
          );
          const committed = Date.now();
          await dispatchAll(dispatches);
          const { rows } = await services.db.query<{ id: string }>(
            'SELECT id FROM webhook_events WHERE idempotency_key = $1',
            [`request.submitted:${requestId}:bench-${index}`],
          );
          committedAt.set(rows[0]!.id, committed);
        }
      }),
    );
    const recorded = Date.now();
    progress('events recorded; waiting for their receipt');
    const deadline = Date.now() + 300_000;
    while (received.size < EVENTS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const latencies = [...committedAt].flatMap(([id, at]) => {
      const got = received.get(id);
      return got === undefined ? [] : [got - at];
    });
    const last = Math.max(...received.values());
    const seconds = (last - started) / 1000;
    console.log(
      JSON.stringify(
        {
          events: EVENTS,
          producers: PRODUCERS,
          rate: RATE ?? 'unpaced',
          delivered: latencies.length,
          refusedByReceiver: refused,
          recordingSeconds: round((recorded - started) / 1000, 2),
          seconds: round(seconds, 2),
          eventsPerSecond: round(latencies.length / seconds, 1),
          commitToReceiptMs: distribution(latencies),
        },
        null,
        2,
      ),
    );
    if (latencies.length < EVENTS || refused > 0) process.exitCode = 1;
  } finally {
    await stopAll();
  }
}

/** One organisation and `count` submitted requests of API Entreprise, by SQL. */
async function seedRequests(url: string, count: number): Promise<string[]> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    const { rows: organisations } = await db.query<{ id: string }>(
      `INSERT INTO organisations (siret, siren, name, legal_category, address, active, directory_checked_at)
       VALUES ('21457956700014', '214579567', 'COMMUNE DE SAINT-EXEMPLE-SUR-LOIRE', '7210', 'SAINT-EXEMPLE', true, now())
       RETURNING id`,
    );
    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO access_requests (definition, organisation_id, state)
       SELECT 'api-entreprise', $1, 'submitted' FROM generate_series(1, $2) RETURNING id`,
      [organisations[0]!.id, count],
    );
    return rows.map((row) => row.id);
  } finally {
    await db.end();
  }
}

await main();
