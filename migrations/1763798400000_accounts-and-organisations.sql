-- Up Migration

-- Organisations as the Sirene directory described them when they were last looked up.
CREATE TABLE organisations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  siret char(14) NOT NULL CONSTRAINT organisations_siret_key UNIQUE,
  siren char(9) NOT NULL,
  name text NOT NULL,
  legal_category text NOT NULL,
  activity text,
  address text NOT NULL,
  active boolean NOT NULL,
  is_administration boolean,
  directory_checked_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE memberships (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organisation_id uuid NOT NULL REFERENCES organisations (id),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  roles text[] NOT NULL,
  status text NOT NULL CONSTRAINT memberships_status_check CHECK (status IN ('active', 'pending_support', 'rejected')),
  joined_via text NOT NULL CONSTRAINT memberships_joined_via_check CHECK (joined_via IN ('creation', 'email_domain', 'support', 'invitation')),
  -- Why support must decide, for the queue (no matching domain, free-mail address…).
  support_reason text,
  decided_by uuid REFERENCES users (id) ON DELETE SET NULL,
  decision_message text,
  decided_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT memberships_user_organisation_key UNIQUE (organisation_id, user_id),
  CONSTRAINT memberships_roles_check CHECK (roles <@ ARRAY['gestionnaire_principal', 'administrateur', 'demandeur', 'lecteur']::text[])
);
-- Exactly one main manager per organisation, even when two activations race.
CREATE UNIQUE INDEX memberships_one_main_manager ON memberships (organisation_id)
  WHERE status = 'active' AND 'gestionnaire_principal' = ANY (roles);
CREATE INDEX memberships_user_idx ON memberships (user_id);
CREATE INDEX memberships_pending_support_idx ON memberships (created_at) WHERE status = 'pending_support';

ALTER TABLE users ADD COLUMN current_organisation_id uuid REFERENCES organisations (id) ON DELETE SET NULL;

-- One row per sign-up, driven by its Temporal workflow (id `sign-up-<id>`). Holds the directory facts seen at
-- sign-up, from which the organisation is created at activation. After a purge the row stays, without its
-- user, so that an old link can still say "expired".
CREATE TABLE signups (
  id uuid PRIMARY KEY,
  user_id uuid REFERENCES users (id) ON DELETE SET NULL,
  siret char(14) NOT NULL,
  establishment jsonb NOT NULL,
  status text NOT NULL DEFAULT 'pending' CONSTRAINT signups_status_check CHECK (status IN ('pending', 'activated', 'expired')),
  link_generation integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  activated_at timestamptz,
  expired_at timestamptz
);
CREATE UNIQUE INDEX signups_pending_user ON signups (user_id) WHERE status = 'pending';

-- Activation links, stored as SHA-256 hashes only. Every generation is kept so an old link can say it was
-- replaced by a newer one.
CREATE TABLE activation_links (
  token_hash char(64) PRIMARY KEY,
  signup_id uuid NOT NULL REFERENCES signups (id) ON DELETE CASCADE,
  generation integer NOT NULL,
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT activation_links_generation_key UNIQUE (signup_id, generation)
);

CREATE TABLE password_resets (
  token_hash char(64) PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX password_resets_user_idx ON password_resets (user_id);

-- Down Migration

DROP TABLE password_resets;
DROP TABLE activation_links;
DROP TABLE signups;
ALTER TABLE users DROP COLUMN current_organisation_id;
DROP TABLE memberships;
DROP TABLE organisations;
