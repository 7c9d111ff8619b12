import { AppError } from '../domain/errors.ts';
import { clearCount, countHit } from '../store/rate-limits.ts';
import { refuseWhenLimited } from './rate-limiting.ts';
import { findUserForSignIn, recordLogin, type User } from '../store/users.ts';
import type { AppDeps } from './deps.ts';
import { verifyAgainstDecoy, verifyPassword } from './passwords.ts';

/** Failed sign-ins tolerated per window before answering 429 even to the right password. */
export const SIGN_IN_LIMITS = {
  windowMs: 15 * 60_000,
  failuresPerAccount: 5,
  failuresPerIp: 20,
} as const;

const accountKey = (email: string) => `sign-in:account:${email}`;
const ipKey = (ip: string) => `sign-in:ip:${ip}`;

/**
 * Checks an email and password. An unknown email, a wrong password and an account that cannot sign in get the
 * same answer in the same time; failures count per account and per IP address.
 */
export async function signIn(
  deps: AppDeps,
  input: { email: string; password: string; ip: string },
): Promise<User> {
  await refuseWhenLimited(deps.db, [
    { key: accountKey(input.email), max: SIGN_IN_LIMITS.failuresPerAccount },
    { key: ipKey(input.ip), max: SIGN_IN_LIMITS.failuresPerIp },
  ]);

  const user = await findUserForSignIn(deps.db, input.email);
  const passwordMatches = user
    ? await verifyPassword(user.passwordHash, input.password)
    : await verifyAgainstDecoy(input.password);

  if (!user || !passwordMatches || user.status !== 'active') {
    await countHit(deps.db, accountKey(input.email), SIGN_IN_LIMITS.windowMs);
    await countHit(deps.db, ipKey(input.ip), SIGN_IN_LIMITS.windowMs);
    throw new AppError({ kind: 'InvalidCredentials' });
  }

  await clearCount(deps.db, accountKey(input.email));
  await recordLogin(deps.db, user.id);
  const { passwordHash: _, ...signedIn } = user;
  return signedIn;
}
