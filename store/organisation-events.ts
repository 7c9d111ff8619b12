import {
  peopleNamedBy,
  type OrganisationEventInput,
  type OrganisationEventType,
} from '../domain/organisation-events.ts';
import type { Queryable } from './pool.ts';

/**
 * Records an event of the organisation's feed. Call it with the transaction that makes the change, so that
 * the feed never shows what did not happen nor misses what did.
 */
export async function recordOrganisationEvent(
  tx: Queryable,
  event: { organisationId: string; actorId: string | null } & OrganisationEventInput,
): Promise<string> {
  const { rows } = await tx.query<{ id: string }>(
    `INSERT INTO organisation_events (organisation_id, actor_id, type, details)
     VALUES ($1, $2, $3, $4) RETURNING id`,
    [event.organisationId, event.actorId, event.type, JSON.stringify(event.details)],
  );
  return rows[0]!.id;
}

export type StoredOrganisationEvent = OrganisationEventInput & {
  id: string;
  occurredAt: Date;
  actor: { id: string; name: string } | null;
  /** Names of the people the event concerns (members who joined, left…), by user id; absent when deleted. */
  people: Record<string, string>;
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A page of an organisation's events, newest first, and whether older ones follow. */
export async function listOrganisationEvents(
  db: Queryable,
  organisationId: string,
  page: { limit: number; offset: number },
): Promise<{ events: StoredOrganisationEvent[]; hasMore: boolean }> {
  const { rows } = await db.query<{
    id: string;
    occurred_at: Date;
    type: OrganisationEventType;
    details: OrganisationEventInput['details'];
    actor_id: string | null;
    actor_name: string | null;
  }>(
    `SELECT e.id, e.occurred_at, e.type, e.details, e.actor_id, u.given_name || ' ' || u.family_name AS actor_name
       FROM organisation_events e LEFT JOIN users u ON u.id = e.actor_id
      WHERE e.organisation_id = $1
      ORDER BY e.occurred_at DESC, e.id DESC
      LIMIT $2 OFFSET $3`,
    [organisationId, page.limit + 1, page.offset],
  );
  const hasMore = rows.length > page.limit;
  const shown = rows.slice(0, page.limit);
  const events = shown.map((row) => ({ type: row.type, details: row.details }) as OrganisationEventInput);
  const ids = [...new Set(events.flatMap(peopleNamedBy))].filter((id) => UUID.test(id));
  const names = new Map<string, string>();
  if (ids.length > 0) {
    const people = await db.query<{ id: string; name: string }>(
      `SELECT id, given_name || ' ' || family_name AS name FROM users WHERE id = ANY ($1::uuid[])`,
      [ids],
    );
    for (const person of people.rows) names.set(person.id, person.name);
  }
  return {
    hasMore,
    events: shown.map((row, index) => {
      const event = events[index]!;
      return {
        ...event,
        id: row.id,
        occurredAt: row.occurred_at,
        actor: row.actor_id && row.actor_name ? { id: row.actor_id, name: row.actor_name } : null,
        people: Object.fromEntries(
          peopleNamedBy(event)
            .filter((id) => names.has(id))
            .map((id) => [id, names.get(id)!]),
        ),
      };
    }),
  };
}

/** A credential change in the feed of the organisation holding the habilitation (spec §6). */
export async function recordCredentialEvent(
  tx: Queryable,
  habilitationId: string,
  actorId: string | null,
  type: 'credential_issued' | 'credential_revoked' | 'credential_rotated',
  tokenId: string,
): Promise<void> {
  const { rows } = await tx.query<{ organisation_id: string }>(
    'SELECT organisation_id FROM habilitations WHERE id = $1',
    [habilitationId],
  );
  if (!rows[0]) return;
  await recordOrganisationEvent(tx, {
    organisationId: rows[0].organisation_id,
    actorId,
    type,
    details: { credentialId: tokenId, kind: 'token' },
  });
}
