import { Router } from 'express';
import type { AppDeps } from '../app/deps.ts';
import { accountRoutes } from './account-routes.ts';
import { adminDirectoryRoutes } from './admin-directory-routes.ts';
import { adminRoutes } from './admin-routes.ts';
import { credentialRoutes } from './credential-routes.ts';
import { apiErrorHandler, apiNotFound } from './errors.ts';
import { documentIntrospection, introspectionDocumentation } from './introspection-routes.ts';
import { buildOpenApiDocument } from './openapi.ts';
import { invitationRoutes } from './invitation-routes.ts';
import { memberRoutes } from './member-routes.ts';
import { organisationEventRoutes } from './organisation-event-routes.ts';
import { organisationRoutes } from './organisation-routes.ts';
import { mountRoute, type AnyRoute } from './route.ts';
import { instructionRoutes } from './instruction-routes.ts';
import { requestRoutes } from './request-routes.ts';
import { sessionRoutes } from './session-routes.ts';
import { statisticsRoutes } from './statistics-routes.ts';
import { webhookRoutes } from './webhook-routes.ts';
import { providerFeedRoutes } from './provider-feed-routes.ts';
import { jsonBody } from '../http/json-body.ts';

export function apiRoutes(deps: AppDeps): AnyRoute[] {
  return [
    ...sessionRoutes(deps),
    ...accountRoutes(deps),
    ...organisationRoutes(deps),
    ...adminRoutes(deps),
    ...adminDirectoryRoutes(deps),
    ...requestRoutes(deps),
    ...instructionRoutes(deps),
    ...invitationRoutes(deps),
    ...memberRoutes(deps),
    ...organisationEventRoutes(deps),
    ...credentialRoutes(deps),
    ...statisticsRoutes(deps),
    ...webhookRoutes(deps),
    ...providerFeedRoutes(deps),
  ];
}

/** The JSON API under /api/v1, and the JSON answers of everything under /api. */
export function createApiRouter(deps: AppDeps, options: { version: string; publicUrl: URL }): Router {
  const routes = apiRoutes(deps);
  // Introspection is served ahead of sessions (http/app.ts) and only documented here.
  const document = buildOpenApiDocument([...routes, introspectionDocumentation], {
    version: options.version,
    serverUrl: new URL('/', options.publicUrl).toString().replace(/\/$/, ''),
  });
  documentIntrospection(document as unknown as Record<string, unknown>);

  const v1 = Router();
  v1.use(jsonBody());
  v1.get('/openapi.json', (_req, res) => {
    res.json(document);
  });
  for (const route of routes) mountRoute(v1, route);

  const api = Router();
  api.use('/v1', v1);
  api.use(apiNotFound);
  api.use(apiErrorHandler);
  return api;
}
