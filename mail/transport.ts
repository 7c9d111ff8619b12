import nodemailer from 'nodemailer';

export interface OutgoingEmail {
  messageId: string;
  to: string;
  subject: string;
  text: string;
  html: string;
}

export interface MailTransport {
  /** Recorded on each sent email, so the outbox tells where it went. */
  kind: 'smtp' | 'dev-mailbox';
  send(email: OutgoingEmail): Promise<void>;
  close(): void;
}

/**
 * SMTP when SMTP_URL is set. Without it, "sending" files the email in the development mailbox, which is the
 * outbox table itself read by /dev/mails: there is nothing more to do than to mark it sent.
 */
export function createMailTransport(options: {
  smtpUrl: string | undefined;
  from: string;
  timeoutMs: number;
}): MailTransport {
  if (options.smtpUrl === undefined) {
    return { kind: 'dev-mailbox', send: async () => undefined, close: () => undefined };
  }
  // Leave the activity some of its time budget to record the failure when the server hangs.
  const socketTimeout = Math.max(1_000, Math.floor(options.timeoutMs * 0.8));
  const transporter = nodemailer.createTransport(
    {
      url: options.smtpUrl,
      connectionTimeout: Math.min(socketTimeout, 30_000),
      greetingTimeout: Math.min(socketTimeout, 30_000),
      socketTimeout,
    },
    { from: options.from },
  );
  return {
    kind: 'smtp',
    async send(email) {
      await transporter.sendMail({
        messageId: email.messageId,
        to: email.to,
        subject: email.subject,
        text: email.text,
        html: email.html,
      });
    },
    close: () => transporter.close(),
  };
}

interface SmtpErrorShape {
  code?: unknown;
  responseCode?: unknown;
  response?: unknown;
  message?: unknown;
}

/** A 5xx answer means the server will never take this message (unknown mailbox, refused sender…). */
export function isPermanentSmtpFailure(error: unknown): boolean {
  const code = (error as SmtpErrorShape | undefined)?.responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
}

/**
 * A short description that carries no address or message content, fit for logs and Temporal payloads
 * (servers often echo the recipient in their answer text).
 */
export function smtpFailureSummary(error: unknown): string {
  const shape = (error ?? {}) as SmtpErrorShape;
  const parts = ['SMTP delivery failed'];
  if (typeof shape.responseCode === 'number') parts.push(`reply ${shape.responseCode}`);
  if (typeof shape.code === 'string') parts.push(shape.code);
  return parts.join(', ');
}

/** The full answer, for the outbox row an operator reads. */
export function smtpFailureDetail(error: unknown): string {
  const shape = (error ?? {}) as SmtpErrorShape;
  const detail = typeof shape.response === 'string' ? shape.response : String(shape.message ?? error);
  return `${smtpFailureSummary(error)}: ${detail}`.slice(0, 1_000);
}
