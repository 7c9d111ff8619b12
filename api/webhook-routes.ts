import { definitionIdentifier } from '../domain/definitions.ts';
import { z } from 'zod';
import type { AppDeps } from '../app/deps.ts';
import {
  createEndpointSchema,
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  deliveriesQuerySchema,
  listWebhookDeliveries,
  listWebhookEndpoints,
  replayFailedSchema,
  replayFailedWebhookDeliveries,
  replayWebhookDelivery,
  rotateWebhookSecret,
  sendWebhookTest,
  updateEndpointSchema,
  updateWebhookEndpoint,
  viewWebhookEndpoint,
} from '../app/webhooks.ts';
import { idSchema } from '../domain/identifiers.ts';
import { WEBHOOK_EVENT_TYPES } from '../domain/webhooks.ts';
import type { DeliveryView, WebhookEndpoint } from '../store/webhooks.ts';
import { ACCESS } from './access-policies.ts';
import { defineRoute } from './route.ts';
import { errorSchema } from './schemas.ts';

const definitionParams = z.object({ slug: definitionIdentifier });
const endpointParams = z.object({ slug: definitionIdentifier, id: idSchema });
const deliveryParams = z.object({ slug: definitionIdentifier, id: idSchema, eventId: idSchema });

const endpointSchema = z
  .object({
    id: z.uuid(),
    definition: z.string(),
    url: z.string(),
    events: z.array(z.enum(WEBHOOK_EVENT_TYPES)),
    status: z.enum(['pending', 'active', 'disabled']).meta({
      description:
        '`pending` until an event (the test event first) was answered 2xx; `disabled` by hand, on a 410, or after failing continuously (5 days by default).',
    }),
    disabledReason: z.enum(['manual', 'gone', 'failing']).nullable(),
    previousSecretUntil: z.iso.datetime().nullable().meta({
      description: 'After a rotation: until when the previous secret still signs beside the new one.',
    }),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'WebhookEndpoint' });

const endpointWithSecretSchema = endpointSchema
  .extend({
    secret: z.string().meta({ description: '`whsec_` + base64 of 32 bytes: shown this once, never again.' }),
  })
  .meta({ id: 'WebhookEndpointWithSecret' });

const deliverySchema = z
  .object({
    eventId: z.uuid().meta({ description: 'The `webhook-id` of every attempt and replay.' }),
    type: z.string(),
    status: z.enum(['pending', 'delivered', 'failed']),
    createdAt: z.iso.datetime(),
    attempts: z.array(
      z.object({
        run: z.number().int().meta({ description: '1, then one more per replay.' }),
        attempt: z.number().int(),
        at: z.iso.datetime(),
        statusCode: z.number().int().nullable(),
        durationMs: z.number().int(),
        responseExcerpt: z.string().nullable().meta({ description: 'The answer’s first kilobyte at most.' }),
        error: z.string().nullable().meta({ description: 'Why no answer came (timeout, refused address…).' }),
      }),
    ),
  })
  .meta({ id: 'WebhookDelivery' });

function toEndpoint(endpoint: WebhookEndpoint): z.input<typeof endpointSchema> {
  return {
    id: endpoint.id,
    definition: endpoint.definition,
    url: endpoint.url,
    events: endpoint.events as (typeof WEBHOOK_EVENT_TYPES)[number][],
    status: endpoint.status,
    disabledReason: endpoint.disabledReason,
    previousSecretUntil:
      endpoint.previousSecretUntil && endpoint.previousSecretUntil > new Date()
        ? endpoint.previousSecretUntil.toISOString()
        : null,
    createdAt: endpoint.createdAt.toISOString(),
    updatedAt: endpoint.updatedAt.toISOString(),
  };
}

function toDelivery(delivery: DeliveryView): z.input<typeof deliverySchema> {
  return {
    ...delivery,
    createdAt: delivery.createdAt.toISOString(),
    attempts: delivery.attempts.map((attempt) => ({ ...attempt, at: attempt.at.toISOString() })),
  };
}

const notFound = {
  description: 'Unknown definition or endpoint, or not a developer of this definition nor a platform admin.',
  schema: errorSchema,
};
const TAGS = ['Webhooks'];

