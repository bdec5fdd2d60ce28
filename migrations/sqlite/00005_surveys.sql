-- +goose Up
CREATE TABLE survey_questions (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    department_id INTEGER REFERENCES departments (id),
    source_key    TEXT UNIQUE,
    type          TEXT NOT NULL,
    stem          TEXT NOT NULL,
    options       TEXT NOT NULL,
    answer        TEXT NOT NULL,
    explanation   TEXT NOT NULL DEFAULT '',
    article       TEXT NOT NULL DEFAULT '',
    tags          TEXT NOT NULL DEFAULT '[]',
    created_by    INTEGER,
    created_at    DATETIME NOT NULL,
    updated_at    DATETIME NOT NULL
);

CREATE TABLE survey_question_tags (
    question_id INTEGER NOT NULL REFERENCES survey_questions (id),
    tag         TEXT NOT NULL,
    PRIMARY KEY (question_id, tag)
);
CREATE INDEX survey_question_tags_tag ON survey_question_tags (tag, question_id);

CREATE TABLE surveys (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    department_id    INTEGER REFERENCES departments (id),
    created_by       INTEGER NOT NULL,
    kind             TEXT NOT NULL,
    title            TEXT NOT NULL,
    description      TEXT NOT NULL DEFAULT '',
    audience         TEXT NOT NULL,
    opens_at         DATETIME NOT NULL,
    closes_at        DATETIME,
    draw_tags        TEXT NOT NULL DEFAULT '[]',
    draw_count       INTEGER NOT NULL DEFAULT 0,
    time_limit_s     INTEGER NOT NULL DEFAULT 0,
    attempts_per_day INTEGER NOT NULL DEFAULT 0,
    pass_score       INTEGER NOT NULL DEFAULT 0,
    points_rule      TEXT NOT NULL DEFAULT '',
    recurrence       TEXT NOT NULL DEFAULT '',
    status           TEXT NOT NULL DEFAULT 'draft',
    published_at     DATETIME,
    created_at       DATETIME NOT NULL,
    updated_at       DATETIME NOT NULL
);
CREATE INDEX surveys_status_opens ON surveys (status, opens_at);
CREATE INDEX surveys_department ON surveys (department_id, id);

CREATE TABLE survey_items (
    survey_id   INTEGER NOT NULL REFERENCES surveys (id),
    position    INTEGER NOT NULL,
    question_id INTEGER NOT NULL REFERENCES survey_questions (id),
    required    INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (survey_id, position)
);

CREATE TABLE survey_attempts (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    survey_id      INTEGER NOT NULL REFERENCES surveys (id),
    resident_id    INTEGER NOT NULL REFERENCES residents (id),
    day            TEXT NOT NULL,
    seq            INTEGER NOT NULL,
    street         TEXT NOT NULL DEFAULT '',
    community      TEXT NOT NULL DEFAULT '',
    seed           INTEGER NOT NULL,
    questions      TEXT NOT NULL,
    started_at     DATETIME NOT NULL,
    deadline       DATETIME NOT NULL,
    submitted_at   DATETIME,
    answers        TEXT,
    score          INTEGER,
    passed         INTEGER NOT NULL DEFAULT 0,
    fast           INTEGER NOT NULL DEFAULT 0,
    points_awarded INTEGER NOT NULL DEFAULT 0,
    created_at     DATETIME NOT NULL,
    updated_at     DATETIME NOT NULL,
    UNIQUE (survey_id, resident_id, day, seq)
);
CREATE INDEX survey_attempts_survey ON survey_attempts (survey_id, id);
CREATE INDEX survey_attempts_resident ON survey_attempts (resident_id, id);

CREATE TABLE survey_attempt_items (
    attempt_id  INTEGER NOT NULL REFERENCES survey_attempts (id),
    question_id INTEGER NOT NULL,
    survey_id   INTEGER NOT NULL,
    credit      REAL NOT NULL,
    correct     INTEGER NOT NULL,
    PRIMARY KEY (attempt_id, question_id)
);
CREATE INDEX survey_attempt_items_survey ON survey_attempt_items (survey_id, question_id);

CREATE TABLE survey_responses (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    survey_id    INTEGER NOT NULL REFERENCES surveys (id),
    resident_id  INTEGER NOT NULL REFERENCES residents (id),
    day          TEXT NOT NULL,
    street       TEXT NOT NULL DEFAULT '',
    community    TEXT NOT NULL DEFAULT '',
    answers      TEXT NOT NULL,
    points_awarded INTEGER NOT NULL DEFAULT 0,
    submitted_at DATETIME NOT NULL,
    created_at   DATETIME NOT NULL,
    UNIQUE (survey_id, resident_id, day)
);
CREATE INDEX survey_responses_survey ON survey_responses (survey_id, id);
CREATE INDEX survey_responses_day ON survey_responses (survey_id, day, resident_id);
CREATE INDEX survey_responses_resident ON survey_responses (resident_id, id);

CREATE TABLE survey_choices (
    response_id INTEGER NOT NULL REFERENCES survey_responses (id),
    survey_id   INTEGER NOT NULL,
    question_id INTEGER NOT NULL,
    day         TEXT NOT NULL,
    value       TEXT NOT NULL,
    PRIMARY KEY (response_id, question_id, value)
);
CREATE INDEX survey_choices_survey ON survey_choices (survey_id, question_id, value);

-- +goose Down
DROP TABLE survey_choices;
DROP TABLE survey_responses;
DROP TABLE survey_attempt_items;
DROP TABLE survey_attempts;
DROP TABLE survey_items;
DROP TABLE surveys;
DROP TABLE survey_question_tags;
DROP TABLE survey_questions;
