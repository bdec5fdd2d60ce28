-- +goose Up
-- A system notice names what it is about by reference (a request, an
-- activity, …): the inbox links to it and its subscribe message opens its
-- page. Department notices have none ('').
ALTER TABLE notices
    ADD COLUMN target_type VARCHAR(32) NOT NULL DEFAULT '' AFTER kind,
    ADD COLUMN target_id VARCHAR(64) NOT NULL DEFAULT '' AFTER target_type;

-- +goose Down
ALTER TABLE notices DROP COLUMN target_id, DROP COLUMN target_type;
