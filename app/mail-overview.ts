import { readableEmail } from '../mail/mailer.ts';
import { countEmailsByStatus, findEmail, listRecentEmails, type OutboxEmail } from '../store/outbox.ts';
import type { User } from '../store/users.ts';
import { requireStaffRole } from './authorization.ts';
import type { AppDeps } from './deps.ts';

/** What an admin sees of email delivery: counts per status and the latest emails with their last error. */
export async function getMailOverview(deps: AppDeps, actor: User, limit = 20) {
  requireStaffRole(actor, 'admin');
  const [counts, recent] = await Promise.all([
    countEmailsByStatus(deps.db),
    listRecentEmails(deps.db, limit),
  ]);
  return {
    counts,
    recent: recent.map(
      ({ id, template, recipient, subject, status, attempts, lastError, createdAt, sentAt }) => ({
        id,
        template,
        recipient,
        subject,
        status,
        attempts,
        lastError,
        createdAt,
        sentAt,
      }),
    ),
  };
}

/**
 * The development mailbox: every email as its recipient would read it. Only mounted outside production and
 * without SMTP, where the outbox is the mailbox.
 */
export async function listDevelopmentMailbox(deps: AppDeps, limit = 200): Promise<OutboxEmail[]> {
  return (await listRecentEmails(deps.db, limit)).map((email) => readableEmail(deps.sealingKey, email));
}

export async function readDevelopmentEmail(deps: AppDeps, id: string): Promise<OutboxEmail | undefined> {
  const email = await findEmail(deps.db, id);
  return email && readableEmail(deps.sealingKey, email);
}
