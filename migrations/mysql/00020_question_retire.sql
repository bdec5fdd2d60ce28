-- +goose Up
-- A retired bank question is offered for no new survey; surveys that use
-- it, and quizzes that drew from it before it was retired, keep it.
ALTER TABLE survey_questions ADD COLUMN retired_at DATETIME(6) NULL;

-- +goose Down
ALTER TABLE survey_questions DROP COLUMN retired_at;
