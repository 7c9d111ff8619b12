import { z } from 'zod';
import { AppError } from '../domain/errors.ts';
import type { ProviderCredential } from '../store/provider-credentials.ts';
import { listHabilitationChanges, type HabilitationChange } from '../store/habilitations.ts';
import { listFeedEvents } from '../store/webhooks.ts';
import type { AppDeps } from './deps.ts';
import type { ProviderCredentialsInput } from './provider-authentication.ts';

/**
 * The catch-up feed (issue 14, item 6): the events webhooks push, read by the provider with its client
 * credentials, so that a receiver that was down loses nothing. Only the provider's definition's events.
 */
export const feedQuerySchema = z.object({
  after: z.uuid({ error: 'Identifiant d’évènement attendu (le dernier reçu).' }).optional(),
  limit: z.coerce
    .number({ error: 'Nombre attendu.' })
    .int('Nombre entier attendu.')
    .min(1, 'Au moins 1.')
    .max(1000, 'Au plus 1 000.')
    .default(100),
});

/** A page's `next`: the last change's transaction id and its habilitation's id. */
const CHANGE_CURSOR = /^(\d{1,19})\.([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

export const habilitationsQuerySchema = z.object({
  updated_since: z.iso
    .datetime({ offset: true, error: 'Date et heure ISO 8601 attendues, par exemple 2026-11-30T00:00:00Z.' })
    .optional(),
  after: z
    .string()
    .regex(CHANGE_CURSOR, 'Curseur attendu : la valeur « next » de la page précédente.')
    .optional(),
  limit: z.coerce
    .number({ error: 'Nombre attendu.' })
    .int('Nombre entier attendu.')
    .min(1, 'Au moins 1.')
    .max(1000, 'Au plus 1 000.')
    .default(500),
});

/** The calling provider; undefined when the credentials are absent, wrong, or sent both ways at once. */
export async function feedProvider(
  deps: AppDeps,
  credentials: ProviderCredentialsInput,
): Promise<ProviderCredential | undefined> {
  const provider = await deps.providers.authenticate(credentials);
  return provider === 'ambiguous' ? undefined : provider;
}

export interface FeedEvent {
  id: string;
  type: string;
  timestamp: string;
  data: Record<string, unknown>;
}

export async function readEventFeed(
  deps: AppDeps,
  provider: ProviderCredential,
  query: z.output<typeof feedQuerySchema>,
): Promise<{ events: FeedEvent[]; next: string | null }> {
  const rows = await listFeedEvents(deps.db, [provider.definition], query.after, query.limit);
  // A cursor that is not one of this provider's events names nothing it may read.
  if (rows === 'unknown_cursor')
    throw new AppError({
      kind: 'ValidationFailed',
      errors: [
        { path: 'after', message: 'Évènement inconnu : indiquez l’identifiant du dernier évènement reçu.' },
      ],
    });
  const events = rows.map((row) => ({ id: row.id, ...(row.payload as Omit<FeedEvent, 'id'>) }));
  return { events, next: events.at(-1)?.id ?? query.after ?? null };
}

/** A habilitation change as the feed's JSON carries it: its dates in ISO 8601. */
export type FeedHabilitation = Omit<
  HabilitationChange,
  'cursor' | 'validUntil' | 'createdAt' | 'endedAt' | 'updatedAt'
> & {
  validUntil: string;
  createdAt: string;
  endedAt: string | null;
  updatedAt: string;
};

/**
 * The definition's habilitations changed since a date (created, superseded, revoked), in their changes' order.
 * `next` continues after the page's last change; `after` wins over `updated_since` when both are given.
 */
export async function readHabilitationFeed(
  deps: AppDeps,
  provider: ProviderCredential,
  query: z.output<typeof habilitationsQuerySchema>,
): Promise<{ habilitations: FeedHabilitation[]; next: string | null }> {
  const cursor = query.after?.match(CHANGE_CURSOR);
  const changes = await listHabilitationChanges(
    deps.db,
    provider.definition,
    cursor ? { after: { txid: cursor[1]!, id: cursor[2]! } } : { since: query.updated_since },
    query.limit,
  );
  const last = changes.at(-1);
  return {
    habilitations: changes.map(({ cursor: _cursor, ...change }) => ({
      ...change,
      validUntil: change.validUntil.toISOString(),
      createdAt: change.createdAt.toISOString(),
      endedAt: change.endedAt?.toISOString() ?? null,
      updatedAt: change.updatedAt.toISOString(),
    })),
    next: last ? `${last.cursor.txid}.${last.cursor.id}` : (query.after ?? null),
  };
}
