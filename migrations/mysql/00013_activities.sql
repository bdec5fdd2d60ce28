-- +goose Up
-- Activities and volunteer service (issue #15): activities with their
-- counters of confirmed and waiting places, each resident's sign-up
-- (waiting ones in order of id), and the append-only ledger of volunteer
-- hours.
CREATE TABLE activities (
    id              BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    department_id   BIGINT NULL,
    created_by      BIGINT NOT NULL,
    kind            VARCHAR(32) NOT NULL,
    title           VARCHAR(100) NOT NULL,
    description     TEXT NOT NULL,
    place           VARCHAR(200) NOT NULL,
    street          VARCHAR(32) NOT NULL,
    community       VARCHAR(32) NOT NULL DEFAULT '',
    starts_at       DATETIME(6) NOT NULL,
    ends_at         DATETIME(6) NOT NULL,
    signup_deadline DATETIME(6) NOT NULL,
    capacity        INT NOT NULL,
    confirmed       INT NOT NULL DEFAULT 0,
    waiting         INT NOT NULL DEFAULT 0,
    waitlist        BOOLEAN NOT NULL DEFAULT FALSE,
    walk_ins        BOOLEAN NOT NULL DEFAULT FALSE,
    audience        MEDIUMTEXT NOT NULL,
    points_rule     VARCHAR(64) NOT NULL DEFAULT '',
    credit_minutes  INT NOT NULL DEFAULT 0,
    status          VARCHAR(16) NOT NULL DEFAULT 'draft',
    cancel_reason   VARCHAR(500) NOT NULL DEFAULT '',
    published_at    DATETIME(6) NULL,
    cancelled_at    DATETIME(6) NULL,
    settled_at      DATETIME(6) NULL,
    created_at      DATETIME(6) NOT NULL,
    updated_at      DATETIME(6) NOT NULL,
    INDEX activities_open (status, signup_deadline),
    INDEX activities_department (department_id, id),
    INDEX activities_settle (status, settled_at, ends_at),
    CONSTRAINT activities_department_fk FOREIGN KEY (department_id) REFERENCES departments (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE activity_signups (
    id              BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    activity_id     BIGINT NOT NULL,
    resident_id     BIGINT NOT NULL,
    status          VARCHAR(16) NOT NULL,
    walk_in         BOOLEAN NOT NULL DEFAULT FALSE,
    cancelled_at    DATETIME(6) NULL,
    promoted_at     DATETIME(6) NULL,
    checked_in_at   DATETIME(6) NULL,
    checkin_method  VARCHAR(16) NOT NULL DEFAULT '',
    checkin_by      BIGINT NULL,
    checkin_reason  VARCHAR(200) NOT NULL DEFAULT '',
    checked_out_at  DATETIME(6) NULL,
    checkout_method VARCHAR(16) NOT NULL DEFAULT '',
    checkout_by     BIGINT NULL,
    checkout_reason VARCHAR(200) NOT NULL DEFAULT '',
    credited_at     DATETIME(6) NULL,
    points_status   VARCHAR(16) NOT NULL DEFAULT '',
    points_tx_id    BIGINT NULL,
    points_awarded  INT NOT NULL DEFAULT 0,
    points_detail   VARCHAR(64) NOT NULL DEFAULT '',
    created_at      DATETIME(6) NOT NULL,
    updated_at      DATETIME(6) NOT NULL,
    UNIQUE INDEX activity_signups_once (activity_id, resident_id),
    INDEX activity_signups_queue (activity_id, status, id),
    INDEX activity_signups_resident (resident_id, id),
    INDEX activity_signups_points (points_status, credited_at),
    CONSTRAINT activity_signups_activity_fk FOREIGN KEY (activity_id) REFERENCES activities (id),
    CONSTRAINT activity_signups_resident_fk FOREIGN KEY (resident_id) REFERENCES residents (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE volunteer_hours (
    id          BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    resident_id BIGINT NOT NULL,
    activity_id BIGINT NOT NULL,
    kind        VARCHAR(16) NOT NULL,
    minutes     INT NOT NULL,
    reason      VARCHAR(200) NOT NULL DEFAULT '',
    staff_id    BIGINT NULL,
    idem        VARCHAR(160) NULL UNIQUE,
    created_at  DATETIME(6) NOT NULL,
    INDEX volunteer_hours_resident (resident_id, id),
    INDEX volunteer_hours_activity (activity_id, resident_id),
    CONSTRAINT volunteer_hours_activity_fk FOREIGN KEY (activity_id) REFERENCES activities (id),
    CONSTRAINT volunteer_hours_resident_fk FOREIGN KEY (resident_id) REFERENCES residents (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Hours are corrected by adjustments, never by editing an entry. (Rows are
-- deleted only when their resident deletes their account.)
-- +goose StatementBegin
CREATE TRIGGER volunteer_hours_no_update BEFORE UPDATE ON volunteer_hours FOR EACH ROW
SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'volunteer_hours is append-only';
-- +goose StatementEnd

-- +goose Down
DROP TABLE volunteer_hours;
DROP TABLE activity_signups;
DROP TABLE activities;
