import { z } from 'zod';
import { AppError } from '../domain/errors.ts';
import { hashLinkToken, newLinkToken } from '../security/link-tokens.ts';
import { consumePasswordReset, insertPasswordReset, resetLinkState } from '../store/password-resets.ts';
import { withTransaction } from '../store/pool.ts';
import { deleteSessionsOfUser, findAccountByEmail, setPasswordHash } from '../store/users.ts';
import { emailOnlySchema, linkTokenSchema, newPasswordSchema } from './account-schemas.ts';
import { pageUrl, type AppDeps } from './deps.ts';
import { hashPassword } from './passwords.ts';
import { emailCounters, spendAttempt } from './rate-limiting.ts';
import { parseInput } from './validation.ts';

const refused = (reason: 'unknown' | 'expired' | 'used') =>
  new AppError({ kind: 'LinkRefused', link: 'password_reset', reason });

/**
 * "Forgotten password": emails a single-use link valid PASSWORD_RESET_TTL to an active account. Every address
 * gets the same answer, whether it has an account or not.
 */
export async function requestPasswordReset(deps: AppDeps, input: unknown, ip: string): Promise<void> {
  const { email } = parseInput(emailOnlySchema, input);
  await spendAttempt(deps.db, emailCounters(deps, email, ip));
  const account = await findAccountByEmail(deps.db, email);
  if (account?.status !== 'active') return;

  const { token, hash } = newLinkToken();
  const expiresAt = new Date(Date.now() + deps.accounts.passwordResetTtlMs);
  const queued = await withTransaction(deps.db, async (tx) => {
    await insertPasswordReset(tx, { tokenHash: hash, userId: account.id, expiresAt });
    return deps.mailer.enqueue(tx, {
      to: email,
      template: 'password-reset',
      data: { givenName: account.givenName, expiresAt: expiresAt.toISOString() },
      secrets: { resetUrl: pageUrl(deps, `/mot-de-passe/reinitialiser/${token}`) },
      idempotencyKey: `password-reset:${hash}`,
    });
  });
  await queued.dispatch();
}

/** Whether a reset link can still be used, for the page that asks for the new password. */
export async function checkPasswordResetLink(deps: AppDeps, token: string): Promise<void> {
  if (!linkTokenSchema.safeParse(token).success) throw refused('unknown');
  const state = await resetLinkState(deps.db, hashLinkToken(token));
  if (state !== 'valid') throw refused(state);
}

export const completePasswordResetSchema = z.object({
  token: z.string({ error: 'Le lien est incomplet.' }),
  password: newPasswordSchema,
});

/**
 * Sets the new password with a valid link, once. Every session of the account ends: whoever knew the old
 * password is signed out.
 */
export async function completePasswordReset(deps: AppDeps, input: unknown): Promise<{ userId: string }> {
  const form = parseInput(completePasswordResetSchema, input);
  if (!linkTokenSchema.safeParse(form.token).success) throw refused('unknown');
  const tokenHash = hashLinkToken(form.token);
  const passwordHash = await hashPassword(form.password);
  const userId = await withTransaction(deps.db, async (tx) => {
    const owner = await consumePasswordReset(tx, tokenHash);
    if (!owner) return undefined;
    await setPasswordHash(tx, owner, passwordHash);
    await deleteSessionsOfUser(tx, owner);
    return owner;
  });
  if (userId === undefined) {
    const state = await resetLinkState(deps.db, tokenHash);
    throw refused(state === 'valid' ? 'used' : state);
  }
  return { userId };
}
