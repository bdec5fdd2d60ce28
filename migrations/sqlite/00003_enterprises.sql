-- +goose Up
-- The current rating is mirrored on enterprises (grade, score and these
-- columns) so the public view, notice audiences and the re-rating worker
-- read one row; ratings keeps every rating ever given.
ALTER TABLE enterprises ADD COLUMN model_version TEXT NOT NULL DEFAULT '';
ALTER TABLE enterprises ADD COLUMN rated_at DATETIME;
ALTER TABLE enterprises ADD COLUMN valid_until DATETIME;
CREATE INDEX enterprises_valid_until ON enterprises (valid_until);

CREATE UNIQUE INDEX enterprise_bindings_unique ON enterprise_bindings (enterprise_id, resident_id);

CREATE TABLE credit_records (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    enterprise_id INTEGER NOT NULL REFERENCES enterprises (id),
    kind          TEXT NOT NULL,
    severity      TEXT NOT NULL,
    occurred_at   DATETIME NOT NULL,
    expires_at    DATETIME NOT NULL,
    case_ref      TEXT NOT NULL DEFAULT '',
    note          TEXT NOT NULL DEFAULT '',
    department_id INTEGER,
    staff_id      INTEGER NOT NULL,
    revoked_at    DATETIME,
    created_at    DATETIME NOT NULL
);
CREATE INDEX credit_records_enterprise ON credit_records (enterprise_id, expires_at);

CREATE TABLE ratings (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    enterprise_id INTEGER NOT NULL REFERENCES enterprises (id),
    model_version TEXT NOT NULL,
    score         INTEGER NOT NULL,
    grade         TEXT NOT NULL,
    factors       TEXT NOT NULL,
    cause         TEXT NOT NULL,
    rated_at      DATETIME NOT NULL,
    valid_until   DATETIME NOT NULL
);
CREATE INDEX ratings_enterprise ON ratings (enterprise_id, id);

CREATE TABLE credit_objections (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    enterprise_id    INTEGER NOT NULL REFERENCES enterprises (id),
    credit_record_id INTEGER NOT NULL REFERENCES credit_records (id),
    resident_id      INTEGER NOT NULL REFERENCES residents (id),
    reason           TEXT NOT NULL,
    status           TEXT NOT NULL,
    decided_by       INTEGER,
    decided_at       DATETIME,
    created_at       DATETIME NOT NULL
);
CREATE INDEX credit_objections_record ON credit_objections (credit_record_id, status);
CREATE INDEX credit_objections_resident ON credit_objections (resident_id);

CREATE TABLE benefit_programs (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    name          TEXT NOT NULL,
    min_grade     TEXT NOT NULL,
    industries    TEXT NOT NULL,
    streets       TEXT NOT NULL,
    notice        TEXT NOT NULL,
    department_id INTEGER,
    created_by    INTEGER NOT NULL,
    created_at    DATETIME NOT NULL
);

CREATE TABLE benefit_matches (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    program_id    INTEGER NOT NULL REFERENCES benefit_programs (id),
    enterprise_id INTEGER NOT NULL REFERENCES enterprises (id),
    matched_at    DATETIME NOT NULL,
    notified_at   DATETIME,
    UNIQUE (program_id, enterprise_id)
);
CREATE INDEX benefit_matches_pending ON benefit_matches (notified_at);

-- +goose Down
DROP TABLE benefit_matches;
DROP TABLE benefit_programs;
DROP TABLE credit_objections;
DROP TABLE ratings;
DROP TABLE credit_records;
DROP INDEX enterprise_bindings_unique;
DROP INDEX enterprises_valid_until;
ALTER TABLE enterprises DROP COLUMN valid_until;
ALTER TABLE enterprises DROP COLUMN rated_at;
ALTER TABLE enterprises DROP COLUMN model_version;
