import { createAccountActivities, type AccountActivityDeps } from './accounts';
import { createCredentialActivities, type CredentialActivityDeps } from './credentials';
import { createHousekeepingActivities } from './housekeeping';
import { createMailActivities, type MailActivityDeps } from './mail';
import { createRequestActivities, type RequestActivityDeps } from './requests';

export type ActivityDeps = MailActivityDeps &
  AccountActivityDeps &
  RequestActivityDeps &
  CredentialActivityDeps;

/** Every activity the worker registers, built from the dependencies it is given. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createMailActivities(deps),
    ...createHousekeepingActivities(deps),
    ...createAccountActivities(deps),
    ...createRequestActivities(deps),
    ...createCredentialActivities(deps),
  };
}
