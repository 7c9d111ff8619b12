import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type ErrorRequestHandler, type Express } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import { z } from 'zod';
import { createApiRouter } from '../api/index.ts';
import { oauthMetadataRouter } from '../api/oauth-metadata.ts';
import { apiErrorHandler } from '../api/errors.ts';
import type { AppDeps } from '../app/deps.ts';
import { configureViews } from '../web/views.ts';
import { webErrorHandler } from '../web/errors.ts';
import { createWebRouter } from '../web/router.ts';
import { loadCurrentUser } from './current-user.ts';
import { healthRouter } from './health.ts';
import { metricsHandler, nameRoute, type WebMetrics } from './metrics.ts';
import { requestLogging } from './request-logging.ts';
import { saveSessionBeforeRedirect, type SessionMiddleware } from './session.ts';

// Validation messages reach people through the API and the forms: in French, like the rest of the product.
z.config(z.locales.fr());

export interface HttpDeps extends AppDeps {
  logger: Logger;
  session: SessionMiddleware;
  publicUrl: URL;
  trustProxy: string;
  version: string;
  /** Outside production and without SMTP: the development mailbox is mounted. */
  devMailbox: boolean;
  smtp: boolean;
  metrics: WebMetrics;
  /** Set: /metrics is served on this app's port, with this text (outside production, or METRICS_PUBLIC). */
  publicMetrics: (() => Promise<string>) | undefined;
}

// Resolved like an import, so it holds from the sources, from dist/ and in the image alike.
const DSFR_DIST = path.join(
  path.dirname(createRequire(import.meta.url).resolve('@gouvfr/dsfr/package.json')),
  'dist',
);
const PUBLIC_DIR = fileURLToPath(new URL('../web/public', import.meta.url));

function parseTrustProxy(value: string): boolean | number | string {
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}

/** The whole HTTP surface of Sésame — pages, JSON API, health — as one Express application. */
export function createApp(deps: HttpDeps): Express {
  const app = express();
  const https = deps.publicUrl.protocol === 'https:';
  app.disable('x-powered-by');
  app.set('trust proxy', parseTrustProxy(deps.trustProxy));
  configureViews(app);

  app.use(deps.metrics.http);
  // Ahead of the request log: a scrape every few seconds is not worth a line each.
  if (deps.publicMetrics) app.get('/metrics', metricsHandler(deps.publicMetrics, deps.logger));
  app.use(requestLogging(deps.logger));
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          'default-src': ["'self'"],
          'script-src': ["'self'"],
          'style-src': ["'self'"],
          'img-src': ["'self'", 'data:'],
          'font-src': ["'self'"],
          'form-action': ["'self'"],
          'frame-ancestors': ["'none'"],
          'upgrade-insecure-requests': https ? [] : null,
        },
      },
      strictTransportSecurity: https ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    }),
  );

  app.use(healthRouter(deps));
  app.use(oauthMetadataRouter(deps.publicUrl));
  app.use('/dsfr', nameRoute('/dsfr/*'), express.static(DSFR_DIST, { index: false, maxAge: '7d' }));
  app.use('/static', nameRoute('/static/*'), express.static(PUBLIC_DIR, { index: false, maxAge: '1h' }));

  app.use(deps.session.middleware);
  app.use(saveSessionBeforeRedirect);
  app.use(loadCurrentUser(deps.db));
  app.use('/api', createApiRouter(deps, { version: deps.version, publicUrl: deps.publicUrl }));
  app.use(createWebRouter(deps, { devMailbox: deps.devMailbox, smtp: deps.smtp }));
  // Failures before the routers (session store, loading the user) get the same answers as inside them.
  app.use(((error, req, res, next) =>
    req.path.startsWith('/api/')
      ? apiErrorHandler(error, req, res, next)
      : webErrorHandler(error, req, res, next)) as ErrorRequestHandler);
  return app;
}
