-- Up Migration

-- The provider's developers manage their definition's webhooks (issue 14): a staff role limited to a definition.
ALTER TABLE staff_roles DROP CONSTRAINT staff_roles_role_check;
ALTER TABLE staff_roles ADD CONSTRAINT staff_roles_role_check
  CHECK (role IN ('admin', 'support', 'instructeur', 'rapporteur', 'developpeur'));
ALTER TABLE staff_roles DROP CONSTRAINT staff_roles_definition_check;
ALTER TABLE staff_roles ADD CONSTRAINT staff_roles_definition_check
  CHECK (definition_slug IS NULL OR role IN ('instructeur', 'rapporteur', 'developpeur'));

-- Where a definition's provider receives its events. The secret signs deliveries, so it is sealed (recoverable
-- with the key derived from APP_SECRET), not hashed; after a rotation the previous one signs beside it until
-- previous_secret_until.
CREATE TABLE webhook_endpoints (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  definition text NOT NULL,
  url text NOT NULL,
  events text[] NOT NULL,
  status text NOT NULL DEFAULT 'pending' CONSTRAINT webhook_endpoints_status_check
    CHECK (status IN ('pending', 'active', 'disabled')),
  disabled_reason text CONSTRAINT webhook_endpoints_disabled_reason_check
    CHECK (disabled_reason IN ('manual', 'gone', 'failing')),
  sealed_secret text NOT NULL,
  previous_sealed_secret text,
  previous_secret_until timestamptz,
  -- Set by the first failed attempt after a success (or since creation), cleared by the next success: five days
  -- of it disable the endpoint.
  failing_since timestamptz,
  created_by uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_endpoints_definition ON webhook_endpoints (definition);

-- The event outbox: written in the transaction of the change it describes. `txid` is that transaction's id: the
-- catch-up feed orders by (txid, position) and shows only transactions older than every one still running, so
-- that a reader's cursor never passes an event committed later with a smaller position.
CREATE TABLE webhook_events (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  position bigint GENERATED ALWAYS AS IDENTITY,
  txid xid8 NOT NULL DEFAULT pg_current_xact_id(),
  definition text NOT NULL,
  type text NOT NULL,
  request_id uuid,
  -- Per request, from 1: lets a receiver order a request's events.
  sequence integer,
  -- Names the change: recording it again (a retried step) finds the event written the first time.
  idempotency_key text NOT NULL CONSTRAINT webhook_events_idempotency_key UNIQUE,
  payload jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_events_feed ON webhook_events (definition, txid, position);

CREATE TABLE webhook_sequences (
  request_id uuid PRIMARY KEY,
  last integer NOT NULL
);

-- One delivery per (endpoint, event); `run` counts replays, each delivered by a workflow of its own.
CREATE TABLE webhook_deliveries (
  endpoint_id uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
  event_id uuid NOT NULL REFERENCES webhook_events (id),
  status text NOT NULL DEFAULT 'pending' CONSTRAINT webhook_deliveries_status_check
    CHECK (status IN ('pending', 'delivered', 'failed')),
  run integer NOT NULL DEFAULT 1,
  dispatched_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (endpoint_id, event_id)
);
CREATE INDEX webhook_deliveries_undispatched ON webhook_deliveries (created_at)
  WHERE dispatched_at IS NULL AND status = 'pending';
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_id);

CREATE TABLE webhook_attempts (
  endpoint_id uuid NOT NULL,
  event_id uuid NOT NULL,
  run integer NOT NULL,
  attempt integer NOT NULL,
  attempted_at timestamptz NOT NULL DEFAULT now(),
  status_code integer,
  duration_ms integer NOT NULL,
  response_excerpt text,
  error text,
  PRIMARY KEY (endpoint_id, event_id, run, attempt),
  FOREIGN KEY (endpoint_id, event_id) REFERENCES webhook_deliveries (endpoint_id, event_id) ON DELETE CASCADE
);

-- Down Migration

DROP TABLE webhook_attempts;
DROP TABLE webhook_deliveries;
DROP TABLE webhook_sequences;
DROP TABLE webhook_events;
DROP TABLE webhook_endpoints;
DELETE FROM staff_roles WHERE role = 'developpeur';
ALTER TABLE staff_roles DROP CONSTRAINT staff_roles_definition_check;
ALTER TABLE staff_roles ADD CONSTRAINT staff_roles_definition_check
  CHECK (definition_slug IS NULL OR role IN ('instructeur', 'rapporteur'));
ALTER TABLE staff_roles DROP CONSTRAINT staff_roles_role_check;
ALTER TABLE staff_roles ADD CONSTRAINT staff_roles_role_check
  CHECK (role IN ('admin', 'support', 'instructeur', 'rapporteur'));
