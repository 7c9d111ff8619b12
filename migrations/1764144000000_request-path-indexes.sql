-- Up Migration

-- The instruction queue (store/requests.ts listInstructionQueue) over a large backlog: oldest submission first,
-- and a text search over the title, the organisation and the applicant. Trigram indexes serve `ILIKE '%…%'`.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE INDEX access_requests_queue_order ON access_requests (submitted_at, created_at, id) INCLUDE (state, definition);
CREATE INDEX access_requests_title_trgm ON access_requests USING gin ((data #>> '{project,title}') gin_trgm_ops);
CREATE INDEX organisations_name_trgm ON organisations USING gin (name gin_trgm_ops);
CREATE INDEX organisations_siret_trgm ON organisations USING gin ((siret::text) gin_trgm_ops);
CREATE INDEX users_email_trgm ON users USING gin (email gin_trgm_ops);
CREATE INDEX users_name_trgm ON users USING gin ((given_name || ' ' || family_name) gin_trgm_ops);

-- Down Migration

DROP INDEX users_name_trgm;
DROP INDEX users_email_trgm;
DROP INDEX organisations_siret_trgm;
DROP INDEX organisations_name_trgm;
DROP INDEX access_requests_title_trgm;
DROP INDEX access_requests_queue_order;
