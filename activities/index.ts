import { createAccountActivities, type AccountActivityDeps } from './accounts.ts';
import { createCredentialActivities, type CredentialActivityDeps } from './credentials.ts';
import { createHousekeepingActivities } from './housekeeping.ts';
import { createMailActivities, type MailActivityDeps } from './mail.ts';
import { createRequestActivities, type RequestActivityDeps } from './requests.ts';
import { createWebhookActivities, type WebhookActivityDeps } from './webhooks.ts';

export type ActivityDeps = MailActivityDeps &
  AccountActivityDeps &
  RequestActivityDeps &
  CredentialActivityDeps &
  WebhookActivityDeps;

/** Every activity the worker registers, built from the dependencies it is given. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createMailActivities(deps),
    ...createHousekeepingActivities(deps),
    ...createAccountActivities(deps),
    ...createRequestActivities(deps),
    ...createCredentialActivities(deps),
    ...createWebhookActivities(deps),
  };
}
