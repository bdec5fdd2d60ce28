-- +goose Up
-- A retired bank question is offered for no new survey; surveys that use
-- it, and quizzes that drew from it before it was retired, keep it.
ALTER TABLE survey_questions ADD COLUMN retired_at DATETIME;
CREATE INDEX survey_questions_department ON survey_questions (department_id, id);

-- +goose Down
DROP INDEX survey_questions_department;
ALTER TABLE survey_questions DROP COLUMN retired_at;
