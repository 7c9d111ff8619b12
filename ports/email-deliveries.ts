/**
 * Starts the delivery of an outbox email (runtime/email-deliveries.ts builds it on a Temporal client). The
 * mailer only knows this port, so that mail/ does not depend on the workflows that deliver.
 */
export interface EmailDeliveries {
  /** Starts the email's delivery; 'running' when it was already started (it runs or ran). Throws when it cannot. */
  start(emailId: string): Promise<'started' | 'running'>;
}
