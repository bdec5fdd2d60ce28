-- +goose Up
-- Retention (surveys/retention.go): each survey keeps answers retention_days
-- days; then their content is erased and what statistics count of them is
-- kept in anonymous tallies per question, day and street.
ALTER TABLE surveys ADD COLUMN retention_days INTEGER NOT NULL DEFAULT 365;
UPDATE surveys SET retention_days = 90 WHERE kind = 'declaration';

ALTER TABLE survey_responses ADD COLUMN erased_at DATETIME;
ALTER TABLE survey_attempts ADD COLUMN erased_at DATETIME;
CREATE INDEX survey_responses_retention ON survey_responses (survey_id, erased_at, submitted_at);
CREATE INDEX survey_attempts_retention ON survey_attempts (survey_id, erased_at, submitted_at);

CREATE TABLE survey_question_tallies (
    survey_id   INTEGER NOT NULL REFERENCES surveys (id),
    question_id INTEGER NOT NULL,
    day         TEXT NOT NULL,
    street      TEXT NOT NULL,
    answered    INTEGER NOT NULL,
    correct     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (survey_id, question_id, day, street)
);

CREATE TABLE survey_value_tallies (
    survey_id   INTEGER NOT NULL REFERENCES surveys (id),
    question_id INTEGER NOT NULL,
    day         TEXT NOT NULL,
    street      TEXT NOT NULL,
    value       TEXT NOT NULL,
    n           INTEGER NOT NULL,
    PRIMARY KEY (survey_id, question_id, day, street, value)
);

-- One reminder per survey and district day.
CREATE TABLE survey_reminders (
    survey_id  INTEGER NOT NULL REFERENCES surveys (id),
    day        TEXT NOT NULL,
    reminded   INTEGER NOT NULL,
    sent_by    INTEGER NOT NULL,
    created_at DATETIME NOT NULL,
    PRIMARY KEY (survey_id, day)
);

-- Number answers and answered text questions get their survey_choices rows
-- (the number as given; '' for a text), as new responses do, so statistics
-- count them.
INSERT INTO survey_choices (response_id, survey_id, question_id, day, value)
SELECT DISTINCT r.id, r.survey_id, q.id, r.day,
       CASE WHEN q.type = 'number' THEN json_extract(r.answers, '$."' || q.id || '"[0]') ELSE '' END
FROM survey_responses r
JOIN survey_items i ON i.survey_id = r.survey_id
JOIN survey_questions q ON q.id = i.question_id
WHERE q.type IN ('number', 'text') AND json_extract(r.answers, '$."' || q.id || '"[0]') IS NOT NULL;

-- +goose Down
DELETE FROM survey_choices WHERE question_id IN (SELECT id FROM survey_questions WHERE type IN ('number', 'text'));
DROP TABLE survey_reminders;
DROP TABLE survey_value_tallies;
DROP TABLE survey_question_tallies;
DROP INDEX survey_attempts_retention;
DROP INDEX survey_responses_retention;
ALTER TABLE survey_attempts DROP COLUMN erased_at;
ALTER TABLE survey_responses DROP COLUMN erased_at;
ALTER TABLE surveys DROP COLUMN retention_days;
