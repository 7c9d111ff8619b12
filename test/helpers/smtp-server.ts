import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export type SmtpBehaviour = 'accept' | 'temporary-failure' | 'permanent-failure' | 'hang';

export interface ReceivedMail {
  from: string;
  to: string[];
  subject: string;
  messageId: string;
  raw: string;
}

/** Decodes RFC 2047 encoded words (`=?UTF-8?Q?…?=`), as nodemailer writes non-ASCII subjects. */
function decodeHeader(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(
      /=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g,
      (_whole, _charset: string, encoding: string, text: string) =>
        encoding.toUpperCase() === 'B'
          ? Buffer.from(text, 'base64').toString('utf8')
          : Buffer.from(
              text
                .replace(/_/g, ' ')
                .replace(/=([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))),
              'latin1',
            ).toString('utf8'),
    );
}

function header(raw: string, name: string): string {
  const head = raw.split(/\r?\n\r?\n/)[0] ?? '';
  const unfolded = head.replace(/\r?\n[ \t]+/g, ' ');
  const line = unfolded
    .split(/\r?\n/)
    .find((candidate) => candidate.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return decodeHeader(line?.slice(name.length + 1).trim() ?? '');
}

/**
 * A real SMTP server for tests. `behaviour(attempt)` decides, for each message handed over (1, 2, …), whether
 * it is accepted, refused for now (451), refused for good (550), or never answered (the sender hangs).
 */
export async function startSmtpServer(behaviour: (attempt: number) => SmtpBehaviour = () => 'accept') {
  const received: ReceivedMail[] = [];
  const attempts: SmtpBehaviour[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    closeTimeout: 500,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const decision = behaviour(attempts.length + 1);
        attempts.push(decision);
        for (const waiter of waiters.filter((candidate) => attempts.length >= candidate.count))
          waiter.resolve();
        if (decision === 'hang') return;
        if (decision === 'temporary-failure') {
          return callback(
            Object.assign(new Error('Service temporairement indisponible'), { responseCode: 451 }),
          );
        }
        if (decision === 'permanent-failure') {
          return callback(Object.assign(new Error('Boîte aux lettres inconnue'), { responseCode: 550 }));
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((recipient) => recipient.address),
          subject: header(raw, 'Subject'),
          messageId: header(raw, 'Message-ID'),
          raw,
        });
        callback();
      });
    },
  });
  // A sender that vanishes mid-session (a worker SIGKILLed by the chaos run) resets its connection: the
  // server's 'error' event, which would end the process listening if nobody handled it.
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;

  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    attempts,
    /** Resolves once `count` messages have been handed over (whatever the answer). */
    attemptsReached(count: number): Promise<void> {
      if (attempts.length >= count) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ count, resolve }));
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
