-- +goose Up
-- 学法修复 (issue 29), the residents' side. A rule is an earning rule or a
-- deduction rule (kind); a deduction rule may state a repair course: a quiz
-- drawn from the question bank by tag, its pass mark and the share of the
-- deducted points a pass restores. A deduction may name its rule; under a
-- repairable rule it gets a row of point_repairs fixing the course's terms
-- and deadline (the appeal deadline) when it is recorded, so a later change
-- of the rule moves nothing already told to the resident.
ALTER TABLE point_rules ADD COLUMN kind TEXT NOT NULL DEFAULT 'earn';
ALTER TABLE point_rules ADD COLUMN repair_repairable INTEGER NOT NULL DEFAULT 0;
ALTER TABLE point_rules ADD COLUMN repair_tag TEXT NOT NULL DEFAULT '';
ALTER TABLE point_rules ADD COLUMN repair_questions INTEGER NOT NULL DEFAULT 0;
ALTER TABLE point_rules ADD COLUMN repair_pass_score INTEGER NOT NULL DEFAULT 0;
ALTER TABLE point_rules ADD COLUMN repair_share_percent INTEGER NOT NULL DEFAULT 0;
ALTER TABLE point_rule_versions ADD COLUMN kind TEXT NOT NULL DEFAULT 'earn';
ALTER TABLE point_rule_versions ADD COLUMN repair TEXT NOT NULL DEFAULT '';

CREATE TABLE point_repairs (
    deduction_id  INTEGER PRIMARY KEY REFERENCES point_transactions (id),
    resident_id   INTEGER NOT NULL,
    department_id INTEGER,
    rule_code     TEXT NOT NULL,
    tag           TEXT NOT NULL,
    questions     INTEGER NOT NULL,
    pass_score    INTEGER NOT NULL,
    share         INTEGER NOT NULL,
    points        INTEGER NOT NULL,
    deadline      DATETIME NOT NULL,
    status        TEXT NOT NULL DEFAULT 'none',
    attempts      INTEGER NOT NULL DEFAULT 0,
    attempt_id    INTEGER,
    started_at    DATETIME,
    passed_at     DATETIME,
    repaired_at   DATETIME,
    restored      INTEGER NOT NULL DEFAULT 0,
    created_at    DATETIME NOT NULL
);
CREATE INDEX point_repairs_resident ON point_repairs (resident_id, deduction_id);
CREATE INDEX point_repairs_started ON point_repairs (department_id, started_at);
CREATE INDEX point_repairs_repaired ON point_repairs (department_id, repaired_at);

-- A course's quiz is a survey of status 'course', answered only through the
-- course that starts its attempts (never listed to residents); a passed
-- attempt enqueues the course's job (course_job) under the attempt's
-- course_ref, in the submit's transaction.
ALTER TABLE surveys ADD COLUMN course_key TEXT;
ALTER TABLE surveys ADD COLUMN course_job TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX surveys_course_key ON surveys (course_key);
ALTER TABLE survey_attempts ADD COLUMN course_ref TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE survey_attempts DROP COLUMN course_ref;
DROP INDEX surveys_course_key;
ALTER TABLE surveys DROP COLUMN course_job;
ALTER TABLE surveys DROP COLUMN course_key;
DROP TABLE point_repairs;
ALTER TABLE point_rule_versions DROP COLUMN repair;
ALTER TABLE point_rule_versions DROP COLUMN kind;
ALTER TABLE point_rules DROP COLUMN repair_share_percent;
ALTER TABLE point_rules DROP COLUMN repair_pass_score;
ALTER TABLE point_rules DROP COLUMN repair_questions;
ALTER TABLE point_rules DROP COLUMN repair_tag;
ALTER TABLE point_rules DROP COLUMN repair_repairable;
ALTER TABLE point_rules DROP COLUMN kind;
