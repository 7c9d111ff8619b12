import { z } from 'zod';
import {
  describeOrganisationEvent,
  ORGANISATION_EVENT_LABELS,
  type OrganisationEventInput,
} from '../domain/organisation-events.ts';
import { listOrganisationEvents } from '../store/organisation-events.ts';
import type { Organisation } from '../store/organisations.ts';
import type { User } from '../store/users.ts';
import type { AppDeps } from './deps.ts';
import { requireOrganisationAccess } from './organisation-access.ts';
import { parseInput } from './validation.ts';

export const FEED_PAGE_SIZE = 20;

export const feedQuerySchema = z.object({
  page: z.coerce
    .number({ error: 'Le numéro de page doit être un nombre entier positif.' })
    .int('Le numéro de page doit être un nombre entier positif.')
    .min(1, 'Le numéro de page doit être un nombre entier positif.')
    .max(100_000, 'Le numéro de page est trop grand.')
    .default(1),
});

export type FeedEntry = OrganisationEventInput & {
  id: string;
  occurredAt: Date;
  label: string;
  /** The sentence shown in the feed, in French. */
  message: string;
  actor: { id: string; name: string } | null;
};

export interface OrganisationFeed {
  organisation: Organisation;
  events: FeedEntry[];
  page: number;
  pageSize: number;
  hasMore: boolean;
}

/** The organisation's events, newest first, a page at a time, for every active member. */
export async function viewOrganisationFeed(
  deps: AppDeps,
  actor: User,
  siret: string,
  query: unknown = {},
): Promise<OrganisationFeed> {
  const { organisation } = await requireOrganisationAccess(deps.db, actor, siret, 'member');
  const { page } = parseInput(feedQuerySchema, query);
  const { events, hasMore } = await listOrganisationEvents(deps.db, organisation.id, {
    limit: FEED_PAGE_SIZE,
    offset: (page - 1) * FEED_PAGE_SIZE,
  });
  return {
    organisation,
    page,
    pageSize: FEED_PAGE_SIZE,
    hasMore,
    events: events.map((event) => ({
      ...event,
      label: ORGANISATION_EVENT_LABELS[event.type] ?? event.type,
      message: describeOrganisationEvent(event, {
        actor: event.actor?.name ?? null,
        person: (userId) => event.people[userId] ?? null,
      }),
    })),
  };
}
