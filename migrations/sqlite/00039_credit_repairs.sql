-- +goose Up
-- Issue 29 (enterprise side): 信用修复. A department names, per record kind,
-- the course an enterprise completes to repair a minor or general credit
-- record of its own: a quiz (a survey of kind quiz) and its pass mark. A
-- bound member passes the quiz and submits a written commitment (信用承诺书);
-- the department reviews it, and an approval ends the record's publication
-- period early. open_key holds the record's ID while a repair of it is
-- under way or approved (NULL once rejected): one at a time, once for good.
CREATE TABLE credit_repair_courses (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    department_id INTEGER,
    dept_key      INTEGER NOT NULL DEFAULT 0,
    kind          TEXT NOT NULL,
    survey_id     INTEGER NOT NULL,
    pass_score    INTEGER NOT NULL,
    updated_by    INTEGER NOT NULL,
    created_at    DATETIME NOT NULL,
    updated_at    DATETIME NOT NULL
);
CREATE UNIQUE INDEX credit_repair_courses_key ON credit_repair_courses (dept_key, kind);

CREATE TABLE credit_repairs (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    credit_record_id    INTEGER NOT NULL REFERENCES credit_records (id),
    enterprise_id       INTEGER NOT NULL REFERENCES enterprises (id),
    department_id       INTEGER,
    kind                TEXT NOT NULL,
    severity            TEXT NOT NULL,
    survey_id           INTEGER NOT NULL,
    attempt_id          INTEGER NOT NULL,
    score               INTEGER NOT NULL,
    pass_score          INTEGER NOT NULL,
    resident_id         INTEGER NOT NULL,
    passed_at           DATETIME NOT NULL,
    commitment          TEXT NOT NULL DEFAULT '',
    committed_by        INTEGER,
    committed_at        DATETIME,
    status              TEXT NOT NULL,
    open_key            INTEGER,
    decided_by          INTEGER,
    decided_at          DATETIME,
    decision_reason     TEXT NOT NULL DEFAULT '',
    original_expires_at DATETIME,
    ends_at             DATETIME,
    created_at          DATETIME NOT NULL,
    updated_at          DATETIME NOT NULL
);
CREATE UNIQUE INDEX credit_repairs_open ON credit_repairs (open_key);
CREATE UNIQUE INDEX credit_repairs_attempt ON credit_repairs (attempt_id);
CREATE INDEX credit_repairs_record ON credit_repairs (credit_record_id, id);
CREATE INDEX credit_repairs_queue ON credit_repairs (status, id);
CREATE INDEX credit_repairs_enterprise ON credit_repairs (enterprise_id, id);

-- +goose Down
DROP TABLE credit_repairs;
DROP TABLE credit_repair_courses;
