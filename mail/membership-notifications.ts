import {
  JOINED_VIA_LABELS,
  ORGANISATION_ROLE_LABELS,
  type JoinedVia,
  type OrganisationRole,
} from '../domain/organisation-roles.ts';
import { listActiveMembers } from '../store/memberships.ts';
import type { Queryable } from '../store/pool.ts';
import { listStaffWithRole } from '../store/users.ts';
import type { Dispatch, Mailer } from './mailer.ts';

/**
 * The emails that follow a change of membership, queued in the caller's transaction. Each returns the
 * dispatches to run once that transaction has committed.
 */
interface Person {
  id: string;
  email: string;
  givenName: string;
  familyName: string;
}

interface OrganisationRef {
  id: string;
  siret: string;
  name: string;
}

/** "Someone joined": to every other active member of the organisation. */
export async function queueMemberJoined(
  tx: Queryable,
  mailer: Mailer,
  event: {
    membershipId: string;
    organisation: OrganisationRef;
    member: Person;
    roles: OrganisationRole[];
    joinedVia: JoinedVia;
  },
): Promise<Dispatch[]> {
  const recipients = (await listActiveMembers(tx, event.organisation.id)).filter(
    (member) => member.userId !== event.member.id,
  );
  return mailer.enqueueEach(tx, recipients, (recipient) => ({
    to: recipient.email,
    template: 'member-joined',
    data: {
      recipientGivenName: recipient.givenName,
      memberName: `${event.member.givenName} ${event.member.familyName}`,
      memberEmail: event.member.email,
      organisationName: event.organisation.name,
      siret: event.organisation.siret,
      roleLabel: event.roles.map((role) => ORGANISATION_ROLE_LABELS[role]).join(', '),
      joinedViaLabel: JOINED_VIA_LABELS[event.joinedVia].toLowerCase(),
    },
    idempotencyKey: `member-joined:${event.membershipId}:${recipient.userId}`,
  }));
}

/** "A membership needs a decision": to every support agent. */
export async function queueSupportNeeded(
  tx: Queryable,
  mailer: Mailer,
  event: {
    membershipId: string;
    organisation: OrganisationRef;
    member: Person;
    reason: string;
    queueUrl: string;
  },
): Promise<Dispatch[]> {
  return mailer.enqueueEach(tx, await listStaffWithRole(tx, 'support'), (agent) => ({
    to: agent.email,
    template: 'support-needed',
    data: {
      memberName: `${event.member.givenName} ${event.member.familyName}`,
      memberEmail: event.member.email,
      organisationName: event.organisation.name,
      siret: event.organisation.siret,
      reason: event.reason,
      queueUrl: event.queueUrl,
    },
    idempotencyKey: `support-needed:${event.membershipId}:${agent.id}`,
  }));
}
