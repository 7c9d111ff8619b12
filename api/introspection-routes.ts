import express, { Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../app/deps';
import { defineRoute } from './route';
import { errorSchema } from './schemas';

export const INTROSPECTION_PATH = '/api/v1/introspect';

/**
 * `POST /api/v1/introspect` (RFC 7662) is mounted ahead of sessions and the JSON API: providers authenticate
 * with HTTP Basic, send a form, and call it for every request they serve, so nothing else runs on its path.
 */
export function introspectionRouter(deps: Pick<AppDeps, 'introspection'>): Router {
  const router = Router();
  router.post(
    INTROSPECTION_PATH,
    express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 10 }),
    async (req, res) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const answer = await deps.introspection.introspect({
        authorization: req.headers.authorization,
        token: body.token,
        tokenTypeHint: body.token_type_hint,
      });
      // RFC 7662 §2.2: the answer must not be cached by intermediaries.
      res
        .set({ 'Cache-Control': 'no-store', ...answer.headers })
        .status(answer.status)
        .json(answer.body);
    },
  );
  return router;
}

const introspectionBody = z.object({
  token: z.string().meta({
    description:
      'A bearer token (`sesame_…`), or with `token_type_hint=basic_credentials` the base64 of `login:password` of a technical account.',
  }),
  token_type_hint: z.enum(['access_token', 'basic_credentials']).optional(),
});

const activeSchema = z
  .object({
    active: z.boolean(),
    scope: z.string().optional().meta({ description: 'Space-separated scopes.' }),
    exp: z.number().int().optional(),
    iat: z.number().int().optional(),
    sub: z.string().optional().meta({ description: 'The habilitation (token) or the technical account.' }),
    username: z.string().optional().meta({ description: 'Technical accounts: the login.' }),
    token_type: z.enum(['Bearer', 'basic_credentials']).optional(),
    organisation: z.object({ siret: z.string(), name: z.string() }).optional(),
  })
  .meta({ id: 'IntrospectionAnswer' });

/** Its declaration, for the OpenAPI document only (the route above serves it). */
export const introspectionDocumentation = defineRoute({
  method: 'post',
  path: '/introspect',
  summary: 'Introspect a credential (RFC 7662)',
  description:
    'For API providers, authenticated with their client credentials (HTTP Basic). The body is form-encoded (`application/x-www-form-urlencoded`). Anything unknown, expired, revoked, malformed, or belonging to another provider’s API answers `{"active": false}`.',
  tags: ['Providers'],
  auth: 'public',
  body: introspectionBody,
  responses: {
    200: { description: 'The credential’s state.', schema: activeSchema },
    400: { description: 'No `token` parameter.', schema: errorSchema },
    401: {
      description: 'Missing or wrong client credentials (with `WWW-Authenticate: Basic`).',
      schema: errorSchema,
    },
  },
  handler: () => Promise.reject(new Error('served by introspectionRouter')),
});

/** The OpenAPI document says the truth about this route: a form body and HTTP Basic. */
export function documentIntrospection(document: Record<string, unknown>): void {
  const doc = document as {
    paths?: Record<
      string,
      { post?: { requestBody?: { content?: Record<string, unknown> }; security?: unknown } }
    >;
    components?: { securitySchemes?: Record<string, unknown> };
  };
  const operation = doc.paths?.[INTROSPECTION_PATH]?.post;
  if (!operation?.requestBody?.content) return;
  const content = operation.requestBody.content;
  content['application/x-www-form-urlencoded'] = content['application/json'];
  delete content['application/json'];
  operation.security = [{ providerBasic: [] }];
  doc.components ??= {};
  doc.components.securitySchemes = {
    ...doc.components.securitySchemes,
    providerBasic: { type: 'http', scheme: 'basic', description: 'A provider’s client id and secret.' },
  };
}
