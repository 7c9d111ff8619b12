-- Up Migration

-- One access request per business context (spec §3), driven by its Temporal workflow (id `request-<id>`),
-- which is the only writer of `state` and `version`. The form data is written directly while the request is
-- editable (a conditional UPDATE on the state), so that saving a field never waits on Temporal.
CREATE TABLE access_requests (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  definition text NOT NULL,
  organisation_id uuid NOT NULL REFERENCES organisations (id),
  -- Kept when the author leaves the organisation: the request belongs to the organisation.
  author_id uuid REFERENCES users (id) ON DELETE SET NULL,
  state text NOT NULL DEFAULT 'draft' CONSTRAINT access_requests_state_check
    CHECK (state IN ('draft', 'submitted', 'pending_support', 'changes_requested', 'validated', 'refused', 'archived', 'revoked')),
  -- Number of transitions applied: each transition is conditional on the version it starts from, so a
  -- retried activity never applies one twice.
  version integer NOT NULL DEFAULT 0,
  -- 1 for the first revision, incremented each time a validated request is reopened.
  revision integer NOT NULL DEFAULT 1,
  data jsonb NOT NULL DEFAULT '{}'::jsonb,
  assignee_id uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  -- Last change by a person (form saved, attachment added): the draft inactivity timers count from here.
  edited_at timestamptz NOT NULL DEFAULT now(),
  submitted_at timestamptz,
  decided_at timestamptz
);
CREATE INDEX access_requests_organisation_idx ON access_requests (organisation_id, created_at DESC);
CREATE INDEX access_requests_queue_idx ON access_requests (definition, state, submitted_at);

-- The form data as it was at each submission, so instructors see what changed since the previous one.
CREATE TABLE request_submissions (
  request_id uuid NOT NULL REFERENCES access_requests (id) ON DELETE CASCADE,
  number integer NOT NULL,
  revision integer NOT NULL,
  data jsonb NOT NULL,
  attachments jsonb NOT NULL,
  submitted_by uuid REFERENCES users (id) ON DELETE SET NULL,
  submitted_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (request_id, number)
);

-- Free text given with a command (a refusal reason…): written before the command is sent, so that only its
-- identifier travels through Temporal.
CREATE TABLE request_texts (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  request_id uuid NOT NULL REFERENCES access_requests (id) ON DELETE CASCADE,
  author_id uuid REFERENCES users (id) ON DELETE SET NULL,
  body text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- The timeline: every transition and action, with its actor (null for the platform's own timers).
CREATE TABLE request_events (
  id bigserial PRIMARY KEY,
  request_id uuid NOT NULL REFERENCES access_requests (id) ON DELETE CASCADE,
  revision integer NOT NULL,
  type text NOT NULL,
  actor_id uuid REFERENCES users (id) ON DELETE SET NULL,
  from_state text,
  to_state text,
  -- Instructors' internal notes and opinions are never shown to the organisation.
  internal boolean NOT NULL DEFAULT false,
  details jsonb NOT NULL DEFAULT '{}'::jsonb,
  text_id uuid REFERENCES request_texts (id),
  occurred_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX request_events_request_idx ON request_events (request_id, id);
-- A transition is recorded once, even if the activity that records it runs twice.
CREATE UNIQUE INDEX request_events_transition_key ON request_events (request_id, (details ->> 'version'))
  WHERE details ? 'version';

CREATE TABLE request_attachments (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  request_id uuid NOT NULL REFERENCES access_requests (id) ON DELETE CASCADE,
  kind text NOT NULL,
  -- Server-generated; the name the person gave is kept for display only.
  file_name text NOT NULL,
  original_name text NOT NULL,
  content_type text NOT NULL,
  size_bytes integer NOT NULL CONSTRAINT request_attachments_size_check CHECK (size_bytes > 0 AND size_bytes <= 10485760),
  sha256 char(64) NOT NULL,
  content bytea NOT NULL,
  uploaded_by uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX request_attachments_request_idx ON request_attachments (request_id, created_at);

CREATE TABLE request_messages (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  request_id uuid NOT NULL REFERENCES access_requests (id) ON DELETE CASCADE,
  author_id uuid REFERENCES users (id) ON DELETE SET NULL,
  side text NOT NULL CONSTRAINT request_messages_side_check CHECK (side IN ('organisation', 'instruction')),
  internal boolean NOT NULL DEFAULT false,
  body text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX request_messages_request_idx ON request_messages (request_id, created_at);

CREATE TABLE request_opinions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  request_id uuid NOT NULL REFERENCES access_requests (id) ON DELETE CASCADE,
  reporter_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  asked_by uuid REFERENCES users (id) ON DELETE SET NULL,
  question text NOT NULL,
  answer text,
  asked_at timestamptz NOT NULL DEFAULT now(),
  answered_at timestamptz
);
CREATE INDEX request_opinions_request_idx ON request_opinions (request_id, asked_at);

-- The frozen grant created by an approval (spec §3). Credentials hang off it.
CREATE TABLE habilitations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  request_id uuid NOT NULL REFERENCES access_requests (id),
  revision integer NOT NULL,
  organisation_id uuid NOT NULL REFERENCES organisations (id),
  definition text NOT NULL,
  scopes text[] NOT NULL,
  status text NOT NULL DEFAULT 'active' CONSTRAINT habilitations_status_check CHECK (status IN ('active', 'superseded', 'revoked')),
  valid_until timestamptz NOT NULL,
  approved_by uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  superseded_by uuid REFERENCES habilitations (id),
  ended_at timestamptz,
  -- One approval of one revision makes one habilitation, whatever retries or races happen.
  CONSTRAINT habilitations_revision_key UNIQUE (request_id, revision)
);
CREATE UNIQUE INDEX habilitations_one_active_per_request ON habilitations (request_id) WHERE status = 'active';
CREATE INDEX habilitations_organisation_idx ON habilitations (organisation_id, created_at DESC);

-- Down Migration

DROP TABLE habilitations;
DROP TABLE request_opinions;
DROP TABLE request_messages;
DROP TABLE request_attachments;
DROP TABLE request_events;
DROP TABLE request_texts;
DROP TABLE request_submissions;
DROP TABLE access_requests;
