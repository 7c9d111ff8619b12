import type { Logger } from 'pino';
import type { EmailDeliveries } from '../ports/email-deliveries.ts';
import { insertEmail, markDispatched, type OutboxEmail } from '../store/outbox.ts';
import { withTransaction, type Db, type Queryable } from '../store/pool.ts';
import type { MailData, MailSecrets, MailTemplate } from './catalog.ts';
import type { MailRenderer } from './renderer.ts';
import { prepareSecrets, revealSecrets } from './secrets.ts';

export interface MailRequest<T extends MailTemplate> {
  to: string;
  template: T;
  data: MailData<T>;
  secrets?: MailSecrets<T>;
  /** Names the business event that causes this email: queuing it again with the same key does nothing. */
  idempotencyKey: string;
}

/** Starts an outbox email's delivery; to call once the transaction that queued it has committed. */
export type Dispatch = () => Promise<void>;

/** Starts the deliveries of a committed transaction's emails, side by side: each is one call to Temporal. */
export async function dispatchAll(dispatches: readonly Dispatch[]): Promise<void> {
  await Promise.all(dispatches.map((dispatch) => dispatch()));
}

export interface Mailer {
  /**
   * Writes the email to the outbox inside the caller's transaction. Call `dispatch` once that transaction has
   * committed; if it is never called (crash), the outbox relay delivers the email anyway.
   */
  enqueue<T extends MailTemplate>(
    tx: Queryable,
    request: MailRequest<T>,
  ): Promise<{ id: string; dispatch: Dispatch }>;
  /** `enqueue` of one email per recipient; their dispatches, in order. */
  enqueueEach<R, T extends MailTemplate>(
    tx: Queryable,
    recipients: readonly R[],
    email: (recipient: R) => MailRequest<T>,
  ): Promise<Dispatch[]>;
  /** Enqueues in a transaction of its own, then dispatches. */
  send<T extends MailTemplate>(request: MailRequest<T>): Promise<string>;
  /** Starts the delivery workflow of an outbox email; true when it runs (or already ran). */
  dispatch(emailId: string): Promise<boolean>;
}

export interface MailerDeps {
  db: Db;
  renderer: MailRenderer;
  sealingKey: Buffer;
  deliveries: EmailDeliveries;
  logger: Logger;
}

/** The associated data that binds an email's sealed secrets to it. */
export const emailSecretsBinding = (idempotencyKey: string) => `outbox:${idempotencyKey}`;

/** An outbox email as its recipient reads it: secrets back in place (while they have not been wiped). */
export function readableEmail<T extends OutboxEmail>(sealingKey: Buffer, email: T): T {
  return {
    ...email,
    ...revealSecrets(sealingKey, email, email.sealedSecrets, emailSecretsBinding(email.idempotencyKey)),
  };
}

export function createMailer(deps: MailerDeps): Mailer {
  const { db, renderer, deliveries, logger } = deps;

  async function dispatch(emailId: string): Promise<boolean> {
    try {
      await deliveries.start(emailId);
    } catch (error) {
      // The email is safe in the outbox: the relay workflow will start its delivery later.
      logger.warn({ emailId, err: error }, 'email queued but its delivery could not be started yet');
      return false;
    }
    await markDispatched(db, emailId);
    return true;
  }

  async function enqueue<T extends MailTemplate>(tx: Queryable, request: MailRequest<T>) {
    const binding = emailSecretsBinding(request.idempotencyKey);
    const secrets = request.secrets ? prepareSecrets(deps.sealingKey, request.secrets, binding) : undefined;
    const rendered = renderer.render(request.template, { ...request.data, ...secrets?.markers });
    const { id } = await insertEmail(tx, {
      idempotencyKey: request.idempotencyKey,
      template: request.template,
      recipient: request.to,
      ...rendered,
      sealedSecrets: secrets?.sealed ?? null,
    });
    return { id, dispatch: async () => void (await dispatch(id)) };
  }

  return {
    enqueue,
    async enqueueEach(tx, recipients, email) {
      const dispatches: Dispatch[] = [];
      for (const recipient of recipients) dispatches.push((await enqueue(tx, email(recipient))).dispatch);
      return dispatches;
    },
    dispatch,
    async send(request) {
      const queued = await withTransaction(db, (tx) => enqueue(tx, request));
      await queued.dispatch();
      return queued.id;
    },
  };
}
