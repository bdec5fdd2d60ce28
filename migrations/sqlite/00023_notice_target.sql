-- +goose Up
-- A system notice names what it is about by reference (a request, an
-- activity, …): the inbox links to it and its subscribe message opens its
-- page. Department notices have none ('').
ALTER TABLE notices ADD COLUMN target_type TEXT NOT NULL DEFAULT '';
ALTER TABLE notices ADD COLUMN target_id TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE notices DROP COLUMN target_id;
ALTER TABLE notices DROP COLUMN target_type;
