-- Up Migration

-- The metrics count pending and failed emails at every scrape (store/outbox.ts outboxBacklog). Emails are kept
-- once sent, so the table only grows: these partial indexes hold only the few rows the counts read.
CREATE INDEX outbox_emails_pending_idx ON outbox_emails (created_at) WHERE status = 'pending';
CREATE INDEX outbox_emails_failed_idx ON outbox_emails (created_at) WHERE status = 'failed';

-- Down Migration

DROP INDEX outbox_emails_failed_idx;
DROP INDEX outbox_emails_pending_idx;
