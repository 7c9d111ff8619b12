import { z } from 'zod';
import { dispatchAll } from '../mail/mailer.ts';
import { AppError, notFound } from '../domain/errors.ts';
import {
  INVITATION_CODE_PATTERN,
  INVITATION_LIMITS,
  INVITATION_STATUSES,
  invitationStatus,
  maskInvitationCode,
  normaliseInvitationCode,
  type InvitationRefusal,
  type InvitationStatus,
} from '../domain/invitation-codes.ts';
import { ORGANISATION_ROLE_LABELS } from '../domain/organisation-roles.ts';
import { exclusiveConflict, exclusiveConflictMessage, GRANTABLE_ROLES } from '../domain/role-rules.ts';
import { newInvitationCode, hashInvitationCode } from '../security/invitation-codes.ts';
import {
  claimInvitationCode,
  deactivateInvitationCode as deactivateStoredCode,
  findInvitationCode,
  findInvitationCodeState,
  insertInvitationCodes,
  listInvitationCodes as listStoredCodes,
  type InvitationCode,
} from '../store/invitations.ts';
import { joinByInvitation } from '../store/organisation-members.ts';
import { recordOrganisationEvent } from '../store/organisation-events.ts';
import { findOrganisationById } from '../store/organisations.ts';
import { withTransaction } from '../store/pool.ts';
import { countFailures, refuseWhenLimited, type Counter } from './rate-limiting.ts';
import { findUserById, setCurrentOrganisation, type User } from '../store/users.ts';
import { pageUrl, type AppDeps } from './deps.ts';
import { requireOrganisationAccess } from './organisation-access.ts';
import { parseInput } from './validation.ts';

const { minCount, maxCount, minValidityDays, maxValidityDays, defaultValidityDays } = INVITATION_LIMITS;
const countMessage = `Indiquez un nombre de codes entre ${minCount} et ${maxCount}.`;
const validityMessage = `Indiquez une validité entre ${minValidityDays} et ${maxValidityDays} jours.`;

/** Roles a code grants: at least one, among those that can be granted, an exclusive one alone. */
export const grantedRolesSchema = z
  .array(
    z.enum(GRANTABLE_ROLES, {
      error: (issue) =>
        issue.input === 'gestionnaire_principal'
          ? 'Le rôle de gestionnaire principal ne s’attribue pas : il se transmet depuis la liste des membres.'
          : `Rôle inconnu : ${JSON.stringify(issue.input)}. Rôles possibles : ${GRANTABLE_ROLES.join(', ')}.`,
    }),
    { error: 'Choisissez au moins un rôle.' },
  )
  .min(1, 'Choisissez au moins un rôle.')
  .superRefine((roles, context) => {
    const conflict = exclusiveConflict(roles);
    if (conflict) context.addIssue({ code: 'custom', message: exclusiveConflictMessage(conflict) });
  })
  .transform((roles) => GRANTABLE_ROLES.filter((role) => roles.includes(role)));

export const createInvitationsSchema = z.object({
  count: z
    .number({ error: countMessage })
    .int(countMessage)
    .min(minCount, countMessage)
    .max(maxCount, countMessage)
    .meta({ description: `How many codes, ${minCount} to ${maxCount}.` }),
  validityDays: z
    .number({ error: validityMessage })
    .int(validityMessage)
    .min(minValidityDays, validityMessage)
    .max(maxValidityDays, validityMessage)
    .default(defaultValidityDays)
    .meta({ description: `Days each code stays valid, ${minValidityDays} to ${maxValidityDays}.` }),
  roles: grantedRolesSchema,
});

export interface CreatedInvitations {
  organisation: { siret: string; name: string };
  roles: (typeof GRANTABLE_ROLES)[number][];
  expiresAt: Date;
  /** The codes in clear: this answer is the only time they exist outside the hands they are given to. */
  codes: { id: string; code: string; expiresAt: Date }[];
}

