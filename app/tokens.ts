import { z } from 'zod';
import { dispatchAll } from '../mail/mailer.ts';
import { canActOnCredentials } from '../domain/credential-access.ts';
import { addMonths } from '../domain/credential-settings.ts';
import { AppError, notFound } from '../domain/errors.ts';
import {
  isTokenUsable,
  renewalRefusal,
  retirementOf,
  tokenStatus,
  type TokenRules,
  type TokenStatus,
} from '../domain/token-status.ts';
import { queueToCredentialHolders, tokenMailContext } from '../mail/credential-notifications.ts';
import { mintToken, unsealToken } from '../security/token-secrets.ts';
import {
  findHabilitation,
  listHabilitationsOfOrganisation,
  type Habilitation,
} from '../store/habilitations.ts';
import { listUserMemberships } from '../store/memberships.ts';
import { findOrganisationById } from '../store/organisations.ts';
import { recordCredentialEvent } from '../store/organisation-events.ts';
import { withTransaction, type Queryable } from '../store/pool.ts';
import {
  findToken,
  insertTokenOnce,
  listTokensOfHabilitations,
  renewToken as storeRenewal,
  retireToken,
  revokeToken as storeRevocation,
  takeSealedSecret,
  type Token,
} from '../store/tokens.ts';
import type { User } from '../store/users.ts';
import { credentialAccess, type CredentialAccess } from './credential-access.ts';
import type { AppDeps } from './deps.ts';
import { withTemporalDeadline } from './temporal.ts';
import { parseInput } from './validation.ts';

/** A token as its holders see it: never the secret, only what identifies it and its state. */
export interface TokenView {
  id: string;
  visiblePart: string;
  status: TokenStatus;
  scopes: string[];
  createdAt: Date;
  expiresAt: Date;
  lastUsedAt: Date | null;
  revealed: boolean;
  /** Until when the one reveal is possible; null once revealed or destroyed. */
  revealableUntil: Date | null;
  /** When it stops because it was replaced (rotation grace, superseded habilitation). */
  retiresAt: Date | null;
  rotatedFrom: string | null;
  rotatedTo: string | null;
  revokedAt: Date | null;
  renewable: boolean;
  usable: boolean;
}

export interface HabilitationView {
  habilitation: Habilitation;
  organisation: { siret: string; name: string };
  definitionName: string;
  usesTokens: boolean;
  tokens: TokenView[];
  access: Exclude<CredentialAccess, 'none'>;
}

const rulesOf = (deps: AppDeps): TokenRules => ({
  renewalWindowMs: deps.credentials.settings.tokenRenewalWindowMs,
  supersededGraceMs: deps.credentials.settings.supersededTokenGraceMs,
});

function viewToken(deps: AppDeps, token: Token, now: Date): TokenView {
  const rules = rulesOf(deps);
  return {
    id: token.id,
    visiblePart: token.visiblePart,
    status: tokenStatus(token, rules, now),
    scopes: token.scopes,
    createdAt: token.createdAt,
    expiresAt: token.expiresAt,
    lastUsedAt: token.lastUsedAt,
    revealed: token.revealedAt !== null,
    revealableUntil:
      token.hasSealedSecret && token.sealedUntil && token.sealedUntil > now ? token.sealedUntil : null,
    retiresAt: retirementOf(token, rules),
    rotatedFrom: token.rotatedFrom,
    rotatedTo: token.rotatedTo,
    revokedAt: token.revokedAt,
    renewable: renewalRefusal(token, rules, now) === undefined,
    usable: isTokenUsable(token, rules, now),
  };
}

async function buildViews(
  deps: AppDeps,
  entries: { habilitation: Habilitation; access: Exclude<CredentialAccess, 'none'> }[],
): Promise<HabilitationView[]> {
  const tokens = await listTokensOfHabilitations(
    deps.db,
    entries.map((entry) => entry.habilitation.id),
  );
  const now = new Date();
  const organisations = new Map<string, { siret: string; name: string }>();
  const views: HabilitationView[] = [];
  for (const { habilitation, access } of entries) {
    let organisation = organisations.get(habilitation.organisationId);
    if (!organisation) {
      const found = await findOrganisationById(deps.db, habilitation.organisationId);
      organisation = { siret: found?.siret ?? '', name: found?.name ?? '' };
      organisations.set(habilitation.organisationId, organisation);
    }
    const definition = deps.credentials.definitions.find(habilitation.definition);
    views.push({
      habilitation,
      organisation,
      definitionName: definition?.name ?? habilitation.definition,
      usesTokens: definition?.credentialTypes.includes('token') ?? false,
      tokens: tokens
        .filter((token) => token.habilitationId === habilitation.id)
        .map((token) => viewToken(deps, token, now)),
      access,
    });
  }
  return views;
}

