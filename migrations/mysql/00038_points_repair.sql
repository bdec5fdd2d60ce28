-- +goose Up
-- 学法修复 (issue 29), the residents' side: see the SQLite migration.
ALTER TABLE point_rules
    ADD COLUMN kind VARCHAR(8) NOT NULL DEFAULT 'earn',
    ADD COLUMN repair_repairable TINYINT(1) NOT NULL DEFAULT 0,
    ADD COLUMN repair_tag VARCHAR(32) NOT NULL DEFAULT '',
    ADD COLUMN repair_questions INT NOT NULL DEFAULT 0,
    ADD COLUMN repair_pass_score INT NOT NULL DEFAULT 0,
    ADD COLUMN repair_share_percent INT NOT NULL DEFAULT 0;
ALTER TABLE point_rule_versions
    ADD COLUMN kind VARCHAR(8) NOT NULL DEFAULT 'earn',
    ADD COLUMN repair VARCHAR(255) NOT NULL DEFAULT '';

CREATE TABLE point_repairs (
    deduction_id  BIGINT NOT NULL PRIMARY KEY,
    resident_id   BIGINT NOT NULL,
    department_id BIGINT NULL,
    rule_code     VARCHAR(32) NOT NULL,
    tag           VARCHAR(32) NOT NULL,
    questions     INT NOT NULL,
    pass_score    INT NOT NULL,
    share         INT NOT NULL,
    points        BIGINT NOT NULL,
    deadline      DATETIME(6) NOT NULL,
    status        VARCHAR(16) NOT NULL DEFAULT 'none',
    attempts      INT NOT NULL DEFAULT 0,
    attempt_id    BIGINT NULL,
    started_at    DATETIME(6) NULL,
    passed_at     DATETIME(6) NULL,
    repaired_at   DATETIME(6) NULL,
    restored      BIGINT NOT NULL DEFAULT 0,
    created_at    DATETIME(6) NOT NULL,
    KEY point_repairs_resident (resident_id, deduction_id),
    KEY point_repairs_started (department_id, started_at),
    KEY point_repairs_repaired (department_id, repaired_at),
    CONSTRAINT point_repairs_deduction FOREIGN KEY (deduction_id) REFERENCES point_transactions (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

ALTER TABLE surveys
    ADD COLUMN course_key VARCHAR(191) NULL,
    ADD COLUMN course_job VARCHAR(64) NOT NULL DEFAULT '',
    ADD UNIQUE KEY surveys_course_key (course_key);
ALTER TABLE survey_attempts ADD COLUMN course_ref VARCHAR(64) NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE survey_attempts DROP COLUMN course_ref;
ALTER TABLE surveys DROP INDEX surveys_course_key, DROP COLUMN course_job, DROP COLUMN course_key;
DROP TABLE point_repairs;
ALTER TABLE point_rule_versions DROP COLUMN repair, DROP COLUMN kind;
ALTER TABLE point_rules DROP COLUMN repair_share_percent, DROP COLUMN repair_pass_score, DROP COLUMN repair_questions,
    DROP COLUMN repair_tag, DROP COLUMN repair_repairable, DROP COLUMN kind;
