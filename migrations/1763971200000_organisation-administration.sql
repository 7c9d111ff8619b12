-- Up Migration

-- Invitation codes (seed 001). The code itself is never stored: only its SHA-256 (a UUID v4 carries 122
-- random bits, so an unsalted hash cannot be reversed by trying codes) and its last characters, which the
-- list shows masked. Status is derived from the three dates, never stored.
CREATE TABLE invitation_codes (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organisation_id uuid NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
  code_hash char(64) NOT NULL CONSTRAINT invitation_codes_code_hash_key UNIQUE,
  last_characters text NOT NULL,
  roles text[] NOT NULL CONSTRAINT invitation_codes_roles_check
    CHECK (cardinality(roles) > 0 AND roles <@ ARRAY['administrateur', 'demandeur', 'lecteur']::text[]),
  created_by uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_by uuid REFERENCES users (id) ON DELETE SET NULL,
  used_at timestamptz,
  deactivated_by uuid REFERENCES users (id) ON DELETE SET NULL,
  deactivated_at timestamptz,
  -- Used and deactivated are both final: a code is never both.
  CONSTRAINT invitation_codes_used_or_deactivated CHECK (used_at IS NULL OR deactivated_at IS NULL)
);
CREATE INDEX invitation_codes_organisation_idx ON invitation_codes (organisation_id, created_at DESC);

-- The organisation's event feed: who did what, when. Details hold identifiers and short labels, never a
-- secret or a code. Events of requests and credentials are written here too, in the same transaction as the
-- change they record.
CREATE TABLE organisation_events (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organisation_id uuid NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
  -- clock_timestamp(), not now(): several events of one transaction keep the order they were recorded in.
  occurred_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  actor_id uuid REFERENCES users (id) ON DELETE SET NULL,
  type text NOT NULL,
  details jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX organisation_events_feed_idx ON organisation_events (organisation_id, occurred_at DESC, id DESC);

-- Down Migration

DROP TABLE organisation_events;
DROP TABLE invitation_codes;
