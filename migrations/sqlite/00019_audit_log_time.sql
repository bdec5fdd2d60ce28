-- +goose Up
-- The console reads the audit log by date range (since/until) as often as
-- by actor, action or object, which have their indexes: a range in the
-- past would otherwise be found by walking the log back from its newest
-- entry.
CREATE INDEX audit_log_created ON audit_log (created_at);

-- +goose Down
DROP INDEX audit_log_created;
