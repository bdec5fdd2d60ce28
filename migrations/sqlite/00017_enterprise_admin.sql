-- +goose Up
-- A benefit program can be ended: it then matches no more enterprises and
-- its notices not yet sent are not sent; matches made before stay.
ALTER TABLE benefit_programs ADD COLUMN ended_at DATETIME;
ALTER TABLE benefit_programs ADD COLUMN ended_by INTEGER;
CREATE INDEX benefit_programs_department ON benefit_programs (department_id, id);

-- The admin list of credit records filters by department and by case.
CREATE INDEX credit_records_department ON credit_records (department_id, id);
CREATE INDEX credit_records_case_ref ON credit_records (case_ref);

-- +goose Down
DROP INDEX credit_records_case_ref;
DROP INDEX credit_records_department;
DROP INDEX benefit_programs_department;
ALTER TABLE benefit_programs DROP COLUMN ended_by;
ALTER TABLE benefit_programs DROP COLUMN ended_at;
