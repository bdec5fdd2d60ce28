-- +goose Up
-- An objection's decision carries the officer's reason, which the objector
-- reads in the app (never pushed: the decision's notice is a fixed text).
ALTER TABLE credit_objections ADD COLUMN decision_reason VARCHAR(1000) NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE credit_objections DROP COLUMN decision_reason;
