import type { DirectoryFacts } from '../domain/directory-facts.ts';
import { emailDomain } from '../domain/email-address.ts';
import { decideMembership, type MatchCase } from '../domain/organisation-matching.ts';
import type { Dispatch, Mailer } from '../mail/mailer.ts';
import { queueMemberJoined, queueSupportNeeded } from '../mail/membership-notifications.ts';
import {
  findMembership,
  insertMembership,
  listActiveMembers,
  type Membership,
} from '../store/memberships.ts';
import { recordOrganisationEvent } from '../store/organisation-events.ts';
import { lockOrganisation, type Organisation } from '../store/organisations.ts';
import type { Queryable } from '../store/pool.ts';
import { setCurrentOrganisation } from '../store/users.ts';

export interface OrganisationMatching {
  case: MatchCase;
  organisation: Organisation;
  membership: Membership;
  /** False when the person was already attached (a retried activation, a later sign-in with the same SIRET). */
  joinedNow: boolean;
}

function caseOf(membership: Membership): MatchCase {
  if (membership.status !== 'active') return 'pending_support';
  return membership.roles.includes('gestionnaire_principal') && membership.joinedVia === 'creation'
    ? 'main_manager'
    : 'joined_by_domain';
}

/**
 * Attaches a person to the organisation of an establishment by the rules of spec §2 (domain/organisation-matching.ts),
 * in the caller's transaction: the organisation is created from the directory facts if it is new, the membership
 * written with its event, and the emails it causes queued (members told, support alerted). The one place both
 * an email account's activation and a ProConnect sign-in attach people; idempotent, so a retry or a later
 * sign-in with the same SIRET finds the membership it made. The dispatches run after the commit.
 */
export async function attachToOrganisation(
  tx: Queryable,
  deps: { mailer: Mailer; publicUrl: URL },
  input: {
    user: { id: string; email: string; givenName: string; familyName: string };
    establishment: DirectoryFacts;
    /** When the directory vouched for the facts. */
    checkedAt: Date;
  },
): Promise<{ matching: OrganisationMatching; dispatches: Dispatch[] }> {
  const { user } = input;
  const { organisation } = await lockOrganisation(tx, input.establishment, input.checkedAt);

  const existing = await findMembership(tx, organisation.id, user.id);
  if (existing) {
    if (existing.status === 'active') await setCurrentOrganisation(tx, user.id, organisation.id);
    return {
      matching: { case: caseOf(existing), organisation, membership: existing, joinedNow: false },
      dispatches: [],
    };
  }

  const members = await listActiveMembers(tx, organisation.id);
  const decision = decideMembership({
    emailDomain: emailDomain(user.email),
    activeMemberDomains: [...new Set(members.map((member) => emailDomain(member.email)))],
  });
  const membership = await insertMembership(tx, {
    organisationId: organisation.id,
    userId: user.id,
    roles: decision.roles,
    status: decision.status,
    joinedVia: decision.case === 'joined_by_domain' ? 'email_domain' : 'creation',
    supportReason: decision.supportReason,
  });
  if (membership.status === 'active') {
    await setCurrentOrganisation(tx, user.id, organisation.id);
    await recordOrganisationEvent(tx, {
      organisationId: organisation.id,
      actorId: user.id,
      type: 'member_joined',
      details: { userId: user.id, roles: membership.roles, joinedVia: membership.joinedVia },
    });
  }

  const dispatches: Dispatch[] = [];
  if (decision.case === 'joined_by_domain') {
    dispatches.push(
      ...(await queueMemberJoined(tx, deps.mailer, {
        membershipId: membership.id,
        organisation,
        member: user,
        roles: membership.roles,
        joinedVia: membership.joinedVia,
      })),
    );
  } else if (decision.case === 'pending_support') {
    dispatches.push(
      ...(await queueSupportNeeded(tx, deps.mailer, {
        membershipId: membership.id,
        organisation,
        member: user,
        reason: decision.supportReason ?? '',
        queueUrl: new URL('/support/rattachements', deps.publicUrl).toString(),
      })),
    );
  }
  return { matching: { case: decision.case, organisation, membership, joinedNow: true }, dispatches };
}
