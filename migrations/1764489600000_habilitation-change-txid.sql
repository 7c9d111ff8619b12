-- Up Migration

-- The transaction that last changed a habilitation (created, superseded, revoked). The provider's habilitations
-- feed orders by it and lists only transactions older than every one still running, as the events feed does:
-- ordered by the change's instant (its transaction's start), a cursor could pass a change that commits later.
-- Existing rows take this migration's transaction, older than any change to come.
ALTER TABLE habilitations ADD COLUMN changed_txid xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX habilitations_changes ON habilitations (definition, changed_txid, id);

-- Down Migration

DROP INDEX habilitations_changes;
ALTER TABLE habilitations DROP COLUMN changed_txid;
