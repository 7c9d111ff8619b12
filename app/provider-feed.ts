import { z } from 'zod';
import { AppError } from '../domain/errors.ts';
import type { ProviderCredential } from '../store/provider-credentials.ts';
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

export const habilitationsQuerySchema = z.object({
  updated_since: z.iso
    .datetime({ offset: true, error: 'Date et heure ISO 8601 attendues, par exemple 2026-11-30T00:00:00Z.' })
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

export interface FeedHabilitation {
  id: string;
  requestId: string;
  definition: string;
  organisation: { siret: string; name: string };
  scopes: string[];
  status: 'active' | 'superseded' | 'revoked';
  validUntil: string;
  createdAt: string;
  endedAt: string | null;
  updatedAt: string;
}

/** The definition's habilitations changed since a date (created, superseded, revoked), oldest change first. */
export async function readHabilitationFeed(
  deps: AppDeps,
  provider: ProviderCredential,
  query: z.output<typeof habilitationsQuerySchema>,
): Promise<{ habilitations: FeedHabilitation[] }> {
  const { rows } = await deps.db.query<{
    id: string;
    request_id: string;
    definition: string;
    siret: string;
    name: string;
    scopes: string[];
    status: FeedHabilitation['status'];
    valid_until: Date;
    created_at: Date;
    ended_at: Date | null;
    updated_at: Date;
  }>(
    `SELECT h.id, h.request_id, h.definition, o.siret, o.name, h.scopes, h.status, h.valid_until, h.created_at,
            h.ended_at, greatest(h.created_at, h.ended_at) AS updated_at
       FROM habilitations h JOIN organisations o ON o.id = h.organisation_id
      WHERE h.definition = $1 AND ($2::timestamptz IS NULL OR greatest(h.created_at, h.ended_at) >= $2)
      ORDER BY updated_at, h.id
      LIMIT $3`,
    [provider.definition, query.updated_since ?? null, query.limit],
  );
  return {
    habilitations: rows.map((row) => ({
      id: row.id,
      requestId: row.request_id,
      definition: row.definition,
      organisation: { siret: row.siret, name: row.name },
      scopes: row.scopes,
      status: row.status,
      validUntil: row.valid_until.toISOString(),
      createdAt: row.created_at.toISOString(),
      endedAt: row.ended_at?.toISOString() ?? null,
      updatedAt: row.updated_at.toISOString(),
    })),
  };
}
