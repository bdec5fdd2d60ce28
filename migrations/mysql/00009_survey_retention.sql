-- +goose Up
-- Retention (surveys/retention.go): each survey keeps answers retention_days
-- days; then their content is erased and what statistics count of them is
-- kept in anonymous tallies per question, day and street.
ALTER TABLE surveys ADD COLUMN retention_days INT NOT NULL DEFAULT 365;
UPDATE surveys SET retention_days = 90 WHERE kind = 'declaration';

ALTER TABLE survey_responses ADD COLUMN erased_at DATETIME(6) NULL,
    ADD INDEX survey_responses_retention (survey_id, erased_at, submitted_at);
ALTER TABLE survey_attempts ADD COLUMN erased_at DATETIME(6) NULL,
    ADD INDEX survey_attempts_retention (survey_id, erased_at, submitted_at);

CREATE TABLE survey_question_tallies (
    survey_id   BIGINT NOT NULL,
    question_id BIGINT NOT NULL,
    day         VARCHAR(10) NOT NULL,
    street      VARCHAR(32) NOT NULL,
    answered    BIGINT NOT NULL,
    correct     BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (survey_id, question_id, day, street),
    CONSTRAINT survey_question_tallies_survey FOREIGN KEY (survey_id) REFERENCES surveys (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE survey_value_tallies (
    survey_id   BIGINT NOT NULL,
    question_id BIGINT NOT NULL,
    day         VARCHAR(10) NOT NULL,
    street      VARCHAR(32) NOT NULL,
    value       VARCHAR(191) NOT NULL,
    n           BIGINT NOT NULL,
    PRIMARY KEY (survey_id, question_id, day, street, value),
    CONSTRAINT survey_value_tallies_survey FOREIGN KEY (survey_id) REFERENCES surveys (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- One reminder per survey and district day.
CREATE TABLE survey_reminders (
    survey_id  BIGINT NOT NULL,
    day        VARCHAR(10) NOT NULL,
    reminded   INT NOT NULL,
    sent_by    BIGINT NOT NULL,
    created_at DATETIME(6) NOT NULL,
    PRIMARY KEY (survey_id, day),
    CONSTRAINT survey_reminders_survey FOREIGN KEY (survey_id) REFERENCES surveys (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Number answers and answered text questions get their survey_choices rows
-- (the number as given; '' for a text), as new responses do, so statistics
-- count them.
INSERT INTO survey_choices (response_id, survey_id, question_id, day, value)
SELECT DISTINCT r.id, r.survey_id, q.id, r.day,
       CASE WHEN q.type = 'number' THEN JSON_UNQUOTE(JSON_EXTRACT(r.answers, CONCAT('$."', q.id, '"[0]'))) ELSE '' END
FROM survey_responses r
JOIN survey_items i ON i.survey_id = r.survey_id
JOIN survey_questions q ON q.id = i.question_id
WHERE q.type IN ('number', 'text') AND JSON_EXTRACT(r.answers, CONCAT('$."', q.id, '"[0]')) IS NOT NULL;

-- +goose Down
DELETE FROM survey_choices WHERE question_id IN (SELECT id FROM survey_questions WHERE type IN ('number', 'text'));
DROP TABLE survey_reminders;
DROP TABLE survey_value_tallies;
DROP TABLE survey_question_tallies;
ALTER TABLE survey_attempts DROP INDEX survey_attempts_retention, DROP COLUMN erased_at;
ALTER TABLE survey_responses DROP INDEX survey_responses_retention, DROP COLUMN erased_at;
ALTER TABLE surveys DROP COLUMN retention_days;
