import { AppError } from '../domain/errors';
import { hasStaffRole, type StaffRole } from '../domain/roles';
import type { User } from '../store/users';

/** Platform features whose existence is public (documented) answer 403 to people without the role. */
export function requireStaffRole(actor: User, role: StaffRole): void {
  if (!hasStaffRole(actor.staffRoles, role)) throw new AppError({ kind: 'Forbidden', reason: 'role' });
}
