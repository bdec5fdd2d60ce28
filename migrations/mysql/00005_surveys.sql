-- +goose Up
CREATE TABLE survey_questions (
    id            BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    department_id BIGINT NULL,
    source_key    VARCHAR(64) NULL UNIQUE,
    type          VARCHAR(16) NOT NULL,
    stem          TEXT NOT NULL,
    options       TEXT NOT NULL,
    answer        TEXT NOT NULL,
    explanation   TEXT NOT NULL,
    article       VARCHAR(128) NOT NULL DEFAULT '',
    tags          TEXT NOT NULL,
    created_by    BIGINT NULL,
    created_at    DATETIME(6) NOT NULL,
    updated_at    DATETIME(6) NOT NULL,
    CONSTRAINT survey_questions_department FOREIGN KEY (department_id) REFERENCES departments (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE survey_question_tags (
    question_id BIGINT NOT NULL,
    tag         VARCHAR(32) NOT NULL,
    PRIMARY KEY (question_id, tag),
    INDEX survey_question_tags_tag (tag, question_id),
    CONSTRAINT survey_question_tags_question FOREIGN KEY (question_id) REFERENCES survey_questions (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE surveys (
    id               BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    department_id    BIGINT NULL,
    created_by       BIGINT NOT NULL,
    kind             VARCHAR(16) NOT NULL,
    title            VARCHAR(128) NOT NULL,
    description      TEXT NOT NULL,
    audience         MEDIUMTEXT NOT NULL,
    opens_at         DATETIME(6) NOT NULL,
    closes_at        DATETIME(6) NULL,
    draw_tags        TEXT NOT NULL,
    draw_count       INT NOT NULL DEFAULT 0,
    time_limit_s     INT NOT NULL DEFAULT 0,
    attempts_per_day INT NOT NULL DEFAULT 0,
    pass_score       INT NOT NULL DEFAULT 0,
    points_rule      VARCHAR(64) NOT NULL DEFAULT '',
    recurrence       VARCHAR(16) NOT NULL DEFAULT '',
    status           VARCHAR(16) NOT NULL DEFAULT 'draft',
    published_at     DATETIME(6) NULL,
    created_at       DATETIME(6) NOT NULL,
    updated_at       DATETIME(6) NOT NULL,
    INDEX surveys_status_opens (status, opens_at),
    INDEX surveys_department (department_id, id),
    CONSTRAINT surveys_department_fk FOREIGN KEY (department_id) REFERENCES departments (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE survey_items (
    survey_id   BIGINT NOT NULL,
    position    INT NOT NULL,
    question_id BIGINT NOT NULL,
    required    BOOLEAN NOT NULL DEFAULT TRUE,
    PRIMARY KEY (survey_id, position),
    CONSTRAINT survey_items_survey FOREIGN KEY (survey_id) REFERENCES surveys (id),
    CONSTRAINT survey_items_question FOREIGN KEY (question_id) REFERENCES survey_questions (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE survey_attempts (
    id             BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    survey_id      BIGINT NOT NULL,
    resident_id    BIGINT NOT NULL,
    day            CHAR(10) NOT NULL,
    seq            INT NOT NULL,
    street         VARCHAR(32) NOT NULL DEFAULT '',
    community      VARCHAR(32) NOT NULL DEFAULT '',
    seed           BIGINT NOT NULL,
    questions      MEDIUMTEXT NOT NULL,
    started_at     DATETIME(6) NOT NULL,
    deadline       DATETIME(6) NOT NULL,
    submitted_at   DATETIME(6) NULL,
    answers        MEDIUMTEXT NULL,
    score          INT NULL,
    passed         BOOLEAN NOT NULL DEFAULT FALSE,
    fast           BOOLEAN NOT NULL DEFAULT FALSE,
    points_awarded BIGINT NOT NULL DEFAULT 0,
    created_at     DATETIME(6) NOT NULL,
    updated_at     DATETIME(6) NOT NULL,
    UNIQUE KEY survey_attempts_day_seq (survey_id, resident_id, day, seq),
    INDEX survey_attempts_survey (survey_id, id),
    INDEX survey_attempts_resident (resident_id, id),
    CONSTRAINT survey_attempts_survey_fk FOREIGN KEY (survey_id) REFERENCES surveys (id),
    CONSTRAINT survey_attempts_resident_fk FOREIGN KEY (resident_id) REFERENCES residents (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE survey_attempt_items (
    attempt_id  BIGINT NOT NULL,
    question_id BIGINT NOT NULL,
    survey_id   BIGINT NOT NULL,
    credit      DOUBLE NOT NULL,
    correct     BOOLEAN NOT NULL,
    PRIMARY KEY (attempt_id, question_id),
    INDEX survey_attempt_items_survey (survey_id, question_id),
    CONSTRAINT survey_attempt_items_attempt FOREIGN KEY (attempt_id) REFERENCES survey_attempts (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE survey_responses (
    id             BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    survey_id      BIGINT NOT NULL,
    resident_id    BIGINT NOT NULL,
    day            VARCHAR(10) NOT NULL,
    street         VARCHAR(32) NOT NULL DEFAULT '',
    community      VARCHAR(32) NOT NULL DEFAULT '',
    answers        MEDIUMTEXT NOT NULL,
    points_awarded BIGINT NOT NULL DEFAULT 0,
    submitted_at   DATETIME(6) NOT NULL,
    created_at     DATETIME(6) NOT NULL,
    UNIQUE KEY survey_responses_once (survey_id, resident_id, day),
    INDEX survey_responses_survey (survey_id, id),
    INDEX survey_responses_day (survey_id, day, resident_id),
    INDEX survey_responses_resident (resident_id, id),
    CONSTRAINT survey_responses_survey_fk FOREIGN KEY (survey_id) REFERENCES surveys (id),
    CONSTRAINT survey_responses_resident_fk FOREIGN KEY (resident_id) REFERENCES residents (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE survey_choices (
    response_id BIGINT NOT NULL,
    survey_id   BIGINT NOT NULL,
    question_id BIGINT NOT NULL,
    day         VARCHAR(10) NOT NULL,
    value       VARCHAR(191) NOT NULL,
    PRIMARY KEY (response_id, question_id, value),
    INDEX survey_choices_survey (survey_id, question_id, value),
    CONSTRAINT survey_choices_response FOREIGN KEY (response_id) REFERENCES survey_responses (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE survey_choices;
DROP TABLE survey_responses;
DROP TABLE survey_attempt_items;
DROP TABLE survey_attempts;
DROP TABLE survey_items;
DROP TABLE surveys;
DROP TABLE survey_question_tags;
DROP TABLE survey_questions;
