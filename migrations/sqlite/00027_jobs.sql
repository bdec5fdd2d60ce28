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

-- What the loops that this queue replaces had left pending moves onto it:
-- requests still to settle (notices, points, complaint records) and
-- activity credits whose points grant is pending.
INSERT INTO jobs (kind, unique_key, payload, status, attempts, max_attempts, run_at, created_at, updated_at)
SELECT 'requests.settle', id || ':' || version, '{"id":"' || id || '"}', 'queued', 0, 15,
    strftime('%Y-%m-%d %H:%M:%S', 'now'), strftime('%Y-%m-%d %H:%M:%S', 'now'), strftime('%Y-%m-%d %H:%M:%S', 'now')
FROM requests
WHERE erased_at IS NULL AND ((accepted_at IS NOT NULL AND accept_noticed_at IS NULL)
        OR (status = 'answered' AND answer_noticed_at IS NULL)
        OR (points_outcome = 'pending' AND points_rule <> '')
        OR (complaint_uscc <> '' AND credit_record_id IS NULL AND answered_by IS NOT NULL));
INSERT INTO jobs (kind, unique_key, payload, status, attempts, max_attempts, run_at, created_at, updated_at)
SELECT 'activities.grant', 'activity:' || activity_id || ':' || resident_id,
    '{"activity_id":"' || activity_id || '","resident_id":"' || resident_id || '"}', 'queued', 0, 15,
    strftime('%Y-%m-%d %H:%M:%S', 'now'), strftime('%Y-%m-%d %H:%M:%S', 'now'), strftime('%Y-%m-%d %H:%M:%S', 'now')
FROM activity_signups
WHERE points_status = 'pending' AND credited_at IS NOT NULL;

-- +goose Down
ALTER TABLE survey_responses DROP COLUMN points_status;
ALTER TABLE survey_attempts DROP COLUMN points_status;
DROP TABLE jobs;