/** An administrator creates 1 to 10 codes granting the same roles, shown in full this once. */
export async function createInvitationCodes(
  deps: AppDeps,
  actor: User,
  siret: string,
  input: unknown,
): Promise<CreatedInvitations> {
  return withTransaction(deps.db, async (tx) => {
    const { organisation } = await requireOrganisationAccess(tx, actor, siret, 'admin');
    const form = parseInput(createInvitationsSchema, input);
    const expiresAt = new Date(Date.now() + form.validityDays * 24 * 60 * 60_000);
    const fresh = Array.from({ length: form.count }, newInvitationCode);
    const stored = await insertInvitationCodes(tx, {
      organisationId: organisation.id,
      createdBy: actor.id,
      roles: form.roles,
      expiresAt,
      codes: fresh,
    });
    await recordOrganisationEvent(tx, {
      organisationId: organisation.id,
      actorId: actor.id,
      type: 'invitation_codes_created',
      details: {
        codeIds: stored.map((code) => code.id),
        count: stored.length,
        roles: form.roles,
        expiresAt: expiresAt.toISOString(),
      },
    });
    return {
      organisation: { siret: organisation.siret, name: organisation.name },
      roles: form.roles,
      expiresAt,
      codes: stored.map((code, index) => ({ ...code, code: fresh[index]!.code })),
    };
  });
}

export interface InvitationCodeView extends InvitationCode {
  status: InvitationStatus;
  maskedCode: string;
}

const toView = (code: InvitationCode, now: Date): InvitationCodeView => ({
  ...code,
  status: invitationStatus(code, now),
  maskedCode: maskInvitationCode(code.lastCharacters),
});

export const invitationListQuerySchema = z.object({
  status: z
    .enum(INVITATION_STATUSES, {
      error: `Statut inconnu. Statuts possibles : ${INVITATION_STATUSES.join(', ')}.`,
    })
    .optional(),
});

/** The organisation's codes, masked, newest first, optionally of one status. */
export async function listInvitationCodes(
  deps: AppDeps,
  actor: User,
  siret: string,
  query: unknown = {},
): Promise<{ organisation: { siret: string; name: string }; codes: InvitationCodeView[] }> {
  const { organisation } = await requireOrganisationAccess(deps.db, actor, siret, 'admin');
  const { status } = parseInput(invitationListQuerySchema, query);
  const now = new Date();
  const codes = (await listStoredCodes(deps.db, organisation.id))
    .map((code) => toView(code, now))
    .filter((code) => status === undefined || code.status === status);
  return { organisation: { siret: organisation.siret, name: organisation.name }, codes };
}

/** Deactivates a code nobody used yet; deactivating it again changes nothing. */
export async function deactivateInvitationCode(
  deps: AppDeps,
  actor: User,
  siret: string,
  codeId: string,
): Promise<{ organisation: { siret: string; name: string }; code: InvitationCodeView }> {
  const { organisation, codes } = await deactivateInvitationCodes(deps, actor, siret, [codeId]);
  return { organisation, code: codes[0]! };
}

/** The most codes one deactivation takes: a page of ticked boxes, with room; beyond, the choice is refused, not cut. */
const MAX_CODES_AT_ONCE = 200;

/** The codes chosen for one deactivation, by id. */
export const codeChoiceSchema = z
  .array(z.string())
  .min(1, 'Choisissez au moins un code d’invitation à désactiver.')
  .max(MAX_CODES_AT_ONCE, `Choisissez au plus ${MAX_CODES_AT_ONCE} codes d’invitation à la fois.`);

/**
 * Deactivates several codes at once (the list's ticked boxes), all or none: if one was used meanwhile, nothing
 * changes and the refusal names it.
 */
export async function deactivateInvitationCodes(
  deps: AppDeps,
  actor: User,
  siret: string,
  codeIds: readonly string[],
): Promise<{ organisation: { siret: string; name: string }; codes: InvitationCodeView[] }> {
  parseInput(z.object({ code: codeChoiceSchema }), { code: codeIds });
  return withTransaction(deps.db, async (tx) => {
    const { organisation } = await requireOrganisationAccess(tx, actor, siret, 'admin');
    const codes: InvitationCodeView[] = [];
    // In one order, so that two people deactivating overlapping sets never wait on each other.
    for (const codeId of [...new Set(codeIds)].sort()) {
      const outcome = await deactivateStoredCode(tx, {
        organisationId: organisation.id,
        id: codeId,
        by: actor.id,
      });
      if (outcome === 'not_found') throw notFound();
      const code = toView((await findInvitationCode(tx, organisation.id, codeId))!, new Date());
      if (outcome === 'used') {
        throw new AppError({
          kind: 'Conflict',
          code: 'invitation_used',
          message:
            codeIds.length === 1
              ? 'Ce code d’invitation a déjà été utilisé : il ne peut plus être désactivé.'
              : `Le code ${code.maskedCode} a déjà été utilisé : il ne peut plus être désactivé. Aucun code n’a été désactivé.`,
        });
      }
      if (outcome === 'deactivated') {
        await recordOrganisationEvent(tx, {
          organisationId: organisation.id,
          actorId: actor.id,
          type: 'invitation_code_deactivated',
          details: { codeId },
        });
      }
      codes.push(code);
    }
    return { organisation: { siret: organisation.siret, name: organisation.name }, codes };
  });
}

