-- +goose Up
-- What an update changed (before → after), as JSON, beside its audit
-- entry (staff.AuditChange); '' for entries that record none.
ALTER TABLE audit_log ADD COLUMN changes TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE audit_log DROP COLUMN changes;
