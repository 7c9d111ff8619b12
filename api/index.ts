import express, { Router } from 'express';
import type { AppDeps } from '../app/deps';
import { accountRoutes } from './account-routes';
import { adminRoutes } from './admin-routes';
import { credentialRoutes } from './credential-routes';
import { apiErrorHandler, apiNotFound } from './errors';
import { documentIntrospection, introspectionDocumentation } from './introspection-routes';
import { buildOpenApiDocument } from './openapi';
import { invitationRoutes } from './invitation-routes';
import { memberRoutes } from './member-routes';
import { organisationEventRoutes } from './organisation-event-routes';
import { organisationRoutes } from './organisation-routes';
import { mountRoute, type AnyRoute } from './route';
import { instructionRoutes } from './instruction-routes';
import { requestRoutes } from './request-routes';
import { sessionRoutes } from './session-routes';

export function apiRoutes(deps: AppDeps): AnyRoute[] {
  return [
    ...sessionRoutes(deps),
    ...accountRoutes(deps),
    ...organisationRoutes(deps),
    ...adminRoutes(deps),
    ...requestRoutes(deps),
    ...instructionRoutes(deps),
    ...invitationRoutes(deps),
    ...memberRoutes(deps),
    ...organisationEventRoutes(deps),
    ...credentialRoutes(deps),
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
  v1.use(express.json({ limit: '1mb' }));
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
