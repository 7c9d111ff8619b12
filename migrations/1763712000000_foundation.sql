-- Up Migration

CREATE TABLE users (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- Stored lower-cased so that uniqueness and sign-in are case-insensitive without an extension.
  email text NOT NULL CONSTRAINT users_email_lowercase CHECK (email = lower(email)),
  given_name text NOT NULL,
  family_name text NOT NULL,
  password_hash text NOT NULL,
  status text NOT NULL DEFAULT 'active'
    CONSTRAINT users_status_check CHECK (status IN ('pending_activation', 'active', 'disabled')),
  created_at timestamptz NOT NULL DEFAULT now(),
  activated_at timestamptz,
  last_login_at timestamptz
);
CREATE UNIQUE INDEX users_email_key ON users (email);

-- Platform staff. A definition role without a definition applies to every API definition.
CREATE TABLE staff_roles (
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role text NOT NULL CONSTRAINT staff_roles_role_check CHECK (role IN ('admin', 'support', 'instructeur', 'rapporteur')),
  definition_slug text,
  granted_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT staff_roles_definition_check CHECK (definition_slug IS NULL OR role IN ('instructeur', 'rapporteur'))
);
CREATE UNIQUE INDEX staff_roles_key ON staff_roles (user_id, role, coalesce(definition_slug, ''));

-- Server-side sessions, in the layout connect-pg-simple reads and writes.
CREATE TABLE sessions (
  sid varchar PRIMARY KEY,
  sess json NOT NULL,
  expire timestamp(6) NOT NULL
);
CREATE INDEX sessions_expire_idx ON sessions (expire);

-- Fixed-window counters shared by every web process (sign-in failures per account and per IP, …).
CREATE TABLE rate_limit_counters (
  key text PRIMARY KEY,
  hits integer NOT NULL,
  window_ends_at timestamptz NOT NULL
);

-- Every email is written here first, in the same transaction as the action that causes it, then delivered
-- by a Temporal workflow. The row is the single source of truth for the development mailbox too.
CREATE TABLE outbox_emails (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- The business event that caused the email (e.g. "activation:<signup id>:1"): a retry never queues it twice.
  idempotency_key text NOT NULL,
  template text NOT NULL,
  recipient text NOT NULL,
  subject text NOT NULL,
  text_body text NOT NULL,
  html_body text NOT NULL,
  -- Secrets the email delivers (an activation link…), sealed with a key derived from APP_SECRET and kept out
  -- of the bodies above, which hold a marker instead; wiped once the email has left through SMTP.
  sealed_secrets text,
  status text NOT NULL DEFAULT 'pending' CONSTRAINT outbox_emails_status_check CHECK (status IN ('pending', 'sent', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  last_error text,
  last_attempt_at timestamptz,
  transport text,
  created_at timestamptz NOT NULL DEFAULT now(),
  -- Set once a delivery workflow exists for the row; rows left without one are picked up by the relay.
  dispatched_at timestamptz,
  sent_at timestamptz
);
CREATE UNIQUE INDEX outbox_emails_idempotency_key ON outbox_emails (idempotency_key);
CREATE INDEX outbox_emails_created_at_idx ON outbox_emails (created_at DESC);
CREATE INDEX outbox_emails_undispatched_idx ON outbox_emails (created_at) WHERE dispatched_at IS NULL AND status = 'pending';

-- Down Migration

DROP TABLE outbox_emails;
DROP TABLE rate_limit_counters;
DROP TABLE sessions;
DROP TABLE staff_roles;
DROP TABLE users;
