import { z } from 'zod';
import { validationFailed } from '../domain/errors.ts';
import {
  deleteSessionsOfUser,
  findPasswordHash,
  setPasswordHash,
  updateUserNames,
  type User,
} from '../store/users.ts';
import { newPasswordSchema, personNameSchema } from './account-schemas.ts';
import type { AppDeps } from './deps.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import { parseInput } from './validation.ts';

export const profileSchema = z.object({
  givenName: personNameSchema('Le prénom'),
  familyName: personNameSchema('Le nom'),
});

export async function updateProfile(deps: AppDeps, actor: User, input: unknown): Promise<void> {
  const names = parseInput(profileSchema, input);
  await updateUserNames(deps.db, actor.id, names);
}

export const changePasswordSchema = z.object({
  currentPassword: z
    .string({ error: 'Saisissez votre mot de passe actuel.' })
    .min(1, 'Saisissez votre mot de passe actuel.')
    .max(1024),
  newPassword: newPasswordSchema,
});

/** Changes the password after checking the current one; every other session of the account ends. */
export async function changePassword(
  deps: AppDeps,
  actor: User,
  input: unknown,
  currentSessionId: string,
): Promise<void> {
  const form = parseInput(changePasswordSchema, input);
  const currentHash = await findPasswordHash(deps.db, actor.id);
  if (!currentHash || !(await verifyPassword(currentHash, form.currentPassword))) {
    throw validationFailed([{ path: 'currentPassword', message: 'Le mot de passe actuel est incorrect.' }]);
  }
  await setPasswordHash(deps.db, actor.id, await hashPassword(form.newPassword));
  await deleteSessionsOfUser(deps.db, actor.id, currentSessionId);
}
