-- +goose Up
-- 民意速办 (requests/): residents' requests, routed to a department by
-- category and street, with deadlines in working days.

-- The categories a request may have, each with its deadline in working
-- days. District data: the district edits them.
CREATE TABLE request_categories (
    code          TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    deadline_days INTEGER NOT NULL,
    active        INTEGER NOT NULL DEFAULT 1,
    sort          INTEGER NOT NULL DEFAULT 0,
    created_at    DATETIME NOT NULL,
    updated_at    DATETIME NOT NULL
);
INSERT INTO request_categories (code, name, deadline_days, sort, created_at, updated_at) VALUES
    ('sanitation', '环境卫生', 5, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('street_vending', '占道经营', 3, 2, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('noise', '噪音扰民', 3, 3, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('repair', '设施报修', 5, 4, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('safety', '安全隐患', 2, 5, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('consultation', '政策咨询', 5, 6, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('other', '其他', 5, 7, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP);

-- Routing: the department a new request of a category and street goes to;
-- street '' is the category's department for every other street.
CREATE TABLE request_routes (
    category      TEXT NOT NULL,
    street        TEXT NOT NULL DEFAULT '',
    department_id INTEGER NOT NULL REFERENCES departments (id),
    updated_at    DATETIME NOT NULL,
    PRIMARY KEY (category, street)
);

-- The holiday calendar: a holiday on a weekday, or a make-up working day
-- (调休) on a weekend.
CREATE TABLE holidays (
    day        TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    name       TEXT NOT NULL DEFAULT '',
    created_at DATETIME NOT NULL
);

CREATE TABLE requests (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    resident_id       INTEGER NOT NULL,
    client_key        TEXT NOT NULL,
    category          TEXT NOT NULL,
    description       TEXT NOT NULL,
    street            TEXT NOT NULL,
    community         TEXT NOT NULL DEFAULT '',
    address           TEXT NOT NULL DEFAULT '',
    latitude          REAL,
    longitude         REAL,
    contact_enc       BLOB,
    public            INTEGER NOT NULL DEFAULT 0,
    department_id     INTEGER,
    status            TEXT NOT NULL,
    version           INTEGER NOT NULL DEFAULT 1,
    deadline_at       DATETIME NOT NULL,
    arrived_at        DATETIME NOT NULL,
    escalated_at      DATETIME,
    accepted_at       DATETIME,
    accept_noticed_at DATETIME,
    answer_noticed_at DATETIME,
    answered_at       DATETIME,
    answered_by       INTEGER,
    answer            TEXT NOT NULL DEFAULT '',
    verified          INTEGER NOT NULL DEFAULT 0,
    points_rule       TEXT NOT NULL DEFAULT '',
    points_outcome    TEXT NOT NULL DEFAULT '',
    complaint_uscc    TEXT NOT NULL DEFAULT '',
    credit_record_id  INTEGER,
    closed_at         DATETIME,
    rating            INTEGER,
    rating_comment    TEXT NOT NULL DEFAULT '',
    rated_at          DATETIME,
    reopened          INTEGER NOT NULL DEFAULT 0,
    text_check        TEXT NOT NULL DEFAULT 'none',
    check_attempts    INTEGER NOT NULL DEFAULT 0,
    check_next_at     DATETIME,
    erased_at         DATETIME,
    created_at        DATETIME NOT NULL,
    updated_at        DATETIME NOT NULL,
    UNIQUE (resident_id, client_key)
);
CREATE INDEX requests_queue ON requests (department_id, status, deadline_at);
CREATE INDEX requests_created ON requests (created_at);
CREATE INDEX requests_status ON requests (status, arrived_at);
CREATE INDEX requests_checks ON requests (text_check, check_next_at);

CREATE TABLE request_events (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id         INTEGER NOT NULL REFERENCES requests (id),
    action             TEXT NOT NULL,
    actor_id           INTEGER NOT NULL DEFAULT 0,
    from_department_id INTEGER,
    to_department_id   INTEGER,
    reason             TEXT NOT NULL DEFAULT '',
    created_at         DATETIME NOT NULL
);
CREATE INDEX request_events_request ON request_events (request_id, id);

-- Photos: uploaded first (request_id NULL, swept if never attached), then
-- attached by a submit. storage_key is random; no URL names it.
CREATE TABLE request_photos (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    token          TEXT NOT NULL UNIQUE,
    resident_id    INTEGER NOT NULL,
    request_id     INTEGER REFERENCES requests (id),
    position       INTEGER NOT NULL DEFAULT 0,
    storage_key    TEXT NOT NULL,
    content_type   TEXT NOT NULL,
    size           INTEGER NOT NULL,
    width          INTEGER NOT NULL,
    height         INTEGER NOT NULL,
    check_status   TEXT NOT NULL DEFAULT 'none',
    check_attempts INTEGER NOT NULL DEFAULT 0,
    check_next_at  DATETIME,
    media_token    TEXT UNIQUE,
    trace_id       TEXT UNIQUE,
    uploaded_at    DATETIME NOT NULL
);
CREATE INDEX request_photos_request ON request_photos (request_id, position);
CREATE INDEX request_photos_unattached ON request_photos (request_id, uploaded_at);
CREATE INDEX request_photos_checks ON request_photos (check_status, check_next_at);

-- Stored objects to delete (erased or orphaned photos): deleted after the
-- transaction that dropped them commits, retried until the store confirms.
CREATE TABLE storage_trash (
    storage_key TEXT PRIMARY KEY,
    attempts    INTEGER NOT NULL DEFAULT 0,
    created_at  DATETIME NOT NULL
);

-- +goose Down
DROP TABLE storage_trash;
DROP TABLE request_photos;
DROP TABLE request_events;
DROP TABLE requests;
DROP TABLE holidays;
DROP TABLE request_routes;
DROP TABLE request_categories;
