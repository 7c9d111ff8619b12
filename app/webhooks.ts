import { hkdfSync, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { AppError, notFound, validationFailed } from '../domain/errors.ts';
import { hasStaffRole } from '../domain/roles.ts';
import { textInput } from '../domain/text-input.ts';
import { urlProblem, WEBHOOK_EVENT_TYPES, type TargetRules } from '../domain/webhooks.ts';
import { dispatchAll, type Dispatch } from '../mail/mailer.ts';
import { withTransaction } from '../store/pool.ts';
import type { User } from '../store/users.ts';
import {
  deleteEndpoint,
  findDelivery,
  findEndpoint,
  insertEndpoint,
  listDeliveries,
  listEndpoints,
  restartDelivery,
  restartFailedDeliveriesSince,
  updateEndpoint,
  type DeliveryView,
  type WebhookEndpoint,
} from '../store/webhooks.ts';
import type { AppDeps } from './deps.ts';
import { parseInput } from './validation.ts';
import { mintWebhookSecret, sealWebhookSecret } from './webhook-secrets.ts';
import { targetProblem } from './webhook-sender.ts';

/**
 * A definition's webhook endpoints (issue 14), managed by its developers (`developpeur` staff role of the
 * definition) and the platform admins; anyone else, and any endpoint of another definition, gets 404.
 */
function mayManageWebhooks(actor: User, definition: string): boolean {
  return hasStaffRole(actor.staffRoles, 'admin') || hasStaffRole(actor.staffRoles, 'developpeur', definition);
}

function definitionOf(deps: AppDeps, actor: User, slug: string) {
  const definition = deps.definitions.find(slug);
  if (!definition || !mayManageWebhooks(actor, definition.slug)) throw notFound();
  return definition;
}

async function endpointOf(deps: AppDeps, actor: User, slug: string, id: string): Promise<WebhookEndpoint> {
  definitionOf(deps, actor, slug);
  const endpoint = await findEndpoint(deps.db, id);
  if (!endpoint || endpoint.definition !== slug) throw notFound();
  return endpoint;
}

const URL_MESSAGES = {
  not_a_url: 'Indiquez une adresse complète, par exemple https://api.example.fr/webhooks/sesame.',
  scheme: 'L’adresse doit commencer par https://.',
  credentials: 'L’adresse ne doit pas contenir d’identifiant ni de mot de passe.',
  too_long: 'L’adresse ne peut dépasser 2 000 caractères.',
  forbidden:
    'Cette adresse mène à un réseau privé, local ou réservé : les webhooks ne sont livrés qu’à des adresses publiques.',
  unresolvable: 'Ce nom de domaine est introuvable.',
} as const;

const urlField = textInput({ required: 'Indiquez l’adresse du webhook.' })
  .trim()
  .min(1, 'Indiquez l’adresse du webhook.');

const eventsField = z
  .array(
    z.enum(WEBHOOK_EVENT_TYPES, {
      error: `Évènement inconnu ; valeurs possibles : ${WEBHOOK_EVENT_TYPES.join(', ')}.`,
    }),
    {
      error: 'Liste d’évènements attendue.',
    },
  )
  .min(1, 'Choisissez au moins un évènement.')
  .transform((events) => [...new Set(events)]);

export const createEndpointSchema = z.strictObject({ url: urlField, events: eventsField.optional() });
export const updateEndpointSchema = z.strictObject({
  url: urlField.optional(),
  events: eventsField.optional(),
  enabled: z.boolean({ error: 'true ou false attendu.' }).optional(),
});

const rulesOf = (deps: AppDeps): TargetRules => ({ allowLocalHttp: deps.webhookSettings.allowLocalHttp });

/** The URL's text, then where it resolves to: 422 on the `url` field. */
async function checkUrl(deps: AppDeps, url: string): Promise<void> {
  const problem = urlProblem(url, rulesOf(deps)) ?? (await targetProblem(url, rulesOf(deps)));
  if (problem) throw validationFailed([{ path: 'url', message: URL_MESSAGES[problem] }]);
}

export async function createWebhookEndpoint(
  deps: AppDeps,
  actor: User,
  slug: string,
  input: unknown,
): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
  definitionOf(deps, actor, slug);
  const form = parseInput(createEndpointSchema, input);
  await checkUrl(deps, form.url);
  const id = randomUUID();
  const { secret, sealed } = mintWebhookSecret(deps.sealingKey, id);
  const { endpoint, dispatches } = await withTransaction(deps.db, async (tx) => {
    const endpoint = await insertEndpoint(tx, {
      id,
      definition: slug,
      url: form.url,
      events: form.events ?? [...WEBHOOK_EVENT_TYPES],
      sealedSecret: sealed,
      createdBy: actor.id,
    });
    return { endpoint, dispatches: (await deps.webhooks.recordTestEvent(tx, endpoint)).dispatches };
  });
  await dispatchAll(dispatches);
  return { endpoint, secret };
}

