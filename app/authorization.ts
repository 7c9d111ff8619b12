import { AppError } from '../domain/errors.ts';
import { hasStaffRole, type StaffRole } from '../domain/roles.ts';
import type { User } from '../store/users.ts';

/** Platform features whose existence is public (documented) answer 403 to people without the role. */
export function requireStaffRole(actor: User, role: StaffRole): void {
  if (!hasStaffRole(actor.staffRoles, role)) throw new AppError({ kind: 'Forbidden', reason: 'role' });
}
