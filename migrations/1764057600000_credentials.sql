-- Up Migration

-- Bearer tokens (spec §5). The secret is never stored: only its SHA-256 (for introspection) and, until it is
-- revealed or for at most SEALED_TOKEN_TTL, a copy sealed with a key derived from APP_SECRET.
CREATE TABLE tokens (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  habilitation_id uuid NOT NULL REFERENCES habilitations (id),
  -- What made this token: `issue:<habilitation id>` (the approval) or `rotate:<token id>` (a rotation). Unique,
  -- so a retried issuance or a double-clicked rotation finds the token made the first time.
  issue_key text NOT NULL CONSTRAINT tokens_issue_key UNIQUE,
  rotated_from uuid REFERENCES tokens (id),
  visible_part text NOT NULL,
  secret_hash char(64) NOT NULL CONSTRAINT tokens_secret_hash_key UNIQUE,
  sealed_secret text,
  sealed_until timestamptz,
  revealed_at timestamptz,
  revealed_by uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  -- When the token stops after a rotation or after its habilitation was superseded (a grace period): null while
  -- nothing replaces it.
  retires_at timestamptz,
  revoked_at timestamptz,
  revoked_by uuid REFERENCES users (id) ON DELETE SET NULL,
  revocation_reason text CONSTRAINT tokens_revocation_reason_check
    CHECK (revocation_reason IN ('holder', 'instructor', 'habilitation_revoked')),
  renewed_at timestamptz,
  -- Batched by the web processes (never written per introspection).
  last_used_at timestamptz,
  -- Offsets (in ms before expiry) of the reminders already queued for the current expiry date.
  reminders_sent bigint[] NOT NULL DEFAULT '{}',
  expiry_notified_at timestamptz,
  CONSTRAINT tokens_sealed_check CHECK ((sealed_secret IS NULL) OR (sealed_until IS NOT NULL))
);
CREATE INDEX tokens_habilitation_idx ON tokens (habilitation_id, created_at DESC);

-- Technical accounts (Chorus Pro, Uptrends): HTTP Basic credentials of an organisation's software.
CREATE TABLE technical_accounts (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organisation_id uuid NOT NULL REFERENCES organisations (id),
  -- Numbered per organisation; the login is made from the SIRET and the number, never reused.
  number integer NOT NULL,
  login text NOT NULL CONSTRAINT technical_accounts_login_key UNIQUE,
  password_hash text NOT NULL,
  password_set_at timestamptz NOT NULL DEFAULT now(),
  password_expires_at timestamptz NOT NULL,
  created_by uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  -- false for accounts created before last use was tracked: shown as "utilisation inconnue".
  usage_tracked boolean NOT NULL DEFAULT true,
  last_used_at timestamptz,
  reminders_sent bigint[] NOT NULL DEFAULT '{}',
  deleted_at timestamptz,
  deleted_by uuid REFERENCES users (id) ON DELETE SET NULL,
  CONSTRAINT technical_accounts_number_key UNIQUE (organisation_id, number)
);

-- Client credentials of an API definition's provider, for introspection. The secret is 256 random bits, so
-- its SHA-256 is enough (see store/provider-credentials.ts).
CREATE TABLE provider_credentials (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  definition text NOT NULL,
  client_id text NOT NULL CONSTRAINT provider_credentials_client_id_key UNIQUE,
  secret_hash char(64) NOT NULL,
  label text NOT NULL,
  created_by uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);

-- Down Migration

DROP TABLE provider_credentials;
DROP TABLE technical_accounts;
DROP TABLE tokens;
