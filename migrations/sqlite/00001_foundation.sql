-- +goose Up
CREATE TABLE residents (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    openid             TEXT UNIQUE,
    unionid            TEXT,
    nickname           TEXT NOT NULL DEFAULT '',
    avatar_url         TEXT NOT NULL DEFAULT '',
    phone_enc          BLOB,
    phone_hash         BLOB,
    phone_masked       TEXT NOT NULL DEFAULT '',
    street             TEXT NOT NULL DEFAULT '',
    community          TEXT NOT NULL DEFAULT '',
    birth_year         INTEGER,
    leaderboard_opt_in INTEGER NOT NULL DEFAULT 0,
    consent_version    TEXT NOT NULL DEFAULT '',
    consented_at       DATETIME,
    deleted_at         DATETIME,
    created_at         DATETIME NOT NULL,
    updated_at         DATETIME NOT NULL
);
CREATE INDEX residents_street_community ON residents (street, community);
CREATE INDEX residents_birth_year ON residents (birth_year);
CREATE INDEX residents_phone_hash ON residents (phone_hash);

CREATE TABLE resident_tags (
    resident_id INTEGER NOT NULL REFERENCES residents (id),
    tag         TEXT NOT NULL,
    PRIMARY KEY (resident_id, tag)
);
CREATE INDEX resident_tags_tag ON resident_tags (tag, resident_id);

CREATE TABLE consents (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    resident_id INTEGER NOT NULL REFERENCES residents (id),
    version     TEXT NOT NULL,
    created_at  DATETIME NOT NULL
);
CREATE INDEX consents_resident ON consents (resident_id, id);

CREATE TABLE departments (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT NOT NULL UNIQUE,
    created_at DATETIME NOT NULL
);

CREATE TABLE staff (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    username      TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    department_id INTEGER REFERENCES departments (id),
    roles         TEXT NOT NULL DEFAULT '',
    streets       TEXT NOT NULL DEFAULT '',
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    DATETIME NOT NULL,
    updated_at    DATETIME NOT NULL
);

CREATE TABLE sessions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash   BLOB NOT NULL UNIQUE,
    subject_kind TEXT NOT NULL,
    subject_id   INTEGER NOT NULL,
    expires_at   DATETIME NOT NULL,
    revoked_at   DATETIME,
    created_at   DATETIME NOT NULL
);
CREATE INDEX sessions_subject ON sessions (subject_kind, subject_id);

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    actor_id    INTEGER NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    target_kind TEXT NOT NULL DEFAULT '',
    target_id   TEXT NOT NULL DEFAULT '',
    detail      TEXT NOT NULL DEFAULT '',
    ip          TEXT NOT NULL DEFAULT '',
    request_id  TEXT NOT NULL DEFAULT '',
    created_at  DATETIME NOT NULL
);
CREATE INDEX audit_log_actor ON audit_log (actor_id, id);
CREATE INDEX audit_log_action ON audit_log (action, id);
CREATE INDEX audit_log_target ON audit_log (target_kind, target_id, id);
-- The audit log is append-only: the database itself refuses changes.
-- +goose StatementBegin
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
-- +goose StatementEnd

CREATE TABLE enterprises (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    uscc       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    industry   TEXT NOT NULL DEFAULT '',
    street     TEXT NOT NULL DEFAULT '',
    grade      TEXT NOT NULL DEFAULT '',
    score      INTEGER,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL
);
CREATE INDEX enterprises_grade ON enterprises (grade);
CREATE INDEX enterprises_industry ON enterprises (industry);
CREATE INDEX enterprises_street ON enterprises (street);

CREATE TABLE enterprise_bindings (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    enterprise_id INTEGER NOT NULL REFERENCES enterprises (id),
    resident_id   INTEGER NOT NULL REFERENCES residents (id),
    role          TEXT NOT NULL,
    status        TEXT NOT NULL,
    decided_by    INTEGER,
    decided_at    DATETIME,
    created_at    DATETIME NOT NULL
);
CREATE INDEX enterprise_bindings_resident ON enterprise_bindings (resident_id, status);
CREATE INDEX enterprise_bindings_enterprise ON enterprise_bindings (enterprise_id, status);

-- +goose Down
DROP TABLE enterprise_bindings;
DROP TABLE enterprises;
DROP TABLE audit_log;
DROP TABLE sessions;
DROP TABLE staff;
DROP TABLE departments;
DROP TABLE consents;
DROP TABLE resident_tags;
DROP TABLE residents;
