-- +goose Up
-- The console reads the audit log by date range (since/until) as often as
-- by actor, action or object, which have their indexes: a range in the
-- past would otherwise be found by walking the log back from its newest
-- entry.
ALTER TABLE audit_log ADD INDEX audit_log_created (created_at);

-- +goose Down
ALTER TABLE audit_log DROP INDEX audit_log_created;
