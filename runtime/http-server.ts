import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { introspectionHandler, isIntrospectionRequest } from '../api/introspection-routes.ts';
import { createApp } from '../http/app.ts';
import { createWebMetrics, metricsHandler, renderMetrics, type MetricsSource } from '../http/metrics.ts';
import { createSessionMiddleware } from '../http/session.ts';
import type { Config } from './config.ts';
import type { Services } from './services.ts';
import { VERSION } from './version.ts';

export interface RunningHttpServer {
  /** Where this process listens (the public address may differ, behind a proxy). */
  url: string;
  /** Set when METRICS_PORT is: where /metrics is served, apart from the public port. */
  metricsUrl?: string;
  stop(): Promise<void>;
}

async function listen(server: http.Server, port: number, host: string): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const { port: actual } = server.address() as AddressInfo;
  const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  return `http://${shown.includes(':') ? `[${shown}]` : shown}:${actual}`;
}

/** Stop accepting, let requests in flight finish, then drop idle keep-alive connections. */
async function close(server: http.Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), 5_000);
  await closed;
  clearTimeout(timer);
}

/**
 * METRICS_PORT: /metrics on a listener of its own, which a deployment keeps off the public network (a
 * Kubernetes pod port that no Service exposes, a compose port left unpublished). Everything else is a 404.
 */
export async function startMetricsServer(
  config: Config,
  render: () => Promise<string>,
  logger: Logger,
): Promise<{ url: string; stop(): Promise<void> }> {
  const serve = metricsHandler(render, logger);
  const server = http.createServer((req, res) => {
    const path = req.url?.split('?', 1)[0];
    if (path === '/metrics' && (req.method === 'GET' || req.method === 'HEAD')) return serve(req, res);
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Not found: try /metrics\n');
  });
  const url = await listen(server, config.metrics.port!, config.metrics.host);
  return { url, stop: () => close(server) };
}

/**
 * The web pages and JSON API on PORT, and their metrics: on PORT too outside production (or with
 * METRICS_PUBLIC), on METRICS_PORT when it is set. `metricsSources` adds to the same scrape (the Temporal SDK's
 * metrics, when `npm start` runs a worker in this process).
 */
export async function startHttpServer(
  services: Services,
  options: { metricsSources?: MetricsSource[] } = {},
): Promise<RunningHttpServer> {
  const { config } = services;
  const metrics = createWebMetrics({ db: services.db, logger: services.logger });
  const renderAll = () => renderMetrics([metrics.source, ...(options.metricsSources ?? [])]);
  const session = createSessionMiddleware({
    db: services.db,
    secret: services.keys.sessionCookie,
    secureCookies: config.http.publicUrl.protocol === 'https:',
  });
  const app = createApp({
    ...services,
    session,
    publicUrl: config.http.publicUrl,
    trustProxy: config.http.trustProxy,
    version: VERSION,
    devMailbox: config.env !== 'production' && config.mail.smtpUrl === undefined,
    smtp: config.mail.smtpUrl !== undefined,
    metrics,
    publicMetrics: config.metrics.public ? renderAll : undefined,
  });
  // Providers' introspection calls skip Express: see api/introspection-routes.ts.
  const introspect = introspectionHandler({
    introspection: services.introspection,
    logger: services.logger.child({ component: 'introspection' }),
    metrics,
  });
  const server = http.createServer((req, res) =>
    isIntrospectionRequest(req) ? introspect(req, res) : app(req, res),
  );
  const url = await listen(server, config.http.port, config.http.host);
  let metricsServer: Awaited<ReturnType<typeof startMetricsServer>> | undefined;
  try {
    if (config.metrics.port !== undefined)
      metricsServer = await startMetricsServer(config, renderAll, services.logger);
  } catch (error) {
    await close(server);
    throw error;
  }

  return {
    url,
    metricsUrl: metricsServer?.url,
    async stop() {
      await Promise.all([close(server), metricsServer?.stop()]);
      await session.close();
    },
  };
}
