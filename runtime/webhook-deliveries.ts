import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { WORKFLOW_TASK_TIMEOUT_MS } from '../app/temporal.ts';
import type { DeliveryKey, WebhookDeliveries } from '../ports/webhook-deliveries.ts';
import type { deliverWebhook } from '../workflows/webhook-delivery.ts';
import type { WebhookSettings } from '../domain/webhook-settings.ts';

export const webhookWorkflowId = (key: DeliveryKey) => `webhook-${key.endpointId}-${key.eventId}-${key.run}`;

/** One `deliverWebhook` workflow per run of a delivery, its id fixed by the run: starting it twice finds it. */
export function createWebhookDeliveries(
  temporal: { client: Client; taskQueue: string; callTimeoutMs: number },
  settings: WebhookSettings,
): WebhookDeliveries {
  const { client, taskQueue } = temporal;
  return {
    async start(key) {
      try {
        await client.withDeadline(Date.now() + temporal.callTimeoutMs, () =>
          client.workflow.start<typeof deliverWebhook>('deliverWebhook', {
            workflowId: webhookWorkflowId(key),
            taskQueue,
            workflowTaskTimeout: WORKFLOW_TASK_TIMEOUT_MS,
            args: [{ ...key, scheduleMs: settings.retryScheduleMs, timeoutMs: settings.timeoutMs }],
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
