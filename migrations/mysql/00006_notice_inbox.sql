-- +goose Up
-- The inbox index carries everything the inbox reads of a recipient row:
-- listing and counting unread are answered from it and the small notices
-- table, without a visit to the rows themselves. Publication writes an
-- entry per recipient; read_at and acked_at are NULL then and take no
-- space, so an entry is as small as (resident_id, notice_id). The inbox
-- orders by the notice's own published_at, so the copy on every recipient
-- row goes.
ALTER TABLE notice_recipients
    DROP INDEX notice_recipients_inbox,
    DROP COLUMN published_at,
    ADD INDEX notice_recipients_inbox (resident_id, notice_id, read_at, acked_at);

-- +goose Down
ALTER TABLE notice_recipients
    DROP INDEX notice_recipients_inbox,
    ADD COLUMN published_at DATETIME(6) NOT NULL DEFAULT '1970-01-01 00:00:00' AFTER street;
UPDATE notice_recipients r JOIN notices n ON n.id = r.notice_id SET r.published_at = n.published_at;
ALTER TABLE notice_recipients ADD INDEX notice_recipients_inbox (resident_id, published_at, notice_id);