/** The habilitations of every organisation the person is an active member of, with their tokens. */
export async function listMyHabilitations(deps: AppDeps, actor: User): Promise<HabilitationView[]> {
  const memberships = (await listUserMemberships(deps.db, actor.id)).filter(
    (membership) => membership.status === 'active',
  );
  const entries: { habilitation: Habilitation; access: 'read' | 'act' }[] = [];
  for (const membership of memberships) {
    const access = canActOnCredentials(membership.roles) ? 'act' : 'read';
    for (const habilitation of await listHabilitationsOfOrganisation(deps.db, membership.organisation.id))
      entries.push({ habilitation, access });
  }
  return buildViews(deps, entries);
}

async function habilitationFor(deps: AppDeps, actor: User, habilitationId: string) {
  const habilitation = await findHabilitation(deps.db, habilitationId);
  if (!habilitation) throw notFound();
  const access = await credentialAccess(deps.db, actor, habilitation);
  if (access === 'none') throw notFound();
  return { habilitation, access };
}

export async function viewHabilitation(
  deps: AppDeps,
  actor: User,
  habilitationId: string,
): Promise<HabilitationView> {
  const [view] = await buildViews(deps, [await habilitationFor(deps, actor, habilitationId)]);
  return view!;
}

const forbidden = () => new AppError({ kind: 'Forbidden', reason: 'role' });

/**
 * The token and what the person may do with it. Existence is private (404) to anyone who cannot see the
 * habilitation; readers see it but cannot act (403).
 */
async function tokenFor(
  deps: AppDeps,
  db: Queryable,
  actor: User,
  tokenId: string,
  needed: 'act' | 'act_or_instruct',
  options: { forUpdate?: boolean } = {},
): Promise<{ token: Token; access: CredentialAccess }> {
  const token = await findToken(db, tokenId, options);
  if (!token) throw notFound();
  const access = await credentialAccess(db, actor, token);
  if (access === 'none') throw notFound();
  if (access === 'read' || (needed === 'act' && access !== 'act')) throw forbidden();
  return { token, access };
}

/** Shows the secret once: the first call gets it, every later one (or after the sealed copy's end) a 410. */
export async function revealToken(deps: AppDeps, actor: User, tokenId: string): Promise<{ token: string }> {
  return withTransaction(deps.db, async (tx) => {
    const { token } = await tokenFor(deps, tx, actor, tokenId, 'act');
    const sealed = await takeSealedSecret(tx, token.id, actor.id);
    if (sealed === undefined)
      throw new AppError({
        kind: 'Gone',
        code: 'token_already_revealed',
        message: token.revealedAt
          ? 'Ce jeton a déjà été affiché une fois : il ne peut plus l’être. Si vous ne l’avez pas conservé, générez-en un nouveau (rotation).'
          : 'Ce jeton ne peut plus être affiché : sa copie a été détruite. Générez-en un nouveau (rotation).',
      });
    const secret = unsealToken(deps.credentials.tokenSealingKey, sealed, token.id);
    // A copy sealed under another APP_SECRET cannot be opened: rolling back keeps it for when the secret is back.
    if (secret === undefined) throw new Error('sealed token cannot be opened: APP_SECRET changed?');
    return { token: secret };
  });
}

export const rotateSchema = z.strictObject({
  graceHours: z
    .int('Indiquez un nombre entier d’heures.')
    .min(0, 'La période de transition va de 0 à 168 heures (7 jours).')
    .max(168, 'La période de transition va de 0 à 168 heures (7 jours).')
    .default(24),
});

const actorName = (actor: User) => `${actor.givenName} ${actor.familyName}`;

const mailContext = (deps: AppDeps, tx: Queryable, token: Token) =>
  tokenMailContext(tx, token, { definitions: deps.credentials.definitions, publicUrl: deps.publicUrl });

/**
 * A new token for the same habilitation; the old one keeps working for the grace period chosen (0 to 168 h),
 * then stops. The new token's lifecycle starts inside the transaction: if Temporal cannot take it, nothing is
 * changed (503).
 */
export async function rotateToken(
  deps: AppDeps,
  actor: User,
  tokenId: string,
  input: unknown,
): Promise<{ tokenId: string; oldTokenEndsAt: Date }> {
  const { graceHours } = parseInput(rotateSchema, input ?? {});
  const settings = deps.credentials.settings;
  const { outcome, dispatches } = await withTransaction(deps.db, async (tx) => {
    const { token } = await tokenFor(deps, tx, actor, tokenId, 'act', { forUpdate: true });
    const now = new Date();
    if (!isTokenUsable(token, rulesOf(deps), now))
      throw new AppError({
        kind: 'Conflict',
        code: 'token_not_active',
        message: 'Ce jeton est révoqué ou expiré : il ne peut pas être remplacé.',
      });
    if (token.rotatedTo || retirementOf(token, rulesOf(deps)) !== null)
      throw new AppError({
        kind: 'Conflict',
        code: 'token_already_replaced',
        message: 'Ce jeton a déjà été remplacé : faites tourner le jeton le plus récent.',
      });
    const endsAt = new Date(now.getTime() + graceHours * settings.rotationGraceHourMs);
    const { token: created } = await insertTokenOnce(tx, {
      ...mintToken(deps.credentials.tokenSealingKey),
      habilitationId: token.habilitationId,
      issueKey: `rotate:${token.id}`,
      rotatedFrom: token.id,
      sealedUntil: new Date(now.getTime() + settings.sealedTokenTtlMs),
      expiresAt: token.expiresAt,
    });
    await retireToken(tx, token.id, endsAt);
    await recordCredentialEvent(tx, token.habilitationId, actor.id, 'credential_rotated', token.id);
    const queued = await queueToCredentialHolders(
      tx,
      deps.mailer,
      'token-changed',
      await mailContext(deps, tx, token),
      {
        visiblePart: token.visiblePart,
        rotated: true,
        actorName: actorName(actor),
        endsAt: endsAt.toISOString(),
      },
      `token-rotated:${token.id}`,
    );
    queued.push(
      ...(await deps.webhooks.recordTokenEvent(tx, created.id, 'token.rotated', 'rotated', {
        rotated_from: token.id,
        previous_ends_at: endsAt.toISOString(),
      })),
    );
    await withTemporalDeadline(deps, () => deps.credentials.lifecycles.startToken(created.id));
    return { outcome: { tokenId: created.id, oldTokenEndsAt: endsAt }, dispatches: queued };
  });
  await dispatchAll(dispatches);
  await notifyLifecycle(deps, tokenId);
  return outcome;
}

