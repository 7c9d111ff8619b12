export { deliverEmail, outboxRelay } from './mail-delivery';
export { housekeeping } from './housekeeping';
