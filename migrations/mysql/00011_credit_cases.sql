-- +goose Up
-- One case, one record: a credit record citing a case (case_ref) is unique
-- per enterprise and kind. case_key is the case_ref of the record holding
-- the case and NULL for a record citing none, which is never a repeat.
ALTER TABLE credit_records ADD COLUMN case_key VARCHAR(128) NULL;

-- Cases recorded twice before this key existed penalised (or credited) the
-- enterprise twice: the first record keeps the case, later copies are
-- revoked now (kept for the record, counted no more), and their
-- enterprises fall due, so the re-rating worker rates them again on start.
UPDATE credit_records c
JOIN (SELECT MIN(id) AS id FROM credit_records WHERE case_ref <> '' GROUP BY enterprise_id, kind, case_ref) f ON f.id = c.id
SET c.case_key = c.case_ref;

UPDATE enterprises e
JOIN (SELECT DISTINCT enterprise_id FROM credit_records WHERE case_ref <> '' AND case_key IS NULL AND revoked_at IS NULL) d ON d.enterprise_id = e.id
SET e.valid_until = e.rated_at;

UPDATE credit_records SET revoked_at = UTC_TIMESTAMP(6)
WHERE case_ref <> '' AND case_key IS NULL AND revoked_at IS NULL;

ALTER TABLE credit_records ADD UNIQUE INDEX credit_records_case (enterprise_id, kind, case_key);

-- +goose Down
-- Copies revoked by Up stay revoked.
ALTER TABLE credit_records DROP INDEX credit_records_case, DROP COLUMN case_key;