export async function listWebhookEndpoints(
  deps: AppDeps,
  actor: User,
  slug: string,
): Promise<WebhookEndpoint[]> {
  definitionOf(deps, actor, slug);
  return listEndpoints(deps.db, slug);
}

export async function viewWebhookEndpoint(
  deps: AppDeps,
  actor: User,
  slug: string,
  id: string,
): Promise<WebhookEndpoint> {
  return endpointOf(deps, actor, slug, id);
}

/** A new URL, or an endpoint enabled again, goes back to `pending` and gets a test event. */
export async function updateWebhookEndpoint(
  deps: AppDeps,
  actor: User,
  slug: string,
  id: string,
  input: unknown,
): Promise<WebhookEndpoint> {
  const current = await endpointOf(deps, actor, slug, id);
  const form = parseInput(updateEndpointSchema, input ?? {});
  const newUrl = form.url !== undefined && form.url !== current.url;
  if (newUrl) await checkUrl(deps, form.url!);
  const enabling = form.enabled === true && current.status === 'disabled';
  const disabling = form.enabled === false && current.status !== 'disabled';
  const retest = !disabling && (enabling || (newUrl && current.status !== 'disabled'));
  const { endpoint, dispatches } = await withTransaction(deps.db, async (tx) => {
    const endpoint = await updateEndpoint(tx, id, {
      url: newUrl ? form.url : undefined,
      events: form.events,
      ...(disabling ? { status: 'disabled' as const, disabledReason: 'manual' as const } : {}),
      ...(retest ? { status: 'pending' as const, disabledReason: null, failingSince: null } : {}),
    });
    if (!endpoint) throw notFound();
    const dispatches: Dispatch[] = retest
      ? (await deps.webhooks.recordTestEvent(tx, endpoint)).dispatches
      : [];
    return { endpoint, dispatches };
  });
  await dispatchAll(dispatches);
  return endpoint;
}

export async function deleteWebhookEndpoint(
  deps: AppDeps,
  actor: User,
  slug: string,
  id: string,
): Promise<void> {
  await endpointOf(deps, actor, slug, id);
  await deleteEndpoint(deps.db, id);
}

/** A test event to this endpoint alone; 409 on a disabled endpoint (enable it first). */
export async function sendWebhookTest(
  deps: AppDeps,
  actor: User,
  slug: string,
  id: string,
): Promise<{ eventId: string }> {
  const endpoint = await endpointOf(deps, actor, slug, id);
  if (endpoint.status === 'disabled') throw disabledConflict();
  const test = await withTransaction(deps.db, (tx) => deps.webhooks.recordTestEvent(tx, endpoint));
  await dispatchAll(test.dispatches);
  return { eventId: test.eventId };
}

const disabledConflict = () =>
  new AppError({
    kind: 'Conflict',
    code: 'webhook_disabled',
    message: 'Ce webhook est désactivé : réactivez-le avant de lui envoyer des évènements.',
  });

/**
 * A new secret, shown once; the previous one keeps signing beside it (two signatures per delivery) for
 * WEBHOOK_SECRET_OVERLAP, so that receivers can switch without losing an event.
 */
export async function rotateWebhookSecret(
  deps: AppDeps,
  actor: User,
  slug: string,
  id: string,
): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
  await endpointOf(deps, actor, slug, id);
  const { secret, sealed } = mintWebhookSecret(deps.sealingKey, id);
  const endpoint = await withTransaction(deps.db, async (tx) => {
    const current = await findEndpoint(tx, id, { forUpdate: true });
    if (!current) throw notFound();
    return updateEndpoint(tx, id, {
      sealedSecret: sealed,
      previousSealedSecret: current.sealedSecret,
      previousSecretUntil: new Date(Date.now() + deps.webhookSettings.secretOverlapMs),
    });
  });
  if (!endpoint) throw notFound();
  return { endpoint, secret };
}

export const deliveriesQuerySchema = z.object({
  status: z
    .enum(['pending', 'delivered', 'failed'], { error: 'Valeurs possibles : pending, delivered, failed.' })
    .optional(),
  after: z.uuid({ error: 'Identifiant d’évènement attendu.' }).optional(),
  limit: z.coerce
    .number({ error: 'Nombre attendu.' })
    .int('Nombre entier attendu.')
    .min(1, 'Au moins 1.')
    .max(200, 'Au plus 200.')
    .default(50),
});