/** Immediate: the next introspection already answers inactive. By the holder or the definition's instructors. */
export async function revokeToken(deps: AppDeps, actor: User, tokenId: string): Promise<void> {
  const dispatches = await withTransaction(deps.db, async (tx) => {
    const { token, access } = await tokenFor(deps, tx, actor, tokenId, 'act_or_instruct', {
      forUpdate: true,
    });
    if (token.revokedAt)
      throw new AppError({
        kind: 'Conflict',
        code: 'token_already_revoked',
        message: 'Ce jeton est déjà révoqué.',
      });
    await storeRevocation(tx, token.id, {
      by: actor.id,
      reason: access === 'instruct' ? 'instructor' : 'holder',
    });
    await recordCredentialEvent(tx, token.habilitationId, actor.id, 'credential_revoked', token.id);
    const revoked = await deps.webhooks.recordTokenEvent(tx, token.id, 'token.revoked', 'revoked');
    const queued = await queueToCredentialHolders(
      tx,
      deps.mailer,
      'token-changed',
      await mailContext(deps, tx, token),
      {
        visiblePart: token.visiblePart,
        rotated: false,
        actorName: access === 'instruct' ? `${actorName(actor)} (instruction)` : actorName(actor),
        endsAt: new Date().toISOString(),
      },
      `token-revoked:${token.id}`,
    );
    return [...queued, ...revoked];
  });
  await dispatchAll(dispatches);
  await notifyLifecycle(deps, tokenId);
}

export const renewSchema = z.strictObject({
  confirmSamePurpose: z.literal(true, 'Confirmez que l’usage de l’API n’a pas changé.'),
  confirmSameContacts: z.literal(true, 'Confirmez que les contacts déclarés n’ont pas changé.'),
});

/**
 * Within the renewal window before expiry (90 days), a short confirmation extends the token by its
 * definition's validity. Outside it, 409: the request is well-formed, it is the token's state that forbids it
 * (too early, or already expired or revoked: then the holder reopens the request).
 */
export async function renewToken(
  deps: AppDeps,
  actor: User,
  tokenId: string,
  input: unknown,
): Promise<{ expiresAt: Date }> {
  parseInput(renewSchema, input ?? {});
  const settings = deps.credentials.settings;
  const expiresAt = await withTransaction(deps.db, async (tx) => {
    const { token } = await tokenFor(deps, tx, actor, tokenId, 'act', { forUpdate: true });
    const refusal = renewalRefusal(token, rulesOf(deps), new Date());
    if (refusal)
      throw new AppError({
        kind: 'Conflict',
        code: 'renewal_not_open',
        message:
          refusal === 'too_early'
            ? 'Le renouvellement est possible dans les 90 jours qui précèdent l’expiration du jeton.'
            : refusal === 'replaced'
              ? 'Ce jeton a été remplacé : renouvelez le jeton le plus récent.'
              : 'Ce jeton est expiré ou révoqué : mettez à jour la demande d’accès pour en obtenir un nouveau.',
      });
    const validityMonths = deps.credentials.definitions.find(token.definition)?.validityMonths ?? 12;
    const next =
      settings.tokenValidityOverrideMs === undefined
        ? addMonths(token.expiresAt, validityMonths)
        : new Date(token.expiresAt.getTime() + settings.tokenValidityOverrideMs);
    await storeRenewal(tx, token.id, next);
    return next;
  });
  await notifyLifecycle(deps, tokenId);
  return { expiresAt };
}

/**
 * The change is committed: the workflow only needs to re-read it. If Temporal is down, it still wakes at its
 * next planned deadline and sees the change then, so the person's action is not refused for it.
 */
async function notifyLifecycle(deps: AppDeps, tokenId: string): Promise<void> {
  try {
    await deps.credentials.lifecycles.notifyToken(tokenId);
  } catch (error) {
    deps.logger.warn({ tokenId, err: error }, 'token lifecycle not told of a change; it will see it later');
  }
}
