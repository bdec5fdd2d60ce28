-- +goose Up
-- A benefit program's notice to a matched enterprise is now a job of the
-- queue (enterprises.benefit_notice), no longer found by an hourly sweep of
-- the matches not notified: the notices the sweep still had to send (of
-- running programs) move onto the queue. benefit_matches.notified_at stays:
-- the console shows when each notice went out.
INSERT INTO jobs (kind, unique_key, payload, status, attempts, max_attempts, run_at, created_at, updated_at)
SELECT 'enterprises.benefit_notice', CONCAT(m.program_id, ':', m.enterprise_id),
    CONCAT('{"program_id":"', m.program_id, '","enterprise_id":"', m.enterprise_id, '"}'), 'queued', 0, 15,
    UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), UTC_TIMESTAMP(6)
FROM benefit_matches m JOIN benefit_programs p ON p.id = m.program_id
WHERE m.notified_at IS NULL AND p.ended_at IS NULL;

-- +goose Down
-- The sweep finds the matches not notified again by itself.
DELETE FROM jobs WHERE kind = 'enterprises.benefit_notice';
