import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { IntrospectionMetrics } from '../api/introspection-routes.ts';
import { outboxBacklog, type OutboxBacklog } from '../store/outbox.ts';
import type { Db } from '../store/pool.ts';
import { countLiveSessions } from '../store/sessions.ts';

/**
 * Every Prometheus metric of Sésame's own, in one place. Each web app gets a registry of its own (tests run
 * several apps in one process); Node's metrics belong to the process and are collected once (`nodeMetrics`).
 * Labels are bounded by construction: route patterns, never URLs, ids or anything personal.
 */

export const METRICS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

/** More Prometheus text for the same scrape (the Temporal SDK's exporter); '' when it has none to give. */
export type MetricsSource = () => Promise<string>;

/** The route label of requests no route matched (404s, failures before the routers). */
export const UNMATCHED_ROUTE = 'unmatched';

const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** A scrape never waits longer than this on Postgres: Prometheus's own timeout is often 10 s. */
const QUERY_TIMEOUT_MS = 2_000;

let processRegistry: Registry | undefined;

/**
 * CPU, memory, handles, event-loop lag, garbage collection: describe the process whatever the number of apps
 * in it, and each collection starts event-loop and GC observers that are never stopped, so once per process.
 */
function nodeMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** The text of one scrape: Node's metrics, then each source's. */
export async function renderMetrics(sources: MetricsSource[]): Promise<string> {
  const texts = await Promise.all([nodeMetrics().metrics(), ...sources.map((source) => source())]);
  return texts
    .map((text) => text.trim())
    .filter((text) => text !== '')
    .map((text) => `${text}\n`)
    .join('\n');
}

export interface WebMetrics extends IntrospectionMetrics {
  /** First in the Express chain: counts and times each response under its route's pattern. */
  http: RequestHandler;
  /** This app's metrics, its gauges read from Postgres at the time of the call. */
  source: MetricsSource;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A gauge read at each scrape, and left out of a scrape whose read failed (a reset gauge would say 0). */
class DatabaseGauge extends Gauge {
  constructor(
    name: string,
    help: string,
    registry: Registry,
    private readonly read: () => Promise<number | undefined>,
  ) {
    super({ name, help, registers: [registry] });
  }

