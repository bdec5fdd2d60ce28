-- +goose Up
-- The current rating is mirrored on enterprises (grade, score and these
-- columns) so the public view, notice audiences and the re-rating worker
-- read one row; ratings keeps every rating ever given.
ALTER TABLE enterprises
    ADD COLUMN model_version VARCHAR(16) NOT NULL DEFAULT '',
    ADD COLUMN rated_at DATETIME(6) NULL,
    ADD COLUMN valid_until DATETIME(6) NULL,
    ADD INDEX enterprises_valid_until (valid_until);

ALTER TABLE enterprise_bindings ADD UNIQUE INDEX enterprise_bindings_unique (enterprise_id, resident_id);

CREATE TABLE credit_records (
    id            BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    enterprise_id BIGINT NOT NULL,
    kind          VARCHAR(32) NOT NULL,
    severity      VARCHAR(16) NOT NULL,
    occurred_at   DATETIME(6) NOT NULL,
    expires_at    DATETIME(6) NOT NULL,
    case_ref      VARCHAR(128) NOT NULL DEFAULT '',
    note          VARCHAR(1000) NOT NULL DEFAULT '',
    department_id BIGINT NULL,
    staff_id      BIGINT NOT NULL,
    revoked_at    DATETIME(6) NULL,
    created_at    DATETIME(6) NOT NULL,
    INDEX credit_records_enterprise (enterprise_id, expires_at),
    CONSTRAINT credit_records_enterprise_fk FOREIGN KEY (enterprise_id) REFERENCES enterprises (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE ratings (
    id            BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    enterprise_id BIGINT NOT NULL,
    model_version VARCHAR(16) NOT NULL,
    score         INT NOT NULL,
    grade         CHAR(1) NOT NULL,
    factors       MEDIUMTEXT NOT NULL,
    cause         VARCHAR(16) NOT NULL,
    rated_at      DATETIME(6) NOT NULL,
    valid_until   DATETIME(6) NOT NULL,
    INDEX ratings_enterprise (enterprise_id, id),
    CONSTRAINT ratings_enterprise_fk FOREIGN KEY (enterprise_id) REFERENCES enterprises (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE credit_objections (
    id               BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    enterprise_id    BIGINT NOT NULL,
    credit_record_id BIGINT NOT NULL,
    resident_id      BIGINT NOT NULL,
    reason           VARCHAR(1000) NOT NULL,
    status           VARCHAR(16) NOT NULL,
    decided_by       BIGINT NULL,
    decided_at       DATETIME(6) NULL,
    created_at       DATETIME(6) NOT NULL,
    INDEX credit_objections_record (credit_record_id, status),
    INDEX credit_objections_resident (resident_id),
    CONSTRAINT credit_objections_enterprise_fk FOREIGN KEY (enterprise_id) REFERENCES enterprises (id),
    CONSTRAINT credit_objections_record_fk FOREIGN KEY (credit_record_id) REFERENCES credit_records (id),
    CONSTRAINT credit_objections_resident_fk FOREIGN KEY (resident_id) REFERENCES residents (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE benefit_programs (
    id            BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    name          VARCHAR(128) NOT NULL,
    min_grade     CHAR(1) NOT NULL,
    industries    TEXT NOT NULL,
    streets       TEXT NOT NULL,
    notice        VARCHAR(2000) NOT NULL,
    department_id BIGINT NULL,
    created_by    BIGINT NOT NULL,
    created_at    DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE benefit_matches (
    id            BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    program_id    BIGINT NOT NULL,
    enterprise_id BIGINT NOT NULL,
    matched_at    DATETIME(6) NOT NULL,
    notified_at   DATETIME(6) NULL,
    UNIQUE INDEX benefit_matches_unique (program_id, enterprise_id),
    INDEX benefit_matches_pending (notified_at),
    CONSTRAINT benefit_matches_program_fk FOREIGN KEY (program_id) REFERENCES benefit_programs (id),
    CONSTRAINT benefit_matches_enterprise_fk FOREIGN KEY (enterprise_id) REFERENCES enterprises (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE benefit_matches;
DROP TABLE benefit_programs;
DROP TABLE credit_objections;
DROP TABLE ratings;
DROP TABLE credit_records;
ALTER TABLE enterprise_bindings DROP INDEX enterprise_bindings_unique;
ALTER TABLE enterprises DROP INDEX enterprises_valid_until, DROP COLUMN valid_until, DROP COLUMN rated_at, DROP COLUMN model_version;
