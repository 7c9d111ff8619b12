import { mayWriteRequests, type OrganisationRole } from './organisation-roles.ts';

/**
 * Who may do what with an organisation's credentials (spec §1, §5): every active member sees them; readers
 * (`lecteur`) only see; the others act (reveal, rotate, revoke, renew) and are the ones emailed about them.
 * Technical accounts are the main manager's alone.
 */
export function canActOnCredentials(roles: readonly OrganisationRole[]): boolean {
  return mayWriteRequests(roles);
}
