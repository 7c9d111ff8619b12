import { randomUUID } from 'node:crypto';
import type { User } from '../store/users.ts';
import { requireStaffRole } from './authorization.ts';
import type { AppDeps } from './deps.ts';
import { addressCounter, spendAttempt } from './rate-limiting.ts';

/** A platform admin checks that emails leave the platform (SMTP settings, spam filters…). */
export async function sendTestEmail(
  deps: AppDeps,
  actor: User,
  input: { to: string },
): Promise<{ emailId: string }> {
  requireStaffRole(actor, 'admin');
  await spendAttempt(deps.db, [addressCounter(deps, input.to)]);
  const emailId = await deps.mailer.send({
    to: input.to,
    template: 'test-email',
    data: { requestedBy: `${actor.givenName} ${actor.familyName}`, requestedAt: new Date().toISOString() },
    idempotencyKey: `test-email:${randomUUID()}`,
  });
  return { emailId };
}
