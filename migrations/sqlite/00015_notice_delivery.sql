-- +goose Up
-- Notices reach further: publish_at NULL means "as soon as approved"; kind
-- names a system message (its subscribe template comes from
-- configuration); sms asks for a text message to recipients without WeChat
-- reach (warning and health notices only). SQLite can't drop a NOT NULL,
-- so the table is rebuilt.
CREATE TABLE notices_new (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    department_id         INTEGER,
    author_id             INTEGER,
    title                 TEXT NOT NULL,
    body                  TEXT NOT NULL,
    category              TEXT NOT NULL,
    kind                  TEXT NOT NULL DEFAULT '',
    audience              TEXT NOT NULL,
    publish_at            DATETIME,
    expires_at            DATETIME,
    require_ack           INTEGER NOT NULL DEFAULT 0,
    sms                   INTEGER NOT NULL DEFAULT 0,
    subscribe_template_id TEXT NOT NULL DEFAULT '',
    subscribe_data        TEXT NOT NULL DEFAULT '',
    subscribe_page        TEXT NOT NULL DEFAULT '',
    status                TEXT NOT NULL,
    reject_reason         TEXT NOT NULL DEFAULT '',
    targeted              INTEGER NOT NULL DEFAULT 0,
    published_at          DATETIME,
    withdrawn_at          DATETIME,
    source                TEXT UNIQUE,
    created_at            DATETIME NOT NULL,
    updated_at            DATETIME NOT NULL
);
INSERT INTO notices_new (id, department_id, author_id, title, body, category, audience, publish_at, expires_at, require_ack,
    subscribe_template_id, subscribe_data, subscribe_page, status, reject_reason, targeted, published_at, withdrawn_at, source,
    created_at, updated_at)
SELECT id, department_id, author_id, title, body, category, audience, publish_at, expires_at, require_ack,
    subscribe_template_id, subscribe_data, subscribe_page, status, reject_reason, targeted, published_at, withdrawn_at, source,
    created_at, updated_at FROM notices;
DROP TABLE notices;
ALTER TABLE notices_new RENAME TO notices;
CREATE INDEX notices_due ON notices (status, publish_at);
CREATE INDEX notices_department ON notices (department_id, id);

-- Every send has a channel (wechat or sms) and a lane: urgent sends
-- (warning and health) are claimed before any routine one and are never
-- held for quiet hours or capped. under_cap marks a routine send still to
-- pass the per-resident daily cap; quota_spent whether it took a one-shot
-- consent (given back when it is cancelled or capped). New statuses: held
-- (quiet hours, due in the morning) and capped (stays in the inbox only).
ALTER TABLE notice_sends ADD COLUMN channel TEXT NOT NULL DEFAULT 'wechat';
ALTER TABLE notice_sends ADD COLUMN urgent INTEGER NOT NULL DEFAULT 0;
ALTER TABLE notice_sends ADD COLUMN under_cap INTEGER NOT NULL DEFAULT 0;
ALTER TABLE notice_sends ADD COLUMN quota_spent INTEGER NOT NULL DEFAULT 1;
DROP INDEX notice_sends_due;
CREATE INDEX notice_sends_due ON notice_sends (channel, urgent, due_at);
UPDATE notice_sends SET urgent = 1
    WHERE notice_id IN (SELECT id FROM notices WHERE category IN ('warning', 'health'));

-- Routine subscribe messages admitted per resident and district day
-- (YYYY-MM-DD), for the daily cap.
CREATE TABLE notice_send_days (
    resident_id INTEGER NOT NULL,
    day         TEXT NOT NULL,
    sent        INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (resident_id, day)
) WITHOUT ROWID;

-- +goose Down
DROP TABLE notice_send_days;
UPDATE notice_sends SET status = 'pending' WHERE status = 'held';
UPDATE notice_sends SET status = 'cancelled' WHERE status = 'capped';
DELETE FROM notice_sends WHERE channel = 'sms';
DROP INDEX notice_sends_due;
ALTER TABLE notice_sends DROP COLUMN channel;
ALTER TABLE notice_sends DROP COLUMN urgent;
ALTER TABLE notice_sends DROP COLUMN under_cap;
ALTER TABLE notice_sends DROP COLUMN quota_spent;
CREATE INDEX notice_sends_due ON notice_sends (due_at);
CREATE TABLE notices_old (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    department_id         INTEGER,
    author_id             INTEGER,
    title                 TEXT NOT NULL,
    body                  TEXT NOT NULL,
    category              TEXT NOT NULL,
    audience              TEXT NOT NULL,
    publish_at            DATETIME NOT NULL,
    expires_at            DATETIME,
    require_ack           INTEGER NOT NULL DEFAULT 0,
    subscribe_template_id TEXT NOT NULL DEFAULT '',
    subscribe_data        TEXT NOT NULL DEFAULT '',
    subscribe_page        TEXT NOT NULL DEFAULT '',
    status                TEXT NOT NULL,
    reject_reason         TEXT NOT NULL DEFAULT '',
    targeted              INTEGER NOT NULL DEFAULT 0,
    published_at          DATETIME,
    withdrawn_at          DATETIME,
    source                TEXT UNIQUE,
    created_at            DATETIME NOT NULL,
    updated_at            DATETIME NOT NULL
);
INSERT INTO notices_old (id, department_id, author_id, title, body, category, audience, publish_at, expires_at, require_ack,
    subscribe_template_id, subscribe_data, subscribe_page, status, reject_reason, targeted, published_at, withdrawn_at, source,
    created_at, updated_at)
SELECT id, department_id, author_id, title, body, category, audience, COALESCE(publish_at, created_at), expires_at, require_ack,
    subscribe_template_id, subscribe_data, subscribe_page, status, reject_reason, targeted, published_at, withdrawn_at, source,
    created_at, updated_at FROM notices;
DROP TABLE notices;
ALTER TABLE notices_old RENAME TO notices;
CREATE INDEX notices_due ON notices (status, publish_at);
CREATE INDEX notices_department ON notices (department_id, id);
