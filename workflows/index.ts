export { deliverEmail, outboxRelay } from './mail-delivery';
export { housekeeping } from './housekeeping';
export { signUp } from './sign-up';
export { accessRequest } from './access-request';
