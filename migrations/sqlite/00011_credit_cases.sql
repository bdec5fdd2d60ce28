-- +goose Up
-- One case, one record: a credit record citing a case (case_ref) is unique
-- per enterprise and kind. case_key is the case_ref of the record holding
-- the case and NULL for a record citing none, which is never a repeat.
ALTER TABLE credit_records ADD COLUMN case_key TEXT;

-- Cases recorded twice before this key existed penalised (or credited) the
-- enterprise twice: the first record keeps the case, later copies are
-- revoked now (kept for the record, counted no more), and their
-- enterprises fall due, so the re-rating worker rates them again on start.
UPDATE credit_records SET case_key = case_ref
WHERE case_ref <> '' AND id = (
    SELECT MIN(c.id) FROM credit_records c
    WHERE c.enterprise_id = credit_records.enterprise_id AND c.kind = credit_records.kind AND c.case_ref = credit_records.case_ref);

UPDATE enterprises SET valid_until = rated_at
WHERE id IN (SELECT enterprise_id FROM credit_records WHERE case_ref <> '' AND case_key IS NULL AND revoked_at IS NULL);

UPDATE credit_records SET revoked_at = strftime('%Y-%m-%d %H:%M:%f', 'now')
WHERE case_ref <> '' AND case_key IS NULL AND revoked_at IS NULL;

CREATE UNIQUE INDEX credit_records_case ON credit_records (enterprise_id, kind, case_key);

-- +goose Down
-- Copies revoked by Up stay revoked.
DROP INDEX credit_records_case;
ALTER TABLE credit_records DROP COLUMN case_key;
