/** One run of an event's delivery to one endpoint: the same webhook-id on every attempt and every replay. */
export interface DeliveryKey {
  endpointId: string;
  eventId: string;
  run: number;
}

/**
 * Starts a webhook delivery workflow (runtime/webhook-deliveries.ts builds it on a Temporal client), so that
 * app/ and activities/ write events without knowing the workflows that deliver them.
 */
export interface WebhookDeliveries {
  /** 'running' when that run was already started. Throws when Temporal cannot be reached. */
  start(key: DeliveryKey): Promise<'started' | 'running'>;
}
