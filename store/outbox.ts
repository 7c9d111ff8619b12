import type { Queryable } from './pool.ts';

export type EmailStatus = 'pending' | 'sent' | 'failed';

export interface NewEmail {
  idempotencyKey: string;
  template: string;
  recipient: string;
  subject: string;
  text: string;
  html: string;
  sealedSecrets: string | null;
}

export interface OutboxEmail {
  id: string;
  template: string;
  recipient: string;
  subject: string;
  text: string;
  html: string;
  idempotencyKey: string;
  sealedSecrets: string | null;
  status: EmailStatus;
  attempts: number;
  lastError: string | null;
  transport: string | null;
  createdAt: Date;
  sentAt: Date | null;
}

const EMAIL_COLUMNS = `id, idempotency_key, template, recipient, subject, text_body, html_body, sealed_secrets, status,
  attempts, last_error, transport, created_at, sent_at`;

interface EmailRow {
  id: string;
  idempotency_key: string;
  sealed_secrets: string | null;
  template: string;
  recipient: string;
  subject: string;
  text_body: string;
  html_body: string;
  status: EmailStatus;
  attempts: number;
  last_error: string | null;
  transport: string | null;
  created_at: Date;
  sent_at: Date | null;
}

function toEmail(row: EmailRow): OutboxEmail {
  return {
    id: row.id,
    template: row.template,
    recipient: row.recipient,
    subject: row.subject,
    text: row.text_body,
    html: row.html_body,
    idempotencyKey: row.idempotency_key,
    sealedSecrets: row.sealed_secrets,
    status: row.status,
    attempts: row.attempts,
    lastError: row.last_error,
    transport: row.transport,
    createdAt: row.created_at,
    sentAt: row.sent_at,
  };
}

/**
 * Writes the email unless its idempotency key is already there; either way returns the row's id, so a retried
 * business step finds the email it queued the first time instead of queuing a second one.
 */
export async function insertEmail(db: Queryable, email: NewEmail): Promise<{ id: string; created: boolean }> {
  const inserted = await db.query<{ id: string }>(
    `INSERT INTO outbox_emails (idempotency_key, template, recipient, subject, text_body, html_body, sealed_secrets)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (idempotency_key) DO NOTHING
     RETURNING id`,
    [
      email.idempotencyKey,
      email.template,
      email.recipient,
      email.subject,
      email.text,
      email.html,
      email.sealedSecrets,
    ],
  );
  if (inserted.rows[0]) return { id: inserted.rows[0].id, created: true };
  const existing = await db.query<{ id: string }>('SELECT id FROM outbox_emails WHERE idempotency_key = $1', [
    email.idempotencyKey,
  ]);
  return { id: existing.rows[0]!.id, created: false };
}

export async function findEmail(db: Queryable, id: string): Promise<OutboxEmail | undefined> {
  const { rows } = await db.query<EmailRow>(`SELECT ${EMAIL_COLUMNS} FROM outbox_emails WHERE id = $1`, [id]);
  return rows[0] && toEmail(rows[0]);
}

export async function listRecentEmails(db: Queryable, limit: number): Promise<OutboxEmail[]> {
  const { rows } = await db.query<EmailRow>(
    `SELECT ${EMAIL_COLUMNS} FROM outbox_emails ORDER BY created_at DESC, id DESC LIMIT $1`,
    [limit],
  );
  return rows.map(toEmail);
}

export async function countEmailsByStatus(db: Queryable): Promise<Record<EmailStatus, number>> {
  const { rows } = await db.query<{ status: EmailStatus; count: number }>(
    'SELECT status, count(*)::int AS count FROM outbox_emails GROUP BY status',
  );
  const counts: Record<EmailStatus, number> = { pending: 0, sent: 0, failed: 0 };
  for (const row of rows) counts[row.status] = row.count;
  return counts;
}

export async function markDispatched(db: Queryable, id: string): Promise<void> {
  await db.query('UPDATE outbox_emails SET dispatched_at = coalesce(dispatched_at, now()) WHERE id = $1', [
    id,
  ]);
}

/** Pending emails that no delivery workflow has claimed for at least `olderThanMs`. */
export async function findUndispatchedEmails(
  db: Queryable,
  olderThanMs: number,
  limit: number,
): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM outbox_emails
      WHERE dispatched_at IS NULL AND status = 'pending' AND created_at <= now() - $1 * interval '1 millisecond'
      ORDER BY created_at LIMIT $2`,
    [olderThanMs, limit],
  );
  return rows.map((row) => row.id);
}

/**
 * Once an email has left through SMTP its sealed secrets are useless to us and only a liability, so they are
 * wiped; the development mailbox keeps them, since it is where the email is read.
 */
export async function markSent(
  db: Queryable,
  id: string,
  transport: string,
  secrets: 'wipe' | 'keep',
): Promise<void> {
  await db.query(
    `UPDATE outbox_emails
        SET status = 'sent', transport = $2, sent_at = now(), attempts = attempts + 1, last_attempt_at = now(),
            sealed_secrets = CASE WHEN $3 THEN NULL ELSE sealed_secrets END
      WHERE id = $1 AND status = 'pending'`,
    [id, transport, secrets === 'wipe'],
  );
}

export async function recordFailedAttempt(
  db: Queryable,
  id: string,
  error: string,
  outcome: 'will_retry' | 'permanent',
): Promise<void> {
  await db.query(
    `UPDATE outbox_emails
        SET attempts = attempts + 1, last_attempt_at = now(), last_error = $2,
            status = CASE WHEN $3 = 'permanent' THEN 'failed' ELSE status END,
            sealed_secrets = CASE WHEN $3 = 'permanent' THEN NULL ELSE sealed_secrets END
      WHERE id = $1 AND status = 'pending'`,
    [id, error, outcome],
  );
}

/** After the delivery workflow gave up retrying: the email stays listed, marked as failed. */
export async function markUndeliverable(db: Queryable, id: string): Promise<void> {
  await db.query(
    `UPDATE outbox_emails SET status = 'failed', sealed_secrets = NULL WHERE id = $1 AND status = 'pending'`,
    [id],
  );
}

export interface OutboxBacklog {
  pending: number;
  /** 0 when nothing is pending; measured by the database's clock, as `created_at` was. */
  oldestPendingAgeSeconds: number;
  failed: number;
}

/** For the metrics, at every scrape: three reads of the partial indexes on pending and failed rows. */
export async function outboxBacklog(db: Queryable): Promise<OutboxBacklog> {
  const { rows } = await db.query<{ pending: number; oldest_pending_age_seconds: number; failed: number }>(
    `SELECT (SELECT count(*) FROM outbox_emails WHERE status = 'pending')::int AS pending,
            coalesce((SELECT extract(epoch FROM now() - min(created_at)) FROM outbox_emails WHERE status = 'pending'),
                     0)::float8 AS oldest_pending_age_seconds,
            (SELECT count(*) FROM outbox_emails WHERE status = 'failed')::int AS failed`,
  );
  const row = rows[0]!;
  return {
    pending: row.pending,
    oldestPendingAgeSeconds: row.oldest_pending_age_seconds,
    failed: row.failed,
  };
}
