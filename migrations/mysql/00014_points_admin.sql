-- +goose Up
-- Due process: the time until which a deduction may be appealed, fixed
-- when it is recorded (and told to the resident in its notice), so that a
-- later change of the appeal window does not move a deadline already given.
-- NULL on deductions recorded before this column: their deadline is
-- counted from created_at with the window in force (points.AppealWindowDays).
-- Added last with no default, an instant change on MariaDB 10.3+ however
-- long the ledger.
ALTER TABLE point_transactions ADD COLUMN appeal_deadline DATETIME(6) NULL;

-- The officers' list of deductions, newest first, by department and by
-- case reference.
CREATE INDEX point_transactions_kind ON point_transactions (kind, department_id, id);
CREATE INDEX point_transactions_case ON point_transactions (case_ref);

-- The district's appeals queue (a department's uses point_appeals_department).
CREATE INDEX point_appeals_status ON point_appeals (status, id);

-- A withdrawn reward takes no new redemptions; its vouchers stay valid.
-- (A department's rewards by ID are read off the foreign key's index on
-- department_id, whose entries end with the primary key.)
ALTER TABLE rewards ADD COLUMN withdrawn_at DATETIME(6) NULL;

-- +goose Down
ALTER TABLE rewards DROP COLUMN withdrawn_at;
DROP INDEX point_appeals_status ON point_appeals;
DROP INDEX point_transactions_case ON point_transactions;
DROP INDEX point_transactions_kind ON point_transactions;
ALTER TABLE point_transactions DROP COLUMN appeal_deadline;