export async function listWebhookDeliveries(
  deps: AppDeps,
  actor: User,
  slug: string,
  id: string,
  query: z.output<typeof deliveriesQuerySchema>,
): Promise<DeliveryView[]> {
  await endpointOf(deps, actor, slug, id);
  return listDeliveries(deps.db, id, query);
}

/** The event delivered again, as a new run with the same webhook-id; 404 for an event this endpoint never had. */
export async function replayWebhookDelivery(
  deps: AppDeps,
  actor: User,
  slug: string,
  id: string,
  eventId: string,
): Promise<void> {
  const endpoint = await endpointOf(deps, actor, slug, id);
  if (!(await findDelivery(deps.db, id, eventId))) throw notFound();
  if (endpoint.status === 'disabled') throw disabledConflict();
  const run = await restartDelivery(deps.db, id, eventId);
  // Gone since the check above: the endpoint was deleted meanwhile.
  if (run === undefined) throw notFound();
  await deps.webhooks.dispatch({ endpointId: id, eventId, run });
}

export const replayFailedSchema = z.strictObject({
  since: z.iso.datetime({
    offset: true,
    error: 'Date et heure ISO 8601 attendues, par exemple 2026-11-30T00:00:00Z.',
  }),
});

/**
 * The most failed deliveries one replay restarts, the oldest since the date. The rest wait for another call once
 * these are delivered or have failed again (a call made at once finds them still pending and skips them).
 */
const REPLAY_LIMIT = 1_000;
/** Starts in flight at once: enough to start a thousand runs in a few seconds without crowding Temporal. */
const REPLAY_STARTS_AT_ONCE = 8;

/** Every failed delivery since a date, delivered again (at most 1,000 at a time). */
export async function replayFailedWebhookDeliveries(
  deps: AppDeps,
  actor: User,
  slug: string,
  id: string,
  input: unknown,
): Promise<{ replayed: number }> {
  const endpoint = await endpointOf(deps, actor, slug, id);
  const { since } = parseInput(replayFailedSchema, input ?? {});
  if (endpoint.status === 'disabled') throw disabledConflict();
  const runs = await restartFailedDeliveriesSince(deps.db, id, new Date(since), REPLAY_LIMIT);
  // The runs are committed, pending and not yet dispatched: whatever is not started here the relay starts. So
  // the first start that fails (Temporal away) ends the loop rather than making the caller wait for each.
  let next = 0;
  let startsFailing = false;
  const starter = async () => {
    while (!startsFailing && next < runs.length) {
      const run = runs[next++]!;
      // dispatch answers false when Temporal refuses; a database error marking the run dispatched is the
      // relay's to make up for too: the replay is committed, the caller is told so.
      const started = await deps.webhooks.dispatch({ endpointId: id, ...run }).catch((error: unknown) => {
        deps.logger.warn(
          { endpointId: id, eventId: run.eventId, err: error },
          'replayed run left to the relay',
        );
        return false;
      });
      if (!started) startsFailing = true;
    }
  };
  await Promise.all(Array.from({ length: Math.min(REPLAY_STARTS_AT_ONCE, runs.length) }, starter));
  return { replayed: runs.length };
}

/** The demo provider's webhook secret (`npm start`), derived from its key so that it survives restarts. */
export function demoWebhookSecret(demoKey: Buffer): string {
  return `whsec_${Buffer.from(hkdfSync('sha256', demoKey, 'sesame', 'demo-webhook:v1', 32)).toString('base64')}`;
}

/**
 * The endpoint `npm start` delivers a definition's events to (the demo provider), made once; its secret is set
 * again at each start, so that a changed APP_SECRET still signs what the demo provider verifies.
 */
export async function ensureWebhookEndpoint(
  deps: Pick<AppDeps, 'db' | 'sealingKey'>,
  endpoint: { definition: string; url: string; secret: string },
): Promise<string> {
  const existing = (await listEndpoints(deps.db, endpoint.definition)).find((e) => e.url === endpoint.url);
  const id = existing?.id ?? randomUUID();
  const sealed = sealWebhookSecret(deps.sealingKey, id, endpoint.secret);
  if (existing) await updateEndpoint(deps.db, id, { sealedSecret: sealed });
  else
    await insertEndpoint(deps.db, {
      id,
      definition: endpoint.definition,
      url: endpoint.url,
      events: [...WEBHOOK_EVENT_TYPES],
      sealedSecret: sealed,
      createdBy: null,
    });
  return id;
}
