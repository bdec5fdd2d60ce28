-- +goose Up
-- Audiences often name communities without their street.
CREATE INDEX residents_community ON residents (community);

CREATE TABLE notices (
    id                    BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    department_id         BIGINT NULL,
    author_id             BIGINT NULL,
    title                 VARCHAR(128) NOT NULL,
    body                  TEXT NOT NULL,
    category              VARCHAR(16) NOT NULL,
    audience              MEDIUMTEXT NOT NULL,
    publish_at            DATETIME(6) NOT NULL,
    expires_at            DATETIME(6) NULL,
    require_ack           BOOLEAN NOT NULL DEFAULT FALSE,
    subscribe_template_id VARCHAR(64) NOT NULL DEFAULT '',
    subscribe_data        TEXT NOT NULL,
    subscribe_page        VARCHAR(256) NOT NULL DEFAULT '',
    status                VARCHAR(16) NOT NULL,
    reject_reason         VARCHAR(512) NOT NULL DEFAULT '',
    targeted              BIGINT NOT NULL DEFAULT 0,
    published_at          DATETIME(6) NULL,
    withdrawn_at          DATETIME(6) NULL,
    source                VARCHAR(128) NULL UNIQUE,
    created_at            DATETIME(6) NOT NULL,
    updated_at            DATETIME(6) NOT NULL,
    INDEX notices_due (status, publish_at),
    INDEX notices_department (department_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Every step of a notice's life, with who (0 for the system) and when.
CREATE TABLE notice_events (
    id         BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    notice_id  BIGINT NOT NULL,
    action     VARCHAR(16) NOT NULL,
    actor_id   BIGINT NOT NULL,
    reason     VARCHAR(512) NOT NULL DEFAULT '',
    created_at DATETIME(6) NOT NULL,
    INDEX notice_events_notice (notice_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The audience frozen at publication: one row per recipient. Clustered by
-- notice so publication appends; the inbox reads the secondary index.
CREATE TABLE notice_recipients (
    notice_id    BIGINT NOT NULL,
    resident_id  BIGINT NOT NULL,
    street       VARCHAR(32) NOT NULL DEFAULT '',
    published_at DATETIME(6) NOT NULL,
    read_at      DATETIME(6) NULL,
    acked_at     DATETIME(6) NULL,
    PRIMARY KEY (notice_id, resident_id),
    INDEX notice_recipients_inbox (resident_id, published_at, notice_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Subscribe-message consent: every result wx.requestSubscribeMessage gave.
CREATE TABLE subscription_events (
    id          BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    resident_id BIGINT NOT NULL,
    template_id VARCHAR(64) NOT NULL,
    result      VARCHAR(8) NOT NULL,
    created_at  DATETIME(6) NOT NULL,
    INDEX subscription_events_resident (resident_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Sends left per resident and template; spent_notice marks the rows a
-- publication just spent, inside its own transaction.
CREATE TABLE subscription_quotas (
    resident_id  BIGINT NOT NULL,
    template_id  VARCHAR(64) NOT NULL,
    remaining    INT NOT NULL DEFAULT 0,
    spent_notice BIGINT NOT NULL DEFAULT 0,
    updated_at   DATETIME(6) NOT NULL,
    PRIMARY KEY (resident_id, template_id),
    INDEX subscription_quotas_template (template_id, remaining)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The durable WeChat send queue. due_at is when the row may next be
-- claimed (NULL once final): the retry time of a pending row, the lease end
-- of a row being sent.
CREATE TABLE notice_sends (
    id          BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    notice_id   BIGINT NOT NULL,
    resident_id BIGINT NOT NULL,
    street      VARCHAR(32) NOT NULL DEFAULT '',
    template_id VARCHAR(64) NOT NULL,
    status      VARCHAR(16) NOT NULL,
    attempts    INT NOT NULL DEFAULT 0,
    due_at      DATETIME(6) NULL,
    claim       VARCHAR(32) NOT NULL DEFAULT '',
    last_error  VARCHAR(255) NOT NULL DEFAULT '',
    sent_at     DATETIME(6) NULL,
    created_at  DATETIME(6) NOT NULL,
    updated_at  DATETIME(6) NOT NULL,
    UNIQUE KEY notice_sends_once (notice_id, resident_id),
    INDEX notice_sends_due (due_at),
    INDEX notice_sends_resident (resident_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP INDEX residents_community ON residents;
DROP TABLE notice_sends;
DROP TABLE subscription_quotas;
DROP TABLE subscription_events;
DROP TABLE notice_recipients;
DROP TABLE notice_events;
DROP TABLE notices;
