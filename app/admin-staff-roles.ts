import { z } from 'zod';
import { emailAddressSchema } from '../domain/email-address.ts';
import { AppError, validationFailed } from '../domain/errors.ts';
import { idSchema } from '../domain/identifiers.ts';
import { PLATFORM_ROLES, STAFF_ROLES, STAFF_ROLE_LABELS, type StaffRole } from '../domain/roles.ts';
import {
  deleteStaffGrant,
  findUserByEmail,
  insertStaffGrant,
  listStaffGrants,
  type StaffGrantRow,
} from '../store/admin-staff-roles.ts';
import type { User } from '../store/users.ts';
import { requireStaffRole } from './authorization.ts';
import type { AppDeps } from './deps.ts';
import { parseInput } from './validation.ts';

const roleSchema = z.enum(STAFF_ROLES, {
  error: `Rôle inconnu ; valeurs possibles : ${STAFF_ROLES.join(', ')}.`,
});

const definitionSchema = z
  .string({ error: 'Identifiant d’API attendu.' })
  .trim()
  .max(64, 'Identifiant d’API trop long.')
  .optional();

export const grantStaffRoleSchema = z.object({
  email: z
    .string({ error: 'Saisissez l’adresse électronique de la personne.' })
    .trim()
    .min(1, 'Saisissez l’adresse électronique de la personne.')
    .pipe(emailAddressSchema),
  role: roleSchema,
  definition: definitionSchema,
});

export const withdrawStaffRoleSchema = z.object({
  userId: idSchema,
  role: roleSchema,
  definition: definitionSchema,
});

const isPlatformRole = (role: StaffRole) => (PLATFORM_ROLES as readonly string[]).includes(role);

/**
 * A grant as the platform stores it: platform roles (admin, support) name no API; the others name one that exists.
 * (Grants on every API, a central team's, are seeded by configuration and only withdrawn here.)
 */
function checkedGrant(
  deps: AppDeps,
  role: StaffRole,
  definition: string | undefined,
  forWithdrawal: boolean,
) {
  if (isPlatformRole(role)) {
    if (definition !== undefined)
      throw validationFailed([
        { path: 'definition', message: `Le rôle « ${STAFF_ROLE_LABELS[role]} » ne porte sur aucune API.` },
      ]);
    return null;
  }
  if (definition === undefined) {
    if (forWithdrawal) return null;
    throw validationFailed([{ path: 'definition', message: 'Choisissez l’API sur laquelle porte ce rôle.' }]);
  }
  if (!deps.definitions.find(definition))
    throw validationFailed([{ path: 'definition', message: 'Aucune API ne porte cet identifiant.' }]);
  return definition;
}

/** Every staff role held on the platform, with who holds it (platform admins). */
export async function listStaffRoles(deps: AppDeps, actor: User): Promise<StaffGrantRow[]> {
  requireStaffRole(actor, 'admin');
  return listStaffGrants(deps.db);
}

/**
 * A platform admin gives a person a staff role: instructor, reporter or developer of an API, support or admin.
 * The person needs an active account; a role they already hold is left as it is (`granted: false`). The role
 * applies from their next request: the current user is read from Postgres on every request.
 */
export async function grantStaffRole(
  deps: AppDeps,
  actor: User,
  input: unknown,
): Promise<{ userId: string; granted: boolean }> {
  requireStaffRole(actor, 'admin');
  const { email, role, definition } = parseInput(grantStaffRoleSchema, input);
  const grantDefinition = checkedGrant(deps, role, definition || undefined, false);
  const user = await findUserByEmail(deps.db, email);
  if (!user || user.status !== 'active')
    throw validationFailed([
      {
        path: 'email',
        message: 'Aucun compte actif n’utilise cette adresse : la personne doit d’abord créer son compte.',
      },
    ]);
  const granted = await insertStaffGrant(deps.db, { userId: user.id, role, definition: grantDefinition });
  return { userId: user.id, granted };
}

/**
 * A platform admin withdraws a staff role. Withdrawing one that is no longer held changes nothing
 * (`withdrawn: false`: a second click, or another admin was quicker). An admin cannot withdraw their own admin
 * role, so that the platform never loses its last admin by a slip.
 */
export async function withdrawStaffRole(
  deps: AppDeps,
  actor: User,
  input: unknown,
): Promise<{ withdrawn: boolean }> {
  requireStaffRole(actor, 'admin');
  const { userId, role, definition } = parseInput(withdrawStaffRoleSchema, input);
  const grantDefinition = checkedGrant(deps, role, definition || undefined, true);
  if (role === 'admin' && userId === actor.id)
    throw new AppError({
      kind: 'Conflict',
      code: 'own_admin_role',
      message:
        'Vous ne pouvez pas retirer votre propre rôle d’administrateur : demandez-le à un autre administrateur.',
    });
  return { withdrawn: await deleteStaffGrant(deps.db, { userId, role, definition: grantDefinition }) };
}
