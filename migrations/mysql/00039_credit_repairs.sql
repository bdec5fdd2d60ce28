-- +goose Up
-- Issue 29 (enterprise side): 信用修复. A department names, per record kind,
-- the course an enterprise completes to repair a minor or general credit
-- record of its own: a quiz (a survey of kind quiz) and its pass mark. A
-- bound member passes the quiz and submits a written commitment (信用承诺书);
-- the department reviews it, and an approval ends the record's publication
-- period early. open_key holds the record's ID while a repair of it is
-- under way or approved (NULL once rejected): one at a time, once for good.
CREATE TABLE credit_repair_courses (
    id            BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    department_id BIGINT NULL,
    dept_key      BIGINT NOT NULL DEFAULT 0,
    kind          VARCHAR(32) NOT NULL,
    survey_id     BIGINT NOT NULL,
    pass_score    INT NOT NULL,
    updated_by    BIGINT NOT NULL,
    created_at    DATETIME(6) NOT NULL,
    updated_at    DATETIME(6) NOT NULL,
    UNIQUE KEY credit_repair_courses_key (dept_key, kind)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE credit_repairs (
    id                  BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    credit_record_id    BIGINT NOT NULL,
    enterprise_id       BIGINT NOT NULL,
    department_id       BIGINT NULL,
    kind                VARCHAR(32) NOT NULL,
    severity            VARCHAR(16) NOT NULL,
    survey_id           BIGINT NOT NULL,
    attempt_id          BIGINT NOT NULL,
    score               INT NOT NULL,
    pass_score          INT NOT NULL,
    resident_id         BIGINT NOT NULL,
    passed_at           DATETIME(6) NOT NULL,
    commitment          TEXT NOT NULL,
    committed_by        BIGINT NULL,
    committed_at        DATETIME(6) NULL,
    status              VARCHAR(16) NOT NULL,
    open_key            BIGINT NULL,
    decided_by          BIGINT NULL,
    decided_at          DATETIME(6) NULL,
    decision_reason     TEXT NOT NULL,
    original_expires_at DATETIME(6) NULL,
    ends_at             DATETIME(6) NULL,
    created_at          DATETIME(6) NOT NULL,
    updated_at          DATETIME(6) NOT NULL,
    UNIQUE KEY credit_repairs_open (open_key),
    UNIQUE KEY credit_repairs_attempt (attempt_id),
    KEY credit_repairs_record (credit_record_id, id),
    KEY credit_repairs_queue (status, id),
    KEY credit_repairs_enterprise (enterprise_id, id),
    CONSTRAINT credit_repairs_record_fk FOREIGN KEY (credit_record_id) REFERENCES credit_records (id),
    CONSTRAINT credit_repairs_enterprise_fk FOREIGN KEY (enterprise_id) REFERENCES enterprises (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE credit_repairs;
DROP TABLE credit_repair_courses;
