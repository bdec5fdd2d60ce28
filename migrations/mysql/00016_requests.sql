-- +goose Up
-- 民意速办 (requests/): residents' requests, routed to a department by
-- category and street, with deadlines in working days.

-- The categories a request may have, each with its deadline in working
-- days. District data: the district edits them.
CREATE TABLE request_categories (
    code          VARCHAR(32) NOT NULL PRIMARY KEY,
    name          VARCHAR(32) NOT NULL,
    deadline_days INT NOT NULL,
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    sort          INT NOT NULL DEFAULT 0,
    created_at    DATETIME(6) NOT NULL,
    updated_at    DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
INSERT INTO request_categories (code, name, deadline_days, sort, created_at, updated_at) VALUES
    ('sanitation', '环境卫生', 5, 1, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6)),
    ('street_vending', '占道经营', 3, 2, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6)),
    ('noise', '噪音扰民', 3, 3, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6)),
    ('repair', '设施报修', 5, 4, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6)),
    ('safety', '安全隐患', 2, 5, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6)),
    ('consultation', '政策咨询', 5, 6, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6)),
    ('other', '其他', 5, 7, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6));

-- Routing: the department a new request of a category and street goes to;
-- street '' is the category's department for every other street.
CREATE TABLE request_routes (
    category      VARCHAR(32) NOT NULL,
    street        VARCHAR(32) NOT NULL DEFAULT '',
    department_id BIGINT NOT NULL,
    updated_at    DATETIME(6) NOT NULL,
    PRIMARY KEY (category, street),
    CONSTRAINT request_routes_department FOREIGN KEY (department_id) REFERENCES departments (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The holiday calendar: a holiday on a weekday, or a make-up working day
-- (调休) on a weekend.
CREATE TABLE holidays (
    day        VARCHAR(10) NOT NULL PRIMARY KEY,
    kind       VARCHAR(8) NOT NULL,
    name       VARCHAR(32) NOT NULL DEFAULT '',
    created_at DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE requests (
    id                BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    resident_id       BIGINT NOT NULL,
    client_key        VARCHAR(64) NOT NULL,
    category          VARCHAR(32) NOT NULL,
    description       TEXT NOT NULL,
    street            VARCHAR(32) NOT NULL,
    community         VARCHAR(32) NOT NULL DEFAULT '',
    address           VARCHAR(200) NOT NULL DEFAULT '',
    latitude          DOUBLE NULL,
    longitude         DOUBLE NULL,
    contact_enc       VARBINARY(255) NULL,
    public            BOOLEAN NOT NULL DEFAULT FALSE,
    department_id     BIGINT NULL,
    status            VARCHAR(16) NOT NULL,
    version           BIGINT NOT NULL DEFAULT 1,
    deadline_at       DATETIME(6) NOT NULL,
    arrived_at        DATETIME(6) NOT NULL,
    escalated_at      DATETIME(6) NULL,
    accepted_at       DATETIME(6) NULL,
    accept_noticed_at DATETIME(6) NULL,
    answer_noticed_at DATETIME(6) NULL,
    answered_at       DATETIME(6) NULL,
    answered_by       BIGINT NULL,
    answer            TEXT NOT NULL,
    verified          BOOLEAN NOT NULL DEFAULT FALSE,
    points_rule       VARCHAR(32) NOT NULL DEFAULT '',
    points_outcome    VARCHAR(32) NOT NULL DEFAULT '',
    complaint_uscc    VARCHAR(18) NOT NULL DEFAULT '',
    credit_record_id  BIGINT NULL,
    closed_at         DATETIME(6) NULL,
    rating            INT NULL,
    rating_comment    VARCHAR(500) NOT NULL DEFAULT '',
    rated_at          DATETIME(6) NULL,
    reopened          INT NOT NULL DEFAULT 0,
    text_check        VARCHAR(8) NOT NULL DEFAULT 'none',
    check_attempts    INT NOT NULL DEFAULT 0,
    check_next_at     DATETIME(6) NULL,
    erased_at         DATETIME(6) NULL,
    created_at        DATETIME(6) NOT NULL,
    updated_at        DATETIME(6) NOT NULL,
    UNIQUE KEY requests_client_key (resident_id, client_key),
    INDEX requests_queue (department_id, status, deadline_at),
    INDEX requests_created (created_at),
    INDEX requests_status (status, arrived_at),
    INDEX requests_checks (text_check, check_next_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE request_events (
    id                 BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    request_id         BIGINT NOT NULL,
    action             VARCHAR(16) NOT NULL,
    actor_id           BIGINT NOT NULL DEFAULT 0,
    from_department_id BIGINT NULL,
    to_department_id   BIGINT NULL,
    reason             VARCHAR(500) NOT NULL DEFAULT '',
    created_at         DATETIME(6) NOT NULL,
    INDEX request_events_request (request_id, id),
    CONSTRAINT request_events_request FOREIGN KEY (request_id) REFERENCES requests (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Photos: uploaded first (request_id NULL, swept if never attached), then
-- attached by a submit. storage_key is random; no URL names it.
CREATE TABLE request_photos (
    id             BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    token          VARCHAR(64) NOT NULL,
    resident_id    BIGINT NOT NULL,
    request_id     BIGINT NULL,
    position       INT NOT NULL DEFAULT 0,
    storage_key    VARCHAR(128) NOT NULL,
    content_type   VARCHAR(32) NOT NULL,
    size           BIGINT NOT NULL,
    width          INT NOT NULL,
    height         INT NOT NULL,
    check_status   VARCHAR(8) NOT NULL DEFAULT 'none',
    check_attempts INT NOT NULL DEFAULT 0,
    check_next_at  DATETIME(6) NULL,
    media_token    VARCHAR(64) NULL,
    trace_id       VARCHAR(128) NULL,
    uploaded_at    DATETIME(6) NOT NULL,
    UNIQUE KEY request_photos_token (token),
    UNIQUE KEY request_photos_media_token (media_token),
    UNIQUE KEY request_photos_trace (trace_id),
    INDEX request_photos_request (request_id, position),
    INDEX request_photos_unattached (request_id, uploaded_at),
    INDEX request_photos_checks (check_status, check_next_at),
    CONSTRAINT request_photos_request FOREIGN KEY (request_id) REFERENCES requests (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Stored objects to delete (erased or orphaned photos): deleted after the
-- transaction that dropped them commits, retried until the store confirms.
CREATE TABLE storage_trash (
    storage_key VARCHAR(128) NOT NULL PRIMARY KEY,
    attempts    INT NOT NULL DEFAULT 0,
    created_at  DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE storage_trash;
DROP TABLE request_photos;
DROP TABLE request_events;
DROP TABLE requests;
DROP TABLE holidays;
DROP TABLE request_routes;
DROP TABLE request_categories;
