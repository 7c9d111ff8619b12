import { z } from 'zod';
import type { AppDeps } from '../app/deps.ts';
import { feedQuerySchema, viewOrganisationFeed } from '../app/organisation-feed.ts';
import { ORGANISATION_EVENT_TYPES } from '../domain/organisation-events.ts';
import { siretParams } from './organisation-params.ts';
import { ACCESS } from './access-policies.ts';
import { defineRoute } from './route.ts';
import { errorSchema } from './schemas.ts';

const eventSchema = z
  .object({
    id: z.uuid(),
    occurredAt: z.iso.datetime(),
    type: z.enum(ORGANISATION_EVENT_TYPES),
    label: z.string().meta({ description: 'Short French label of the type.' }),
    message: z.string().meta({ description: 'The feed’s French sentence.' }),
    actor: z.object({ id: z.uuid(), name: z.string() }).nullable(),
    details: z
      .record(z.string(), z.unknown())
      .meta({ description: 'Identifiers and short labels, depending on the type (never a secret).' }),
  })
  .meta({ id: 'OrganisationEvent' });

export function organisationEventRoutes(deps: AppDeps) {
  return [
    defineRoute({
      method: 'get',
      path: '/organisations/:siret/events',
      summary: 'The organisation’s event feed',
      description:
        'Every active member: joins, role changes, invitation codes, requests and credentials, newest first, ' +
        'a page at a time.',
      tags: ['Organisations'],
      auth: 'session',
      access: ACCESS.organisationMembers,
      params: siretParams,
      query: feedQuerySchema,
      responses: {
        200: {
          description: 'A page of events.',
          schema: z.object({
            events: z.array(eventSchema),
            page: z.number().int(),
            pageSize: z.number().int(),
            hasMore: z.boolean(),
          }),
        },
        404: { description: 'Unknown organisation, or not an active member.', schema: errorSchema },
      },
      handler: async ({ user, params, query }) => {
        const feed = await viewOrganisationFeed(deps, user, params.siret, query);
        return {
          status: 200,
          body: {
            page: feed.page,
            pageSize: feed.pageSize,
            hasMore: feed.hasMore,
            events: feed.events.map((event) => ({
              id: event.id,
              occurredAt: event.occurredAt.toISOString(),
              type: event.type,
              label: event.label,
              message: event.message,
              actor: event.actor,
              details: event.details,
            })),
          },
        };
      },
    }),
  ];
}
