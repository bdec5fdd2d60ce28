-- +goose Up
-- The inbox index carries everything the inbox reads of a recipient row:
-- listing and counting unread are answered from it and the small notices
-- table. The inbox orders by the notice's own published_at, so the copy on
-- every recipient row goes.
DROP INDEX notice_recipients_inbox;
ALTER TABLE notice_recipients DROP COLUMN published_at;
CREATE INDEX notice_recipients_inbox ON notice_recipients (resident_id, notice_id, read_at, acked_at);

-- +goose Down
DROP INDEX notice_recipients_inbox;
ALTER TABLE notice_recipients ADD COLUMN published_at DATETIME NOT NULL DEFAULT '1970-01-01 00:00:00';
UPDATE notice_recipients SET published_at = (SELECT n.published_at FROM notices n WHERE n.id = notice_recipients.notice_id);
CREATE INDEX notice_recipients_inbox ON notice_recipients (resident_id, published_at, notice_id);
