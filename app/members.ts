import { z } from 'zod';
import { AppError, notFound, validationFailed } from '../domain/errors.ts';
import { ORGANISATION_ROLES, type OrganisationRole } from '../domain/organisation-roles.ts';
import {
  exclusiveConflictMessage,
  handOverRoles,
  isMainManager,
  planRoleChange,
} from '../domain/role-rules.ts';
import { findMembership, type Membership } from '../store/memberships.ts';
import {
  deleteMembership,
  listOrganisationMembers,
  moveCurrentOrganisationAway,
  setMembershipRoles,
  type OrganisationMember,
} from '../store/organisation-members.ts';
import { recordOrganisationEvent } from '../store/organisation-events.ts';
import type { Organisation } from '../store/organisations.ts';
import { withTransaction, type Queryable } from '../store/pool.ts';
import type { User } from '../store/users.ts';
import type { AppDeps } from './deps.ts';
import { requireOrganisationAccess } from './organisation-access.ts';
import { parseInput } from './validation.ts';

export interface MemberList {
  organisation: Organisation;
  members: OrganisationMember[];
  /** Whether the person looking is the main manager (who alone can hand the role over). */
  viewerIsMainManager: boolean;
}

/** The organisation's members with roles, status, how they joined and their last sign-in (administrators). */
export async function listMembers(deps: AppDeps, actor: User, siret: string): Promise<MemberList> {
  const { organisation, membership } = await requireOrganisationAccess(deps.db, actor, siret, 'admin');
  return {
    organisation,
    members: await listOrganisationMembers(deps.db, organisation.id),
    viewerIsMainManager: isMainManager(membership.roles),
  };
}

export const memberRolesSchema = z.object({
  roles: z
    .array(
      z.enum(ORGANISATION_ROLES, {
        error: (issue) =>
          `Rôle inconnu : ${JSON.stringify(issue.input)}. Rôles possibles : ${ORGANISATION_ROLES.join(', ')}.`,
      }),
      { error: 'Choisissez au moins un rôle.' },
    )
    .min(1, 'Choisissez au moins un rôle.'),
});

const MAIN_MANAGER_STAYS = {
  kind: 'Conflict',
  code: 'main_manager_must_hand_over',
} as const;

async function activeMember(tx: Queryable, organisationId: string, userId: string): Promise<Membership> {
  const membership = await findMembership(tx, organisationId, userId);
  if (membership?.status !== 'active') throw notFound();
  return membership;
}

/**
 * An administrator changes a member's roles. The main manager's role is neither given nor taken here (it is
 * handed over); an exclusive role stays alone. The affected person's next request sees the new roles.
 */
export async function changeMemberRoles(
  deps: AppDeps,
  actor: User,
  siret: string,
  userId: string,
  input: unknown,
): Promise<{ userId: string; roles: OrganisationRole[] }> {
  return withTransaction(deps.db, async (tx) => {
    const { organisation } = await requireOrganisationAccess(tx, actor, siret, 'admin', { lock: true });
    const member = await activeMember(tx, organisation.id, userId);
    const form = parseInput(memberRolesSchema, input);
    const change = planRoleChange(member.roles, form.roles);
    if (!change.ok) {
      if (change.problem === 'removes_main_manager') {
        throw new AppError({
          ...MAIN_MANAGER_STAYS,
          message:
            'Le gestionnaire principal garde ce rôle tant qu’il ne l’a pas transmis à un autre membre : l’organisation en a toujours un.',
        });
      }
      throw validationFailed([
        {
          path: 'roles',
          message:
            change.problem === 'grants_main_manager'
              ? 'Le rôle de gestionnaire principal ne s’attribue pas : le gestionnaire principal actuel le transmet.'
              : exclusiveConflictMessage(change.conflict!),
        },
      ]);
    }
    const unchanged =
      change.roles.length === member.roles.length &&
      change.roles.every((role) => member.roles.includes(role));
    if (!unchanged) {
      await setMembershipRoles(tx, member.id, change.roles);
      await recordOrganisationEvent(tx, {
        organisationId: organisation.id,
        actorId: actor.id,
        type: 'member_roles_changed',
        details: { userId, from: member.roles, to: change.roles },
      });
    }
    return { userId, roles: change.roles };
  });
}

/**
 * An administrator removes a member, or a member leaves (their own id). The main manager can do neither
 * before handing the role over.
 */
export async function removeMember(deps: AppDeps, actor: User, siret: string, userId: string): Promise<void> {
  const leaving = userId === actor.id;
  await withTransaction(deps.db, async (tx) => {
    const { organisation } = await requireOrganisationAccess(tx, actor, siret, leaving ? 'member' : 'admin', {
      lock: true,
    });
    const member = await activeMember(tx, organisation.id, userId);
    if (isMainManager(member.roles)) {
      throw new AppError({
        ...MAIN_MANAGER_STAYS,
        message: leaving
          ? 'Vous êtes gestionnaire principal : transmettez d’abord ce rôle à un autre membre pour pouvoir quitter l’organisation.'
          : 'Le gestionnaire principal ne peut pas être retiré : il doit d’abord transmettre ce rôle à un autre membre.',
      });
    }
    await deleteMembership(tx, member.id);
    await moveCurrentOrganisationAway(tx, userId, organisation.id);
    await recordOrganisationEvent(
      tx,
      leaving
        ? {
            organisationId: organisation.id,
            actorId: actor.id,
            type: 'member_left',
            details: { userId, roles: member.roles },
          }
        : {
            organisationId: organisation.id,
            actorId: actor.id,
            type: 'member_removed',
            details: { userId, roles: member.roles },
          },
    );
  });
}

export const handOverSchema = z.object({
  userId: z.uuid({ error: 'Choisissez le membre à qui transmettre le rôle.' }),
});

/**
 * The main manager hands the role to another active member, who keeps their roles (but a read-only one); the
 * former main manager stays an administrator.
 */
export async function handOverMainManager(
  deps: AppDeps,
  actor: User,
  siret: string,
  input: unknown,
): Promise<{
  from: { userId: string; roles: OrganisationRole[] };
  to: { userId: string; roles: OrganisationRole[] };
}> {
  return withTransaction(deps.db, async (tx) => {
    const { organisation, membership } = await requireOrganisationAccess(tx, actor, siret, 'main_manager', {
      lock: true,
    });
    const { userId } = parseInput(handOverSchema, input);
    if (userId === actor.id) {
      throw validationFailed([{ path: 'userId', message: 'Vous êtes déjà gestionnaire principal.' }]);
    }
    const target = await findMembership(tx, organisation.id, userId);
    if (target?.status !== 'active') {
      throw validationFailed([
        { path: 'userId', message: 'Cette personne n’est pas un membre actif de l’organisation.' },
      ]);
    }
    const roles = handOverRoles(membership.roles, target.roles);
    // In this order: the organisation never has two main managers, not even between two statements.
    await setMembershipRoles(tx, membership.id, roles.from);
    await setMembershipRoles(tx, target.id, roles.to);
    await recordOrganisationEvent(tx, {
      organisationId: organisation.id,
      actorId: actor.id,
      type: 'main_manager_handed_over',
      details: { fromUserId: actor.id, toUserId: userId },
    });
    return { from: { userId: actor.id, roles: roles.from }, to: { userId, roles: roles.to } };
  });
}