/** Failed redemptions tolerated per window, per person and per address, before answering 429 (guessing). */
function redeemCounters(deps: AppDeps, actor: User, ip: string): Counter[] {
  return [
    { key: `invitation:user:${actor.id}`, limit: deps.rateLimits.invitationFailuresPerPerson },
    { key: `invitation:ip:${ip}`, limit: deps.rateLimits.invitationFailuresPerIp },
  ];
}

export const redeemSchema = z.object({
  code: z
    .string({ error: 'Saisissez le code d’invitation.' })
    .max(200, 'Ce code d’invitation n’a pas le bon format.')
    .transform(normaliseInvitationCode)
    .pipe(
      z
        .string()
        .min(1, 'Saisissez le code d’invitation.')
        .regex(
          INVITATION_CODE_PATTERN,
          'Ce code d’invitation n’a pas le bon format : il ressemble à 0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d.',
        ),
    ),
});

const refused = (reason: InvitationRefusal) => new AppError({ kind: 'InvitationRefused', reason });

/**
 * A signed-in person redeems a code, once, within its validity: they join the organisation with the code's
 * roles and its creator is told. Claiming the code and joining happen in one transaction, so a code is used
 * only if the person really joined. Failures count against the person and their address.
 */
export async function redeemInvitationCode(
  deps: AppDeps,
  actor: User,
  input: unknown,
  ip: string,
): Promise<{ organisation: { siret: string; name: string }; roles: (typeof GRANTABLE_ROLES)[number][] }> {
  await refuseWhenLimited(deps.db, redeemCounters(deps, actor, ip));
  const { code } = parseInput(redeemSchema, input);
  const codeHash = hashInvitationCode(code);
  const dispatches: (() => Promise<void>)[] = [];
  try {
    const result = await withTransaction(deps.db, async (tx) => {
      const claimed = await claimInvitationCode(tx, codeHash, actor.id);
      if (!claimed) {
        const state = await findInvitationCodeState(tx, codeHash);
        if (!state) throw refused('unknown');
        const status = invitationStatus(state, state.now);
        throw refused(status === 'valid' ? 'used' : status);
      }
      const joined = await joinByInvitation(tx, {
        organisationId: claimed.organisationId,
        userId: actor.id,
        roles: claimed.roles,
      });
      if (!joined) throw refused('already_member');
      const organisation = (await findOrganisationById(tx, claimed.organisationId))!;
      if (actor.currentOrganisationId === null) await setCurrentOrganisation(tx, actor.id, organisation.id);
      await recordOrganisationEvent(tx, {
        organisationId: organisation.id,
        actorId: actor.id,
        type: 'invitation_code_redeemed',
        details: { codeId: claimed.id, userId: actor.id, roles: claimed.roles },
      });

      const creator = claimed.createdBy ? await findUserById(tx, claimed.createdBy) : undefined;
      if (creator?.status === 'active') {
        const email = await deps.mailer.enqueue(tx, {
          to: creator.email,
          template: 'invitation-redeemed',
          data: {
            creatorGivenName: creator.givenName,
            memberName: `${actor.givenName} ${actor.familyName}`,
            memberEmail: actor.email,
            organisationName: organisation.name,
            siret: organisation.siret,
            roleLabel: claimed.roles.map((role) => ORGANISATION_ROLE_LABELS[role]).join(', '),
            codeCreatedAt: claimed.createdAt.toISOString(),
            membersUrl: pageUrl(deps, `/organisations/${organisation.siret}/membres`),
          },
          idempotencyKey: `invitation-redeemed:${claimed.id}`,
        });
        dispatches.push(email.dispatch);
      }
      return { organisation: { siret: organisation.siret, name: organisation.name }, roles: claimed.roles };
    });
    await dispatchAll(dispatches);
    return result;
  } catch (error) {
    if (error instanceof AppError && error.problem.kind === 'InvitationRefused') {
      await countFailures(deps.db, redeemCounters(deps, actor, ip));
    }
    throw error;
  }
}
