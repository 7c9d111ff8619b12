import { z } from 'zod';
import type { AppDeps } from '../app/deps.ts';
import {
  feedProvider,
  feedQuerySchema,
  habilitationsQuerySchema,
  readEventFeed,
  readHabilitationFeed,
} from '../app/provider-feed.ts';
import type { ApiResult } from './route.ts';
import { ACCESS } from './access-policies.ts';
import { defineRoute } from './route.ts';
import { errorSchema } from './schemas.ts';

const UNAUTHORIZED: ApiResult = {
  status: 401,
  body: { error: 'invalid_client', message: 'Identifiants du fournisseur absents ou invalides.' },
  headers: {
    'WWW-Authenticate': 'Basic realm="sesame-provider", charset="UTF-8"',
    'Cache-Control': 'no-store',
  },
};

const feedEventSchema = z
  .object({
    id: z.uuid().meta({ description: 'The event id: the `webhook-id` of its deliveries.' }),
    type: z.string(),
    timestamp: z.iso.datetime(),
    data: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'WebhookEvent' });

const habilitationSchema = z
  .object({
    id: z.uuid(),
    requestId: z.uuid(),
    definition: z.string(),
    organisation: z.object({ siret: z.string(), name: z.string() }),
    scopes: z.array(z.string()),
    status: z.enum(['active', 'superseded', 'revoked']),
    validUntil: z.iso.datetime(),
    createdAt: z.iso.datetime(),
    endedAt: z.iso.datetime().nullable(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'ProviderHabilitation' });

const unauthorized = {
  description: 'Client credentials absent or wrong (HTTP Basic, as for introspection).',
  schema: errorSchema,
};

export function providerFeedRoutes(deps: AppDeps) {
  return [
    defineRoute({
      method: 'get',
      path: '/provider/events',
      summary: 'Catch-up feed of webhook events',
      description:
        'The events the definition’s webhooks receive, oldest first, with the provider’s client credentials ' +
        '(HTTP Basic). Pass the last event id received as `after`; `next` is the cursor for the next call. Only ' +
        'events of committed changes older than any change still in progress are listed, so a cursor never ' +
        'skips one.',
      tags: ['Webhooks'],
      auth: 'public',
      access: ACCESS.providerClients,
      query: feedQuerySchema,
      responses: {
        200: {
          description: 'A page of events.',
          schema: z.object({ events: z.array(feedEventSchema), next: z.uuid().nullable() }),
        },
        401: unauthorized,
        422: { description: 'A malformed or unknown cursor, a limit out of range.', schema: errorSchema },
      },
      handler: async ({ req, query }) => {
        const provider = await feedProvider(deps, { authorization: req.headers.authorization });
        if (!provider) return UNAUTHORIZED;
        return {
          status: 200,
          body: await readEventFeed(deps, provider, query),
          headers: { 'Cache-Control': 'no-store' },
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/provider/habilitations',
      summary: 'Habilitations of the provider’s definition, changed since a date',
      description:
        'Created, superseded or revoked since `updated_since` (included), in the order of the transactions ' +
        'that changed them; with the provider’s client credentials (HTTP Basic). Pass `next` as `after` for ' +
        'the following page (it wins over `updated_since`): several changes may share an instant, so a date ' +
        'alone cannot page. Only changes committed before every change still in progress are listed, so a ' +
        'cursor never skips one.',
      tags: ['Webhooks'],
      auth: 'public',
      access: ACCESS.providerClients,
      query: habilitationsQuerySchema,
      responses: {
        200: {
          description: 'The habilitations.',
          schema: z.object({
            habilitations: z.array(habilitationSchema),
            next: z
              .string()
              .nullable()
              .meta({ description: 'The cursor of the following page, as `after`.' }),
          }),
        },
        401: unauthorized,
        422: { description: 'A malformed date, cursor or limit.', schema: errorSchema },
      },
      handler: async ({ req, query }) => {
        const provider = await feedProvider(deps, { authorization: req.headers.authorization });
        if (!provider) return UNAUTHORIZED;
        return {
          status: 200,
          body: await readHabilitationFeed(deps, provider, query),
          headers: { 'Cache-Control': 'no-store' },
        };
      },
    }),
  ];
}
