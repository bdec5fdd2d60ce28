-- +goose Up
-- What an update changed (before → after), as JSON, beside its audit
-- entry (staff.AuditChange); '' for entries that record none. A VARCHAR
-- with a default, so that an instance of the previous version, which
-- does not name the column, still writes entries during an upgrade.
ALTER TABLE audit_log ADD COLUMN changes VARCHAR(4000) NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE audit_log DROP COLUMN changes;
