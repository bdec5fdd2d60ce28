-- +goose Up
-- The durable job queue (package jobs): work a change leaves for after its
-- commit, enqueued in the change's transaction, unique per (kind,
-- unique_key) so a retried request enqueues once. A claimed job is
-- running under lease_owner until lease_until; run_at is when it is due:
-- for a queued job its (re)try time, for a running one its lease's end, so
-- one index finds both the due and the abandoned.
CREATE TABLE jobs (
    id           BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    kind         VARCHAR(64) NOT NULL,
    unique_key   VARCHAR(191) NOT NULL,
    payload      MEDIUMTEXT NOT NULL,
    status       VARCHAR(16) NOT NULL,
    attempts     INT NOT NULL DEFAULT 0,
    max_attempts INT NOT NULL,
    run_at       DATETIME(6) NOT NULL,
    lease_owner  VARCHAR(32) NOT NULL DEFAULT '',
    lease_until  DATETIME(6) NULL,
    last_error   VARCHAR(1000) NOT NULL DEFAULT '',
    created_at   DATETIME(6) NOT NULL,
    updated_at   DATETIME(6) NOT NULL,
    finished_at  DATETIME(6) NULL,
    UNIQUE KEY jobs_key (kind, unique_key),
    INDEX jobs_due (status, run_at),
    INDEX jobs_kind (kind, status, run_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Where a survey's points stand for the resident: '' (none to grant),
-- pending (积分发放中: the grant is queued), granted or refused (a cap).
ALTER TABLE survey_attempts ADD COLUMN points_status VARCHAR(16) NOT NULL DEFAULT '' AFTER points_awarded;
ALTER TABLE survey_responses ADD COLUMN points_status VARCHAR(16) NOT NULL DEFAULT '' AFTER points_awarded;

-- What the loops that this queue replaces had left pending moves onto it:
-- requests still to settle (notices, points, complaint records) and
-- activity credits whose points grant is pending.
INSERT INTO jobs (kind, unique_key, payload, status, attempts, max_attempts, run_at, created_at, updated_at)
SELECT 'requests.settle', CONCAT(id, ':', version), CONCAT('{"id":"', id, '"}'), 'queued', 0, 15,
    UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), UTC_TIMESTAMP(6)
FROM requests
WHERE erased_at IS NULL AND ((accepted_at IS NOT NULL AND accept_noticed_at IS NULL)
        OR (status = 'answered' AND answer_noticed_at IS NULL)
        OR (points_outcome = 'pending' AND points_rule <> '')
        OR (complaint_uscc <> '' AND credit_record_id IS NULL AND answered_by IS NOT NULL));
INSERT INTO jobs (kind, unique_key, payload, status, attempts, max_attempts, run_at, created_at, updated_at)
SELECT 'activities.grant', CONCAT('activity:', activity_id, ':', resident_id),
    CONCAT('{"activity_id":"', activity_id, '","resident_id":"', resident_id, '"}'), 'queued', 0, 15,
    UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), UTC_TIMESTAMP(6)
FROM activity_signups
WHERE points_status = 'pending' AND credited_at IS NOT NULL;

-- +goose Down
ALTER TABLE survey_responses DROP COLUMN points_status;
ALTER TABLE survey_attempts DROP COLUMN points_status;
DROP TABLE jobs;
