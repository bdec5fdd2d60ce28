-- +goose Up
-- The durable job queue (package jobs): work a change leaves for after its
-- commit, enqueued in the change's transaction, unique per (kind,
-- unique_key) so a retried request enqueues once. A claimed job is
-- running under lease_owner until lease_until; run_at is when it is due:
-- for a queued job its (re)try time, for a running one its lease's end, so
-- one index finds both the due and the abandoned.
CREATE TABLE jobs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    kind         TEXT NOT NULL,
    unique_key   TEXT NOT NULL,
    payload      TEXT NOT NULL,
    status       TEXT NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    run_at       DATETIME NOT NULL,
    lease_owner  TEXT NOT NULL DEFAULT '',
    lease_until  DATETIME,
    last_error   TEXT NOT NULL DEFAULT '',
    created_at   DATETIME NOT NULL,
    updated_at   DATETIME NOT NULL,
    finished_at  DATETIME,
    UNIQUE (kind, unique_key)
);
CREATE INDEX jobs_due ON jobs (status, run_at);
CREATE INDEX jobs_kind ON jobs (kind, status, run_at);

-- Where a survey's points stand for the resident: '' (none to grant),
-- pending (积分发放中: the grant is queued), granted or refused (a cap).
ALTER TABLE survey_attempts ADD COLUMN points_status TEXT NOT NULL DEFAULT '';
ALTER TABLE survey_responses ADD COLUMN points_status TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE survey_responses DROP COLUMN points_status;
ALTER TABLE survey_attempts DROP COLUMN points_status;
DROP TABLE jobs;
