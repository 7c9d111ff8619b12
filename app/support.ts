import { z } from 'zod';
import { dispatchAll } from '../mail/mailer.ts';
import { AppError, notFound } from '../domain/errors.ts';
import { rolesOnSupportApproval } from '../domain/organisation-matching.ts';
import { hasStaffRole } from '../domain/roles.ts';
import { queueMemberJoined } from '../mail/membership-notifications.ts';
import {
  decidePendingMembership,
  findMembershipById,
  listActiveMembers,
  countPendingSupport,
  listPendingSupport,
  type PendingMembership,
} from '../store/memberships.ts';
import { recordOrganisationEvent } from '../store/organisation-events.ts';
import { lockOrganisationById } from '../store/organisations.ts';
import { withTransaction } from '../store/pool.ts';
import { findUserById, setCurrentOrganisation, type User } from '../store/users.ts';
import { pageUrl, type AppDeps } from './deps.ts';
import { parseInput } from './validation.ts';
import { textInput } from '../domain/text-input.ts';

function requireSupport(actor: User): void {
  if (!hasStaffRole(actor.staffRoles, 'support') && !hasStaffRole(actor.staffRoles, 'admin')) {
    throw new AppError({ kind: 'Forbidden', reason: 'role' });
  }
}

/** The queue of memberships waiting for support, oldest first. */
export async function listSupportQueue(deps: AppDeps, actor: User): Promise<PendingMembership[]> {
  requireSupport(actor);
  return listPendingSupport(deps.db);
}

/** The length of support's queue, for the dashboard. */
export async function countSupportQueue(deps: AppDeps, actor: User): Promise<number> {
  requireSupport(actor);
  return countPendingSupport(deps.db);
}

const message = textInput({ required: 'Le message doit être un texte.', multiline: true })
  .trim()
  .max(2_000, 'Le message ne peut dépasser 2 000 caractères.');

export const approveSchema = z.object({ message: message.optional() });
export const rejectSchema = z.object({
  message: message.min(1, 'Expliquez le refus : ce message est envoyé à la personne concernée.'),
});

/**
 * Support's decision on a pending membership, once: a second decision (or a race between two agents) is
 * refused. Approved, the person joins as applicant — or as main manager if nobody is active yet.
 */
export async function decideMembership(
  deps: AppDeps,
  actor: User,
  membershipId: string,
  decision: 'approve' | 'reject',
  input: unknown,
): Promise<{ status: 'active' | 'rejected'; roles: string[] }> {
  requireSupport(actor);
  const form = parseInput(decision === 'approve' ? approveSchema : rejectSchema, input);
  const dispatches: (() => Promise<void>)[] = [];
  const result = await withTransaction(deps.db, async (tx) => {
    const membership = await findMembershipById(tx, membershipId, { forUpdate: true });
    if (!membership) throw notFound();
    if (membership.status !== 'pending_support') {
      throw new AppError({
        kind: 'Conflict',
        code: 'membership_already_decided',
        message: 'Cette demande de rattachement a déjà été traitée.',
      });
    }
    // Locked, so that two decisions for the same organisation cannot both make a main manager.
    const organisation = (await lockOrganisationById(tx, membership.organisationId))!;
    const member = (await findUserById(tx, membership.userId))!;
    const approved = decision === 'approve';
    const roles = approved
      ? rolesOnSupportApproval((await listActiveMembers(tx, organisation.id)).length > 0)
      : membership.roles;
    await decidePendingMembership(tx, {
      membershipId,
      status: approved ? 'active' : 'rejected',
      roles,
      decidedBy: actor.id,
      message: form.message || null,
    });
    if (approved && member.currentOrganisationId === null)
      await setCurrentOrganisation(tx, member.id, organisation.id);
    if (approved) {
      await recordOrganisationEvent(tx, {
        organisationId: organisation.id,
        actorId: actor.id,
        type: 'member_joined',
        details: { userId: member.id, roles, joinedVia: 'support' },
      });
    }

    const decisionEmail = await deps.mailer.enqueue(tx, {
      to: member.email,
      template: 'support-decision',
      data: {
        givenName: member.givenName,
        organisationName: organisation.name,
        siret: organisation.siret,
        approved,
        message: form.message ?? '',
        signInUrl: pageUrl(deps, '/connexion'),
      },
      idempotencyKey: `support-decision:${membershipId}`,
    });
    dispatches.push(decisionEmail.dispatch);
    if (approved) {
      dispatches.push(
        ...(await queueMemberJoined(tx, deps.mailer, {
          membershipId,
          organisation,
          member,
          roles,
          joinedVia: 'support',
        })),
      );
    }
    return { status: approved ? ('active' as const) : ('rejected' as const), roles };
  });
  await dispatchAll(dispatches);
  return result;
}
