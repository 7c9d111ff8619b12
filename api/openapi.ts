import { z } from 'zod';
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject } from 'zod-openapi';
import { SESSION_COOKIE } from '../http/session.ts';
import type { AnyRoute } from './route.ts';
import { errorSchema } from './schemas.ts';

const json = (schema: z.ZodType) => ({ content: { 'application/json': { schema } } });
const zFile = () => z.string().meta({ format: 'binary', description: 'The file.' });

/** Answers every route may give besides its own, documented once here rather than on each route. */
function commonResponses(route: AnyRoute): ZodOpenApiOperationObject['responses'] {
  const responses: ZodOpenApiOperationObject['responses'] = {};
  if (route.auth === 'session') {
    responses['401'] = { description: 'Not signed in.', ...json(errorSchema) };
    if (route.method !== 'get') {
      responses['403'] = { description: 'Missing or invalid X-CSRF-Token.', ...json(errorSchema) };
    }
  }
  if (route.body !== undefined) {
    responses['400'] = { description: 'Malformed JSON.', ...json(errorSchema) };
    responses['415'] = { description: 'The body is not JSON.', ...json(errorSchema) };
  }
  if (route.body !== undefined || route.query !== undefined) {
    responses['422'] = { description: 'Invalid fields, each listed in `errors`.', ...json(errorSchema) };
  }
  responses['500'] = { description: 'Unexpected error (never with details).', ...json(errorSchema) };
  return responses;
}

export function buildOpenApiDocument(routes: AnyRoute[], info: { version: string; serverUrl: string }) {
  const paths: ZodOpenApiPathsObject = {};
  for (const route of routes) {
    const path = `/api/v1${route.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`;
    const own = Object.fromEntries(
      Object.entries(route.responses).map(([status, spec]) => [
        status,
        {
          description: spec.description,
          ...(spec.mediaType
            ? { content: { [spec.mediaType]: { schema: spec.schema ?? z.string() } } }
            : spec.schema
              ? json(spec.schema)
              : {}),
        },
      ]),
    );
    const operation: ZodOpenApiOperationObject = {
      summary: route.summary,
      description: route.description,
      tags: route.tags,
      security: route.auth === 'session' ? [{ sessionCookie: [], csrfToken: [] }] : [],
      // Who may call it, as declared (api/access-policies.ts): kinds of person relative to the object.
      'x-sesame-access': route.access,
      ...(route.params || route.query
        ? {
            requestParams: {
              ...(route.params && { path: route.params }),
              ...(route.query && { query: route.query }),
            },
          }
        : {}),
      ...(route.upload
        ? {
            requestBody: {
              required: true,
              description: route.upload.description,
              content: {
                'multipart/form-data': {
                  schema: (route.body as z.ZodObject<z.ZodRawShape>).extend({
                    [route.upload.field]: zFile(),
                  }),
                },
              },
            },
          }
        : route.body
          ? { requestBody: { required: true, ...json(route.body) } }
          : {}),
      responses: { ...commonResponses(route), ...own },
    };
    paths[path] = { ...paths[path], [route.method]: operation };
  }
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'Sésame API',
      version: info.version,
      description:
        'Habilitations aux API publiques : comptes, demandes d’accès, instruction, jetons et comptes techniques.',
    },
    servers: [{ url: info.serverUrl }],
    paths,
    components: {
      securitySchemes: {
        sessionCookie: {
          type: 'apiKey',
          in: 'cookie',
          name: SESSION_COOKIE,
          description: 'Set by POST /api/v1/session.',
        },
        csrfToken: {
          type: 'apiKey',
          in: 'header',
          name: 'X-CSRF-Token',
          description: 'Returned by POST /api/v1/session; required on every call that changes state.',
        },
      },
    },
  });
}
