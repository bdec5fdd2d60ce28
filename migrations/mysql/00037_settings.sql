-- +goose Up
-- Settings a superadmin changes at run time, over the environment's values
-- (settings/): one row per changed setting; none means the environment's.
CREATE TABLE settings (
    setting_key VARCHAR(32) NOT NULL PRIMARY KEY,
    value       TEXT NOT NULL,
    updated_by  BIGINT NULL,
    updated_at  DATETIME(3) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE settings;
