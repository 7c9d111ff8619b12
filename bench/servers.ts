import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { sesameVerify } from '../packages/sesame-verify/index.ts';
import { loadConfig } from '../runtime/config.ts';
import { startHttpServer } from '../runtime/http-server.ts';
import { createLogger } from '../runtime/logger.ts';
import { openServices } from '../runtime/services.ts';

/**
 * The servers the benchmark loads, in one process of their own (the load generator runs in the parent):
 * Sésame's real HTTP stack (introspection); a bare node:http server answering a constant JSON — the baseline —
 * and the same server behind @sesame/verify; a provider's Express API behind @sesame/verify, and the same
 * endpoint without it. Prints their addresses as one JSON line.
 */
const env = { ...process.env, PORT: '0' } as Record<string, string>;
const config = loadConfig(env);
const logger = createLogger({ level: config.logLevel, name: 'bench' });
const services = openServices(config, {
  databaseUrl: config.database.url!,
  // Introspection never calls Temporal: the lazy connection is never opened.
  temporalAddress: '127.0.0.1:1',
  directoryUrl: 'http://127.0.0.1:1',
  logger,
  applicationName: 'sesame-bench',
});
const platform = await startHttpServer(services);

const listen = (server: http.Server) =>
  new Promise<string>((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    ),
  );

const body = JSON.stringify({ data: { siret: '21457956700014', etat_administratif: 'A' } });
const answer = (res: http.ServerResponse) => {
  res.writeHead(200, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
};
const bare = http.createServer((_req, res) => answer(res));

const provider = express();
provider.disable('x-powered-by');
// A JSON API answering fresh data: no ETag to compute on every answer.
provider.set('etag', false);
// One middleware (one cache) per measured server: each is warmed right before its own run, and its 30 s entries
// cannot expire during it.
const verification = () =>
  sesameVerify({
    introspectionUrl: `${platform.url}/api/v1/introspect`,
    clientId: env.BENCH_CLIENT_ID!,
    clientSecret: env.BENCH_CLIENT_SECRET!,
    cacheTtlMs: 30_000,
    negativeCacheTtlMs: 5_000,
  }).requireScopes('unites_legales_etablissements');
provider.get('/v3/etablissements/:siret', verification(), (_req, res) => {
  res.type('application/json').send(body);
});

// The bare server's very handler behind the middleware: what verification costs a provider, apart from any framework.
const guard = verification();
const verified = http.createServer((req, res) => guard(req, res, () => answer(res)));

// The same Express endpoint without verification: what the middleware itself costs, apart from Express.
provider.get('/sans-verification/etablissements/:siret', (_req, res) => {
  res.type('application/json').send(body);
});

const urls = {
  introspection: `${platform.url}/api/v1/introspect`,
  ...(await (async () => {
    const base = await listen(http.createServer(provider));
    return {
      expressMiddleware: `${base}/v3/etablissements/21457956700014`,
      express: `${base}/sans-verification/etablissements/21457956700014`,
    };
  })()),
  middleware: `${await listen(verified)}/v3/etablissements/21457956700014`,
  bare: `${await listen(bare)}/`,
};
console.log(JSON.stringify({ ready: urls }));

process.on('SIGTERM', () => {
  void (async () => {
    await platform.stop();
    await services.close();
    process.exit(0);
  })();
});