  override async get() {
    const value = await this.read();
    if (value === undefined) return { ...(await super.get()), values: [] };
    this.set(value);
    return super.get();
  }
}

/**
 * Gauges computed from Postgres by several queries at each scrape. prom-client asks each gauge separately,
 * all in the same turn: they share one read per scrape. A failed read leaves them out of that scrape (a stale
 * value would lie) and counts the failure; the rest of the scrape is served.
 */
function databaseGauges(registry: Registry, deps: { db: Db; logger: Logger }) {
  const failures = new Counter({
    name: 'sesame_metrics_database_errors_total',
    help: 'Scrapes whose Postgres figures (outbox, sessions) could not be read in time; those gauges were left out.',
    registers: [registry],
    // Counted in the scrape that failed, not the next one.
    async collect() {
      await read();
    },
  });
  let reading: Promise<{ outbox: OutboxBacklog; sessions: number } | undefined> | undefined;
  const read = () => {
    reading ??= withTimeout(
      Promise.all([outboxBacklog(deps.db), countLiveSessions(deps.db)]),
      QUERY_TIMEOUT_MS,
      'metrics query',
    )
      .then(([outbox, sessions]) => ({ outbox, sessions }))
      .catch((error: unknown) => {
        failures.inc();
        deps.logger.warn({ err: error }, 'metrics: Postgres figures left out of this scrape');
        return undefined;
      })
      .finally(() => {
        reading = undefined;
      });
    return reading;
  };
  const gauge = (
    name: string,
    help: string,
    value: (figures: { outbox: OutboxBacklog; sessions: number }) => number,
  ) =>
    new DatabaseGauge(name, help, registry, async () => {
      const figures = await read();
      return figures && value(figures);
    });
  gauge(
    'sesame_email_outbox_pending',
    'Emails waiting for delivery (including those between retries).',
    (figures) => figures.outbox.pending,
  );
  gauge(
    'sesame_email_outbox_oldest_pending_age_seconds',
    'Age of the oldest email waiting for delivery; 0 when none waits.',
    (figures) => figures.outbox.oldestPendingAgeSeconds,
  );
  gauge(
    'sesame_email_outbox_failed',
    'Emails given up on (refused by the SMTP server, or still failing after MAIL_GIVE_UP_AFTER).',
    (figures) => figures.outbox.failed,
  );
  gauge('sesame_sessions', 'Signed-in sessions that have not expired.', (figures) => figures.sessions);
}

/**
 * Express's router sets `req.route` to each route that matches, while `req.baseUrl` still holds the path the
 * enclosing routers were mounted at. By the time the response ends, an error on its way out to the app's
 * handler has reset `baseUrl`; so the assignment itself is caught. Mount paths are literal (`/api`, `/v1`): a
 * mount with a parameter would put its value in the label.
 */
function captureRoutePattern(req: Parameters<RequestHandler>[0]): () => string | undefined {
  let route: unknown;
  let pattern: string | undefined;
  Object.defineProperty(req, 'route', {
    configurable: true,
    enumerable: true,
    get: () => route,
    set(value: { path?: unknown } | undefined) {
      route = value;
      pattern = value ? `${req.baseUrl}${String(value.path)}` : undefined;
    },
  });
  return () => pattern;
}

export function createWebMetrics(deps: { db: Db; logger: Logger }): WebMetrics {
  const registry = new Registry();
  const requests = new Counter({
    name: 'sesame_http_requests_total',
    help: 'HTTP responses, by method, route pattern and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const durations = new Histogram({
    name: 'sesame_http_request_duration_seconds',
    help: 'Time from the request to the end of its response, by method and route pattern.',
    labelNames: ['method', 'route'] as const,
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  const introspections = new Counter({
    name: 'sesame_introspection_answers_total',
    help: 'Introspection calls by outcome, and whether the caches they consulted answered (hit), or Postgres or argon2 had to (miss).',
    labelNames: ['outcome', 'cache'] as const,
    registers: [registry],
  });
  databaseGauges(registry, deps);

  const observeRequest: WebMetrics['observeRequest'] = ({ method, route, status }, seconds) => {
    requests.inc({ method, route, status: String(status) });
    durations.observe({ method, route }, seconds);
  };

  return {
    http(req, res, next) {
      const started = process.hrtime.bigint();
      const pattern = captureRoutePattern(req);
      res.once('finish', () => {
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        observeRequest(
          {
            method: req.method,
            route: pattern() ?? namedRoute(res) ?? UNMATCHED_ROUTE,
            status: res.statusCode,
          },
          seconds,
        );
      });
      next();
    },
    observeRequest,
    observeIntrospection(outcome, cache) {
      introspections.inc({ outcome, cache });
    },
    source: () => registry.metrics(),
  };
}

const ROUTE_NAME = Symbol('metrics route name');

/**
 * For what middleware answers rather than a route (static files): the label its responses get, unless a
 * route or a failure answers instead.
 */
export function nameRoute(name: string): RequestHandler {
  return (_req, res, next) => {
    (res as unknown as Record<symbol, string>)[ROUTE_NAME] = name;
    next();
  };
}

function namedRoute(res: Parameters<RequestHandler>[1]): string | undefined {
  return res.statusCode < 400
    ? (res as unknown as Record<symbol, string | undefined>)[ROUTE_NAME]
    : undefined;
}

/**
 * GET /metrics: a plain node:http handler, so that the app (METRICS_PUBLIC) and the listener of its own
 * (METRICS_PORT) serve it alike.
 */
export function metricsHandler(render: () => Promise<string>, logger: Logger) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    render().then(
      (text) => {
        res.writeHead(200, {
          'Content-Type': METRICS_CONTENT_TYPE,
          'Content-Length': Buffer.byteLength(text),
          'Cache-Control': 'no-store',
        });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'metrics: scrape failed');
        res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end('metrics unavailable\n');
      },
    );
  };
}