export function webhookRoutes(deps: AppDeps) {
  return [
    defineRoute({
      method: 'post',
      path: '/definitions/:slug/webhooks',
      summary: 'Add a webhook endpoint',
      description:
        'The definition’s developers and platform admins. The URL must be https and resolve to public addresses ' +
        '(checked again at each delivery). Without `events`, every event. A test event is sent at once.',
      tags: TAGS,
      auth: 'session',
      access: ACCESS.definitionDevelopers,
      params: definitionParams,
      body: createEndpointSchema,
      responses: {
        201: { description: 'Created; the secret is in this answer only.', schema: endpointWithSecretSchema },
        404: notFound,
        422: { description: 'A URL refused, an empty or unknown event list.', schema: errorSchema },
      },
      handler: async ({ user, params, body }) => {
        const { endpoint, secret } = await createWebhookEndpoint(deps, user, params.slug, body);
        return { status: 201, body: { ...toEndpoint(endpoint), secret } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/definitions/:slug/webhooks',
      summary: 'List the webhook endpoints of a definition',
      tags: TAGS,
      auth: 'session',
      access: ACCESS.definitionDevelopers,
      params: definitionParams,
      responses: {
        200: { description: 'Oldest first.', schema: z.object({ webhooks: z.array(endpointSchema) }) },
        404: notFound,
      },
      handler: async ({ user, params }) => ({
        status: 200,
        body: { webhooks: (await listWebhookEndpoints(deps, user, params.slug)).map(toEndpoint) },
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/definitions/:slug/webhooks/:id',
      summary: 'A webhook endpoint',
      tags: TAGS,
      auth: 'session',
      access: ACCESS.definitionDevelopers,
      params: endpointParams,
      responses: { 200: { description: 'The endpoint.', schema: endpointSchema }, 404: notFound },
      handler: async ({ user, params }) => ({
        status: 200,
        body: toEndpoint(await viewWebhookEndpoint(deps, user, params.slug, params.id)),
      }),
    }),
    defineRoute({
      method: 'patch',
      path: '/definitions/:slug/webhooks/:id',
      summary: 'Change a webhook endpoint',
      description:
        'A new URL, or `enabled: true` on a disabled endpoint, sets it back to `pending` and sends a test event.',
      tags: TAGS,
      auth: 'session',
      access: ACCESS.definitionDevelopers,
      params: endpointParams,
      body: updateEndpointSchema,
      responses: {
        200: { description: 'The endpoint as changed.', schema: endpointSchema },
        404: notFound,
        422: { description: 'A URL refused, an empty or unknown event list.', schema: errorSchema },
      },
      handler: async ({ user, params, body }) => ({
        status: 200,
        body: toEndpoint(await updateWebhookEndpoint(deps, user, params.slug, params.id, body)),
      }),
    }),
    defineRoute({
      method: 'delete',
      path: '/definitions/:slug/webhooks/:id',
      summary: 'Delete a webhook endpoint',
      description: 'Deliveries in progress stop; the events stay in the catch-up feed.',
      tags: TAGS,
      auth: 'session',
      access: ACCESS.definitionDevelopers,
      params: endpointParams,
      responses: { 204: { description: 'Deleted.' }, 404: notFound },
      handler: async ({ user, params }) => {
        await deleteWebhookEndpoint(deps, user, params.slug, params.id);
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/definitions/:slug/webhooks/:id/test',
      summary: 'Send a test event',
      tags: TAGS,
      auth: 'session',
      access: ACCESS.definitionDevelopers,
      params: endpointParams,
      responses: {
        202: { description: 'Queued for delivery.', schema: z.object({ eventId: z.uuid() }) },
        404: notFound,
        409: { description: 'The endpoint is disabled.', schema: errorSchema },
      },
      handler: async ({ user, params }) => ({
        status: 202,
        body: await sendWebhookTest(deps, user, params.slug, params.id),
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/definitions/:slug/webhooks/:id/rotate-secret',
      summary: 'Rotate the signing secret',
      description:
        'A new secret, shown this once. The previous one keeps signing beside it (two `v1,` signatures) for 24 hours.',
      tags: TAGS,
      auth: 'session',
      access: ACCESS.definitionDevelopers,
      params: endpointParams,
      responses: {
        200: { description: 'The new secret.', schema: endpointWithSecretSchema },
        404: notFound,
      },
      handler: async ({ user, params }) => {
        const { endpoint, secret } = await rotateWebhookSecret(deps, user, params.slug, params.id);
        return { status: 200, body: { ...toEndpoint(endpoint), secret } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/definitions/:slug/webhooks/:id/deliveries',
      summary: 'Deliveries of an endpoint, with their attempts',
      description: 'Newest first; `after`: the deliveries older than that event’s (the next page).',
      tags: TAGS,
      auth: 'session',
      access: ACCESS.definitionDevelopers,
      params: endpointParams,
      query: deliveriesQuerySchema,
      responses: {
        200: {
          description: 'A page of deliveries.',
          schema: z.object({ deliveries: z.array(deliverySchema) }),
        },
        404: notFound,
        422: { description: 'An unknown status, a malformed event id or limit.', schema: errorSchema },
      },
      handler: async ({ user, params, query }) => ({
        status: 200,
        body: {
          deliveries: (await listWebhookDeliveries(deps, user, params.slug, params.id, query)).map(
            toDelivery,
          ),
        },
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/definitions/:slug/webhooks/:id/deliveries/:eventId/replay',
      summary: 'Deliver an event again',
      description: 'A new run of the schedule, with the same `webhook-id`.',
      tags: TAGS,
      auth: 'session',
      access: ACCESS.definitionDevelopers,
      params: deliveryParams,
      responses: {
        202: { description: 'Queued for delivery.' },
        404: { description: 'No such event for this endpoint (or see above).', schema: errorSchema },
        409: { description: 'The endpoint is disabled.', schema: errorSchema },
      },
      handler: async ({ user, params }) => {
        await replayWebhookDelivery(deps, user, params.slug, params.id, params.eventId);
        return { status: 202 };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/definitions/:slug/webhooks/:id/deliveries/replay-failed',
      summary: 'Deliver again every failed event since a date',
      tags: TAGS,
      auth: 'session',
      access: ACCESS.definitionDevelopers,
      params: endpointParams,
      body: replayFailedSchema,
      responses: {
        202: {
          description: 'How many were queued (1,000 at most per call).',
          schema: z.object({ replayed: z.number().int() }),
        },
        404: notFound,
        409: { description: 'The endpoint is disabled.', schema: errorSchema },
        422: { description: 'A malformed date.', schema: errorSchema },
      },
      handler: async ({ user, params, body }) => ({
        status: 202,
        body: await replayFailedWebhookDeliveries(deps, user, params.slug, params.id, body),
      }),
    }),
  ];
}
