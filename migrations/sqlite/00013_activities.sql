-- +goose Up
-- Activities and volunteer service (issue #15): activities with their
-- counters of confirmed and waiting places, each resident's sign-up
-- (waiting ones in order of id), and the append-only ledger of volunteer
-- hours.
CREATE TABLE activities (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    department_id   INTEGER REFERENCES departments (id),
    created_by      INTEGER NOT NULL,
    kind            TEXT NOT NULL,
    title           TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    place           TEXT NOT NULL,
    street          TEXT NOT NULL,
    community       TEXT NOT NULL DEFAULT '',
    starts_at       DATETIME NOT NULL,
    ends_at         DATETIME NOT NULL,
    signup_deadline DATETIME NOT NULL,
    capacity        INTEGER NOT NULL,
    confirmed       INTEGER NOT NULL DEFAULT 0,
    waiting         INTEGER NOT NULL DEFAULT 0,
    waitlist        INTEGER NOT NULL DEFAULT 0,
    walk_ins        INTEGER NOT NULL DEFAULT 0,
    audience        TEXT NOT NULL,
    points_rule     TEXT NOT NULL DEFAULT '',
    credit_minutes  INTEGER NOT NULL DEFAULT 0,
    status          TEXT NOT NULL DEFAULT 'draft',
    cancel_reason   TEXT NOT NULL DEFAULT '',
    published_at    DATETIME,
    cancelled_at    DATETIME,
    settled_at      DATETIME,
    created_at      DATETIME NOT NULL,
    updated_at      DATETIME NOT NULL
);
CREATE INDEX activities_open ON activities (status, signup_deadline);
CREATE INDEX activities_department ON activities (department_id, id);
CREATE INDEX activities_settle ON activities (status, settled_at, ends_at);

CREATE TABLE activity_signups (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    activity_id     INTEGER NOT NULL REFERENCES activities (id),
    resident_id     INTEGER NOT NULL REFERENCES residents (id),
    status          TEXT NOT NULL,
    walk_in         INTEGER NOT NULL DEFAULT 0,
    cancelled_at    DATETIME,
    promoted_at     DATETIME,
    checked_in_at   DATETIME,
    checkin_method  TEXT NOT NULL DEFAULT '',
    checkin_by      INTEGER,
    checkin_reason  TEXT NOT NULL DEFAULT '',
    checked_out_at  DATETIME,
    checkout_method TEXT NOT NULL DEFAULT '',
    checkout_by     INTEGER,
    checkout_reason TEXT NOT NULL DEFAULT '',
    credited_at     DATETIME,
    points_status   TEXT NOT NULL DEFAULT '',
    points_tx_id    INTEGER,
    points_awarded  INTEGER NOT NULL DEFAULT 0,
    points_detail   TEXT NOT NULL DEFAULT '',
    created_at      DATETIME NOT NULL,
    updated_at      DATETIME NOT NULL
);
CREATE UNIQUE INDEX activity_signups_once ON activity_signups (activity_id, resident_id);
CREATE INDEX activity_signups_queue ON activity_signups (activity_id, status, id);
CREATE INDEX activity_signups_resident ON activity_signups (resident_id, id);
CREATE INDEX activity_signups_points ON activity_signups (points_status, credited_at);

CREATE TABLE volunteer_hours (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    resident_id INTEGER NOT NULL REFERENCES residents (id),
    activity_id INTEGER NOT NULL REFERENCES activities (id),
    kind        TEXT NOT NULL,
    minutes     INTEGER NOT NULL,
    reason      TEXT NOT NULL DEFAULT '',
    staff_id    INTEGER,
    idem        TEXT UNIQUE,
    created_at  DATETIME NOT NULL
);
CREATE INDEX volunteer_hours_resident ON volunteer_hours (resident_id, id);
CREATE INDEX volunteer_hours_activity ON volunteer_hours (activity_id, resident_id);

-- Hours are corrected by adjustments, never by editing an entry. (Rows are
-- deleted only when their resident deletes their account.)
-- +goose StatementBegin
CREATE TRIGGER volunteer_hours_no_update BEFORE UPDATE ON volunteer_hours
BEGIN SELECT RAISE(ABORT, 'volunteer_hours is append-only'); END;
-- +goose StatementEnd

-- +goose Down
DROP TABLE volunteer_hours;
DROP TABLE activity_signups;
DROP TABLE activities;
