-- +goose Up
-- Settings a superadmin changes at run time, over the environment's values
-- (settings/): one row per changed setting; none means the environment's.
CREATE TABLE settings (
    setting_key TEXT PRIMARY KEY,
    value       TEXT NOT NULL,
    updated_by  INTEGER,
    updated_at  DATETIME NOT NULL
);

-- +goose Down
DROP TABLE settings;
