import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Introspection, IntrospectionCacheUse, IntrospectionOutcome } from '../app/introspection.ts';
import { problemOf } from '../app/problems.ts';
import { ACCESS } from './access-policies.ts';
import { defineRoute } from './route.ts';
import { errorSchema } from './schemas.ts';

export const INTROSPECTION_PATH = '/api/v1/introspect';
const MAX_BODY_BYTES = 8 * 1024;

/**
 * `POST /api/v1/introspect` (RFC 7662) is the providers' hot path: they call it for every request they serve.
 * It is answered by this plain node:http handler, ahead of Express (runtime/http-server.ts), so that none of the
 * pages' machinery (sessions, security headers for HTML, per-request log lines) runs on it. Its declaration for
 * the OpenAPI document is below. Failures are logged; successful calls are not, one by one.
 */
export function isIntrospectionRequest(req: IncomingMessage): boolean {
  return req.url === INTROSPECTION_PATH || req.url?.startsWith(`${INTROSPECTION_PATH}?`) === true;
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const json = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(json),
    // RFC 7662 §2.2: never cached by intermediaries.
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    ...headers,
  });
  res.end(json);
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Past the limit the rest is read and dropped, so that the client still gets its 413.
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Introspection's outcomes in the metrics: what the application answered, or why nothing was. */
export type IntrospectionMetricOutcome = IntrospectionOutcome | 'unavailable' | 'error';

/** Where each call's figures go (http/metrics.ts): Express's request metrics never see this route. */
export interface IntrospectionMetrics {
  observeRequest(labels: { method: string; route: string; status: number }, seconds: number): void;
  observeIntrospection(outcome: IntrospectionMetricOutcome, cache: IntrospectionCacheUse): void;
}

export function introspectionHandler(deps: {
  introspection: Introspection;
  logger: Logger;
  metrics: IntrospectionMetrics;
}) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const started = process.hrtime.bigint();
    const answered = (status: number, outcome: IntrospectionMetricOutcome, cache: IntrospectionCacheUse) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      deps.metrics.observeRequest(
        { method: req.method ?? 'GET', route: INTROSPECTION_PATH, status },
        seconds,
      );
      deps.metrics.observeIntrospection(outcome, cache);
    };
    void (async () => {
      if (req.method !== 'POST') {
        send(res, 405, { error: 'method_not_allowed', message: 'Utilisez POST.' }, { Allow: 'POST' });
        answered(405, 'invalid_request', 'none');
        return;
      }
      const declared = Number(req.headers['content-length'] ?? 0);
      const raw = declared > MAX_BODY_BYTES * 4 ? undefined : await readBody(req);
      if (raw === undefined) {
        send(res, 413, {
          error: 'payload_too_large',
          message: 'Le corps de la requête est trop volumineux.',
        });
        answered(413, 'invalid_request', 'none');
        return;
      }
      const form = (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')
        ? new URLSearchParams(raw)
        : new URLSearchParams();
      const answer = await deps.introspection.introspect({
        authorization: req.headers.authorization,
        clientId: form.get('client_id') ?? undefined,
        clientSecret: form.get('client_secret') ?? undefined,
        token: form.get('token') ?? undefined,
        tokenTypeHint: form.get('token_type_hint') ?? undefined,
      });
      send(res, answer.status, answer.body, answer.headers);
      answered(answer.status, answer.outcome, answer.cache);
    })().catch((error: unknown) => {
      const unavailable = problemOf(error)?.kind === 'Unavailable';
      deps.logger[unavailable ? 'warn' : 'error']({ err: error }, 'introspection failed');
      answered(unavailable ? 503 : 500, unavailable ? 'unavailable' : 'error', 'none');
      if (res.headersSent) return void res.destroy();
      send(
        res,
        unavailable ? 503 : 500,
        unavailable
          ? { error: 'service_unavailable', message: 'Le service est momentanément indisponible.' }
          : { error: 'internal_error', message: 'Une erreur interne est survenue.' },
        unavailable ? { 'Retry-After': '30' } : {},
      );
    });
  };
}

const introspectionBody = z.object({
  token: z.string().meta({
    description:
      'A bearer token (`sesame_…`), or with `token_type_hint=basic_credentials` the base64 of `login:password` of a technical account.',
  }),
  token_type_hint: z.enum(['access_token', 'basic_credentials']).optional(),
  client_id: z.string().optional().meta({
    description: '`client_secret_post`: the provider’s client id, instead of HTTP Basic (never both).',
  }),
  client_secret: z.string().optional().meta({ description: '`client_secret_post`: its secret.' }),
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

/** Its declaration, for the OpenAPI document only (the handler above serves it). */
export const introspectionDocumentation = defineRoute({
  method: 'post',
  path: '/introspect',
  summary: 'Introspect a credential (RFC 7662)',
  description:
    'For API providers, authenticated with their client credentials: HTTP Basic (`client_secret_basic`, id and secret form-urlencoded then Base64 as RFC 6749 §2.3.1 says, or as they are) or `client_id` and `client_secret` in the body (`client_secret_post`); `/.well-known/oauth-authorization-server` describes this for OAuth libraries. The body is form-encoded (`application/x-www-form-urlencoded`). Anything unknown, expired, revoked, malformed, or belonging to another provider’s API answers `{"active": false}`.',
  tags: ['Providers'],
  auth: 'public',
  access: ACCESS.providerClients,
  body: introspectionBody,
  responses: {
    200: { description: 'The credential’s state.', schema: activeSchema },
    400: { description: 'No `token` parameter, or two client authentication methods.', schema: errorSchema },
    401: {
      description: 'Missing or wrong client credentials (with `WWW-Authenticate: Basic`).',
      schema: errorSchema,
    },
    413: { description: 'Body over 8 KiB.', schema: errorSchema },
  },
  handler: () => Promise.reject(new Error('served by introspectionHandler')),
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
