import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { EmailDeliveries } from '../ports/email-deliveries.ts';
import type { deliverEmail, DeliverEmailInput } from '../workflows/mail-delivery.ts';
import type { Config } from './config.ts';

export const deliveryWorkflowId = (emailId: string) => `email-${emailId}`;

/**
 * One `deliverEmail` workflow per outbox email, its id fixed by the email's: starting it twice (a retried
 * step, the relay) finds the one that runs or ran.
 */
export function createEmailDeliveries(
  temporal: { client: Client; taskQueue: string; callTimeoutMs: number },
  config: Config,
): EmailDeliveries {
  const { client, taskQueue } = temporal;
  const settings: Omit<DeliverEmailInput, 'emailId'> = {
    sendTimeoutMs: config.mail.sendTimeoutMs,
    retryInitialIntervalMs: config.mail.retryInitialIntervalMs,
    retryMaxIntervalMs: config.mail.retryMaxIntervalMs,
    giveUpAfterMs: config.mail.giveUpAfterMs,
  };
  return {
    async start(emailId) {
      try {
        await client.withDeadline(Date.now() + temporal.callTimeoutMs, () =>
          client.workflow.start<typeof deliverEmail>('deliverEmail', {
            workflowId: deliveryWorkflowId(emailId),
            taskQueue,
            args: [{ emailId, ...settings }],
            workflowIdReusePolicy: 'REJECT_DUPLICATE',
          }),
        );
        return 'started';
      } catch (error) {
        if (error instanceof WorkflowExecutionAlreadyStartedError) return 'running';
        throw error;
      }
    },
  };
}
