-- +goose Up
-- A benefit program can be ended: it then matches no more enterprises and
-- its notices not yet sent are not sent; matches made before stay.
ALTER TABLE benefit_programs
    ADD COLUMN ended_at DATETIME(6) NULL,
    ADD COLUMN ended_by BIGINT NULL,
    ADD INDEX benefit_programs_department (department_id, id);

-- The admin list of credit records filters by department and by case.
ALTER TABLE credit_records
    ADD INDEX credit_records_department (department_id, id),
    ADD INDEX credit_records_case_ref (case_ref);

-- +goose Down
ALTER TABLE credit_records DROP INDEX credit_records_case_ref, DROP INDEX credit_records_department;
ALTER TABLE benefit_programs DROP INDEX benefit_programs_department, DROP COLUMN ended_by, DROP COLUMN ended_at;
