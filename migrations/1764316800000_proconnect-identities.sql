-- Up Migration

-- An account created by ProConnect has no password: it signs in only through the identity federation, and is
-- never offered a password reset (store/users.ts reads only accounts with a password for both).
ALTER TABLE users ALTER COLUMN password_hash DROP NOT NULL;
ALTER TABLE users ADD CONSTRAINT users_password_or_active CHECK (password_hash IS NOT NULL OR status <> 'pending_activation');

-- The ProConnect identity of an account: found again at each sign-in by the provider's subject (`sub`), which
-- stays the same when the person's address or organisation changes. One identity per account and per subject.
CREATE TABLE proconnect_identities (
  user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  subject text NOT NULL CONSTRAINT proconnect_identities_subject_key UNIQUE,
  -- The identity provider behind ProConnect that vouched for the person at the last sign-in (`idp_id`).
  idp_id text,
  -- How the identity met the account: created by the first sign-in, or linked to an email account whose owner
  -- proved it theirs.
  linked_via text NOT NULL CONSTRAINT proconnect_identities_linked_via_check CHECK (linked_via IN ('creation', 'password')),
  created_at timestamptz NOT NULL DEFAULT now(),
  last_sign_in_at timestamptz NOT NULL DEFAULT now()
);

-- Down Migration

DROP TABLE proconnect_identities;
-- Accounts that only ever signed in through ProConnect keep a password that matches nothing ('!' is no argon2
-- hash), so that the column can hold its constraint again and the accounts and their history stay.
ALTER TABLE users DROP CONSTRAINT users_password_or_active;
UPDATE users SET password_hash = '!' WHERE password_hash IS NULL;
ALTER TABLE users ALTER COLUMN password_hash SET NOT NULL;
