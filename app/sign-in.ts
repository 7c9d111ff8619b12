import { AppError } from '../domain/errors.ts';
import { clearCount } from '../store/rate-limits.ts';
import { countFailures, refuseWhenLimited, type Counter } from './rate-limiting.ts';
import { findUserForSignIn, recordLogin, type User } from '../store/users.ts';
import type { AppDeps } from './deps.ts';
import { verifyAgainstDecoy, verifyPassword } from './passwords.ts';

const accountKey = (email: string) => `sign-in:account:${email}`;

/** Failed sign-ins tolerated per window, past which even the right password gets 429. */
function counters(deps: AppDeps, input: { email: string; ip: string }): Counter[] {
  return [
    { key: accountKey(input.email), limit: deps.rateLimits.signInFailuresPerAccount },
    { key: `sign-in:ip:${input.ip}`, limit: deps.rateLimits.signInFailuresPerIp },
  ];
}

/**
 * Checks an email and password. An unknown email, a wrong password and an account that cannot sign in get the
 * same answer in the same time; failures count per account and per IP address.
 */
export async function signIn(
  deps: AppDeps,
  input: { email: string; password: string; ip: string },
): Promise<User> {
  await refuseWhenLimited(deps.db, counters(deps, input));

  const user = await findUserForSignIn(deps.db, input.email);
  const passwordMatches = user
    ? await verifyPassword(user.passwordHash, input.password)
    : await verifyAgainstDecoy(input.password);

  if (!user || !passwordMatches || user.status !== 'active') {
    await countFailures(deps.db, counters(deps, input));
    throw new AppError({ kind: 'InvalidCredentials' });
  }

  await clearCount(deps.db, accountKey(input.email));
  await recordLogin(deps.db, user.id);
  const { passwordHash: _, ...signedIn } = user;
  return signedIn;
}
