import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { introspectionHandler, isIntrospectionRequest } from '../api/introspection-routes.ts';
import { createApp } from '../http/app.ts';
import { createSessionMiddleware } from '../http/session.ts';
import type { Services } from './services.ts';
import { VERSION } from './version.ts';

export interface RunningHttpServer {
  /** Where this process listens (the public address may differ, behind a proxy). */
  url: string;
  stop(): Promise<void>;
}

export async function startHttpServer(services: Services): Promise<RunningHttpServer> {
  const { config } = services;
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
  });
  // Providers' introspection calls skip Express: see api/introspection-routes.ts.
  const introspect = introspectionHandler({
    introspection: services.introspection,
    logger: services.logger.child({ component: 'introspection' }),
  });
  const server = http.createServer((req, res) =>
    isIntrospectionRequest(req) ? introspect(req, res) : app(req, res),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.http.port, config.http.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = config.http.host === '0.0.0.0' || config.http.host === '::' ? 'localhost' : config.http.host;

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    async stop() {
      // Stop accepting, let requests in flight finish, then drop idle keep-alive connections.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), 5_000);
      await closed;
      clearTimeout(timer);
      await session.close();
    },
  };
}
