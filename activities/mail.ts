import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Logger } from 'pino';
import { readableEmail, type Mailer } from '../mail/mailer.ts';
import {
  isPermanentSmtpFailure,
  smtpFailureDetail,
  smtpFailureSummary,
  type MailTransport,
} from '../mail/transport.ts';
import {
  findEmail,
  findUndispatchedEmails,
  markSent,
  markUndeliverable,
  recordFailedAttempt,
} from '../store/outbox.ts';
import type { Db } from '../store/pool.ts';

export interface MailActivityDeps {
  db: Db;
  transport: MailTransport;
  mailer: Mailer;
  sealingKey: Buffer;
  /** Host part of Message-ID headers, so that receiving servers can recognise a message delivered twice. */
  messageIdDomain: string;
  logger: Logger;
}

const STRANDED_BATCH = 100;

export function createMailActivities(deps: MailActivityDeps) {
  const { db, transport, logger } = deps;

  return {
    /**
     * Idempotent on the outbox row: an email already sent is not sent again. The one unavoidable window (the
     * server accepted it, then this worker died before recording it) is covered by a stable Message-ID.
     */
    async sendEmail(emailId: string): Promise<'sent' | 'already_sent'> {
      const email = await findEmail(db, emailId);
      if (!email)
        throw ApplicationFailure.nonRetryable(`outbox email ${emailId} does not exist`, 'UnknownEmail');
      if (email.status !== 'pending') return 'already_sent';

      const { subject, text, html } = readableEmail(deps.sealingKey, email);
      try {
        await transport.send({
          messageId: `<${email.id}@${deps.messageIdDomain}>`,
          to: email.recipient,
          subject,
          text,
          html,
        });
      } catch (error) {
        const permanent = isPermanentSmtpFailure(error);
        await recordFailedAttempt(
          db,
          emailId,
          smtpFailureDetail(error),
          permanent ? 'permanent' : 'will_retry',
        );
        const summary = smtpFailureSummary(error);
        logger.warn({ emailId, attempt: Context.current().info.attempt, permanent }, summary);
        throw permanent
          ? ApplicationFailure.nonRetryable(summary, 'SmtpRejected')
          : ApplicationFailure.retryable(summary, 'SmtpUnavailable');
      }
      await markSent(db, emailId, transport.kind, transport.kind === 'smtp' ? 'wipe' : 'keep');
      return 'sent';
    },

    async markEmailUndeliverable(emailId: string): Promise<void> {
      await markUndeliverable(db, emailId);
    },

    async dispatchStrandedEmails(olderThanMs: number): Promise<number> {
      const ids = await findUndispatchedEmails(db, olderThanMs, STRANDED_BATCH);
      let dispatched = 0;
      for (const id of ids) {
        if (await deps.mailer.dispatch(id)) dispatched++;
      }
      if (ids.length > 0) logger.info({ found: ids.length, dispatched }, 'stranded outbox emails dispatched');
      return dispatched;
    },
  };
}

export type MailActivities = ReturnType<typeof createMailActivities>;
