import { canActOnCredentials } from '../domain/credential-access.ts';
import { hasStaffRole } from '../domain/roles.ts';
import type { Habilitation } from '../store/habilitations.ts';
import { findMembership } from '../store/memberships.ts';
import type { Queryable } from '../store/pool.ts';
import type { User } from '../store/users.ts';

/**
 * How a person relates to a habilitation's credentials: `act` for the organisation's members who manage them,
 * `read` for its readers (and the definition's reporters), `instruct` for the definition's instructors and
 * platform admins (who see and may revoke), `none` for everyone else — to whom they do not exist (404).
 */
export type CredentialAccess = 'none' | 'read' | 'act' | 'instruct';

export async function credentialAccess(
  db: Queryable,
  actor: User,
  habilitation: Pick<Habilitation, 'organisationId' | 'definition'>,
): Promise<CredentialAccess> {
  const membership = await findMembership(db, habilitation.organisationId, actor.id);
  if (membership?.status === 'active' && canActOnCredentials(membership.roles)) return 'act';
  if (
    hasStaffRole(actor.staffRoles, 'instructeur', habilitation.definition) ||
    hasStaffRole(actor.staffRoles, 'admin')
  )
    return 'instruct';
  if (membership?.status === 'active') return 'read';
  if (hasStaffRole(actor.staffRoles, 'rapporteur', habilitation.definition)) return 'read';
  return 'none';
}
