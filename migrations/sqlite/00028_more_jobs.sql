-- +goose Up
-- A benefit program's notice to a matched enterprise is now a job of the
-- queue (enterprises.benefit_notice), no longer found by an hourly sweep of
-- the matches not notified: the notices the sweep still had to send (of
-- running programs) move onto the queue. benefit_matches.notified_at stays:
-- the console shows when each notice went out.
INSERT INTO jobs (kind, unique_key, payload, status, attempts, max_attempts, run_at, created_at, updated_at)
SELECT 'enterprises.benefit_notice', m.program_id || ':' || m.enterprise_id,
    '{"program_id":"' || m.program_id || '","enterprise_id":"' || m.enterprise_id || '"}', 'queued', 0, 15,
    strftime('%Y-%m-%d %H:%M:%S', 'now'), strftime('%Y-%m-%d %H:%M:%S', 'now'), strftime('%Y-%m-%d %H:%M:%S', 'now')
FROM benefit_matches m JOIN benefit_programs p ON p.id = m.program_id
WHERE m.notified_at IS NULL AND p.ended_at IS NULL;

-- So do the stored objects waiting in storage_trash for the photo sweep to
-- delete them: deleting one is a job (requests.delete_object), retried with
-- backoff and kept as failed for operators after its last attempt.
INSERT INTO jobs (kind, unique_key, payload, status, attempts, max_attempts, run_at, created_at, updated_at)
SELECT 'requests.delete_object', storage_key, '{"key":"' || storage_key || '"}', 'queued', 0, 15, strftime('%Y-%m-%d %H:%M:%S', 'now'), created_at, strftime('%Y-%m-%d %H:%M:%S', 'now')
FROM storage_trash;
DROP TABLE storage_trash;

-- +goose Down
CREATE TABLE storage_trash (
    storage_key TEXT PRIMARY KEY,
    attempts    INTEGER NOT NULL DEFAULT 0,
    created_at  DATETIME NOT NULL
);
INSERT INTO storage_trash (storage_key, attempts, created_at)
SELECT unique_key, 0, created_at FROM jobs WHERE kind = 'requests.delete_object' AND status IN ('queued', 'running', 'failed');
-- The old sweep finds the benefit matches not notified again by itself.
DELETE FROM jobs WHERE kind IN ('enterprises.benefit_notice', 'requests.delete_object');
