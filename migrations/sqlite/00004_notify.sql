-- +goose Up
-- Audiences often name communities without their street.
CREATE INDEX residents_community ON residents (community);

CREATE TABLE notices (
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
CREATE INDEX notices_due ON notices (status, publish_at);
CREATE INDEX notices_department ON notices (department_id, id);

CREATE TABLE notice_events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    notice_id  INTEGER NOT NULL,
    action     TEXT NOT NULL,
    actor_id   INTEGER NOT NULL,
    reason     TEXT NOT NULL DEFAULT '',
    created_at DATETIME NOT NULL
);
CREATE INDEX notice_events_notice ON notice_events (notice_id, id);

CREATE TABLE notice_recipients (
    notice_id    INTEGER NOT NULL,
    resident_id  INTEGER NOT NULL,
    street       TEXT NOT NULL DEFAULT '',
    published_at DATETIME NOT NULL,
    read_at      DATETIME,
    acked_at     DATETIME,
    PRIMARY KEY (notice_id, resident_id)
) WITHOUT ROWID;
CREATE INDEX notice_recipients_inbox ON notice_recipients (resident_id, published_at, notice_id);

CREATE TABLE subscription_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    resident_id INTEGER NOT NULL,
    template_id TEXT NOT NULL,
    result      TEXT NOT NULL,
    created_at  DATETIME NOT NULL
);
CREATE INDEX subscription_events_resident ON subscription_events (resident_id, id);

CREATE TABLE subscription_quotas (
    resident_id  INTEGER NOT NULL,
    template_id  TEXT NOT NULL,
    remaining    INTEGER NOT NULL DEFAULT 0,
    spent_notice INTEGER NOT NULL DEFAULT 0,
    updated_at   DATETIME NOT NULL,
    PRIMARY KEY (resident_id, template_id)
);
CREATE INDEX subscription_quotas_template ON subscription_quotas (template_id, remaining);

CREATE TABLE notice_sends (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    notice_id   INTEGER NOT NULL,
    resident_id INTEGER NOT NULL,
    street      TEXT NOT NULL DEFAULT '',
    template_id TEXT NOT NULL,
    status      TEXT NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    due_at      DATETIME,
    claim       TEXT NOT NULL DEFAULT '',
    last_error  TEXT NOT NULL DEFAULT '',
    sent_at     DATETIME,
    created_at  DATETIME NOT NULL,
    updated_at  DATETIME NOT NULL
);
CREATE UNIQUE INDEX notice_sends_once ON notice_sends (notice_id, resident_id);
CREATE INDEX notice_sends_due ON notice_sends (due_at);
CREATE INDEX notice_sends_resident ON notice_sends (resident_id);

-- +goose Down
DROP INDEX residents_community;
DROP TABLE notice_sends;
DROP TABLE subscription_quotas;
DROP TABLE subscription_events;
DROP TABLE notice_recipients;
DROP TABLE notice_events;
DROP TABLE notices;
