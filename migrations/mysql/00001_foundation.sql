-- +goose Up
CREATE TABLE residents (
    id                 BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    openid             VARCHAR(64) NULL UNIQUE,
    unionid            VARCHAR(64) NULL,
    nickname           VARCHAR(64) NOT NULL DEFAULT '',
    avatar_url         VARCHAR(512) NOT NULL DEFAULT '',
    phone_enc          VARBINARY(128) NULL,
    phone_hash         BINARY(32) NULL,
    phone_masked       VARCHAR(16) NOT NULL DEFAULT '',
    street             VARCHAR(32) NOT NULL DEFAULT '',
    community          VARCHAR(32) NOT NULL DEFAULT '',
    birth_year         INT NULL,
    leaderboard_opt_in BOOLEAN NOT NULL DEFAULT FALSE,
    consent_version    VARCHAR(32) NOT NULL DEFAULT '',
    consented_at       DATETIME(6) NULL,
    deleted_at         DATETIME(6) NULL,
    created_at         DATETIME(6) NOT NULL,
    updated_at         DATETIME(6) NOT NULL,
    INDEX residents_street_community (street, community),
    INDEX residents_birth_year (birth_year),
    INDEX residents_phone_hash (phone_hash)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE resident_tags (
    resident_id BIGINT NOT NULL,
    tag         VARCHAR(32) NOT NULL,
    PRIMARY KEY (resident_id, tag),
    INDEX resident_tags_tag (tag, resident_id),
    CONSTRAINT resident_tags_resident FOREIGN KEY (resident_id) REFERENCES residents (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE consents (
    id          BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    resident_id BIGINT NOT NULL,
    version     VARCHAR(32) NOT NULL,
    created_at  DATETIME(6) NOT NULL,
    INDEX consents_resident (resident_id, id),
    CONSTRAINT consents_resident_fk FOREIGN KEY (resident_id) REFERENCES residents (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE departments (
    id         BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    name       VARCHAR(64) NOT NULL UNIQUE,
    created_at DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE staff (
    id            BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    username      VARCHAR(64) NOT NULL UNIQUE,
    password_hash VARCHAR(255) NOT NULL,
    department_id BIGINT NULL,
    roles         VARCHAR(255) NOT NULL DEFAULT '',
    streets       VARCHAR(1024) NOT NULL DEFAULT '',
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    DATETIME(6) NOT NULL,
    updated_at    DATETIME(6) NOT NULL,
    CONSTRAINT staff_department FOREIGN KEY (department_id) REFERENCES departments (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE sessions (
    id           BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    token_hash   BINARY(32) NOT NULL UNIQUE,
    subject_kind VARCHAR(16) NOT NULL,
    subject_id   BIGINT NOT NULL,
    expires_at   DATETIME(6) NOT NULL,
    revoked_at   DATETIME(6) NULL,
    created_at   DATETIME(6) NOT NULL,
    INDEX sessions_subject (subject_kind, subject_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE audit_log (
    id          BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    actor_id    BIGINT NOT NULL,
    actor       VARCHAR(64) NOT NULL,
    action      VARCHAR(64) NOT NULL,
    target_kind VARCHAR(32) NOT NULL DEFAULT '',
    target_id   VARCHAR(64) NOT NULL DEFAULT '',
    detail      TEXT NOT NULL,
    ip          VARCHAR(64) NOT NULL DEFAULT '',
    request_id  VARCHAR(64) NOT NULL DEFAULT '',
    created_at  DATETIME(6) NOT NULL,
    INDEX audit_log_actor (actor_id, id),
    INDEX audit_log_action (action, id),
    INDEX audit_log_target (target_kind, target_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The audit log is append-only: the database itself refuses changes.
-- +goose StatementBegin
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log FOR EACH ROW
SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'audit_log is append-only';
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log FOR EACH ROW
SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'audit_log is append-only';
-- +goose StatementEnd

CREATE TABLE enterprises (
    id         BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    uscc       CHAR(18) NOT NULL UNIQUE,
    name       VARCHAR(128) NOT NULL,
    industry   VARCHAR(64) NOT NULL DEFAULT '',
    street     VARCHAR(32) NOT NULL DEFAULT '',
    grade      CHAR(1) NOT NULL DEFAULT '',
    score      INT NULL,
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    INDEX enterprises_grade (grade),
    INDEX enterprises_industry (industry),
    INDEX enterprises_street (street)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE enterprise_bindings (
    id            BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    enterprise_id BIGINT NOT NULL,
    resident_id   BIGINT NOT NULL,
    role          VARCHAR(16) NOT NULL,
    status        VARCHAR(16) NOT NULL,
    decided_by    BIGINT NULL,
    decided_at    DATETIME(6) NULL,
    created_at    DATETIME(6) NOT NULL,
    INDEX enterprise_bindings_resident (resident_id, status),
    INDEX enterprise_bindings_enterprise (enterprise_id, status),
    CONSTRAINT enterprise_bindings_enterprise_fk FOREIGN KEY (enterprise_id) REFERENCES enterprises (id),
    CONSTRAINT enterprise_bindings_resident_fk FOREIGN KEY (resident_id) REFERENCES residents (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

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
