-- +goose Up
-- Notices reach further: publish_at NULL means "as soon as approved"; kind
-- names a system message (its subscribe template comes from
-- configuration); sms asks for a text message to recipients without WeChat
-- reach (warning and health notices only).
ALTER TABLE notices
    MODIFY publish_at DATETIME(6) NULL,
    ADD COLUMN kind VARCHAR(32) NOT NULL DEFAULT '' AFTER category,
    ADD COLUMN sms BOOLEAN NOT NULL DEFAULT FALSE AFTER require_ack;

-- Every send has a channel (wechat or sms) and a lane: urgent sends
-- (warning and health) are claimed before any routine one and are never
-- held for quiet hours or capped. under_cap marks a routine send still to
-- pass the per-resident daily cap; quota_spent whether it took a one-shot
-- consent (given back when it is cancelled or capped). New statuses: held
-- (quiet hours, due in the morning) and capped (stays in the inbox only).
ALTER TABLE notice_sends
    ADD COLUMN channel VARCHAR(8) NOT NULL DEFAULT 'wechat' AFTER street,
    ADD COLUMN urgent BOOLEAN NOT NULL DEFAULT FALSE AFTER channel,
    ADD COLUMN under_cap BOOLEAN NOT NULL DEFAULT FALSE AFTER urgent,
    ADD COLUMN quota_spent BOOLEAN NOT NULL DEFAULT TRUE AFTER under_cap,
    DROP INDEX notice_sends_due,
    ADD INDEX notice_sends_due (channel, urgent, due_at);
UPDATE notice_sends s JOIN notices n ON n.id = s.notice_id SET s.urgent = TRUE WHERE n.category IN ('warning', 'health');

-- Routine subscribe messages admitted per resident and district day
-- (YYYY-MM-DD), for the daily cap.
CREATE TABLE notice_send_days (
    resident_id BIGINT NOT NULL,
    day         CHAR(10) NOT NULL,
    sent        INT NOT NULL DEFAULT 0,
    PRIMARY KEY (resident_id, day)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE notice_send_days;
UPDATE notice_sends SET status = 'pending' WHERE status = 'held';
UPDATE notice_sends SET status = 'cancelled' WHERE status = 'capped';
DELETE FROM notice_sends WHERE channel = 'sms';
ALTER TABLE notice_sends
    DROP INDEX notice_sends_due,
    DROP COLUMN channel,
    DROP COLUMN urgent,
    DROP COLUMN under_cap,
    DROP COLUMN quota_spent,
    ADD INDEX notice_sends_due (due_at);
UPDATE notices SET publish_at = created_at WHERE publish_at IS NULL;
ALTER TABLE notices
    MODIFY publish_at DATETIME(6) NOT NULL,
    DROP COLUMN kind,
    DROP COLUMN sms;
