export { deliverEmail, outboxRelay } from './mail-delivery.ts';
export { housekeeping } from './housekeeping.ts';
export { signUp } from './sign-up.ts';
export { accessRequest } from './access-request.ts';
export { tokenLifecycle } from './token-lifecycle.ts';
export { technicalAccountLifecycle } from './technical-account-lifecycle.ts';
export { deliverWebhook, webhookRelay } from './webhook-delivery.ts';
