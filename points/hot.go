package points

import (
	"context"
	"database/sql"
	"fmt"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/db"
)

// The award's and the account's statements run often enough that their
// cost on both sides counts: they go to database/sql as prepared statements
// (the server parses each once per connection, and gorm builds nothing per
// call), outside transactions. Inside one they go through the transaction's
// gorm handle as any other statement.

// queryRow runs a statement that reads at most one row.
type queryRow func(query string, args ...any) *sql.Row

// gormRow reads through tx (a transaction).
func gormRow(tx *gorm.DB) queryRow {
	return func(q string, args ...any) *sql.Row { return tx.Raw(q, args...).Row() }
}

// queryRow reads through the pool, with prepared statements.
func (s *Service) queryRow(ctx context.Context) queryRow {
	return func(q string, args ...any) *sql.Row {
		st, err := s.prepared(ctx, q)
		if err != nil {
			// Preparing failed (the database is unreachable): the plain
			// query reports why, in the Scan.
			return db.SQL(s.db).QueryRowContext(ctx, q, args...)
		}
		return st.QueryRowContext(ctx, args...)
	}
}

// prepared returns statement q prepared on the pool, preparing it on first
// use; database/sql prepares it again on each connection it runs on.
func (s *Service) prepared(ctx context.Context, q string) (*sql.Stmt, error) {
	s.stmtMu.Lock()
	st := s.stmts[q]
	s.stmtMu.Unlock()
	if st != nil {
		return st, nil
	}
	st, err := db.SQL(s.db).PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	s.stmtMu.Lock()
	defer s.stmtMu.Unlock()
	if prev := s.stmts[q]; prev != nil {
		st.Close() // prepared meanwhile by another call
		return prev, nil
	}
	if s.stmts == nil {
		s.stmts = map[string]*sql.Stmt{}
	}
	s.stmts[q] = st
	return st, nil
}

// insertGrantSQL posts a transaction: the columns gorm's Create writes.
const insertGrantSQL = `INSERT INTO point_transactions (resident_id, seq, delta, balance_after, kind, idem, rule_code,
rule_version, external_id, case_ref, reason, staff_id, department_id, expires_at, restore_expires_at, lot_amount,
created_at, appeal_deadline) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// insertGrant posts grant t on account a, which has no debts (credit
// without lots to repay), as one prepared statement outside any
// transaction: the point_transactions_post trigger moves the account, opens
// the lot and refuses the row (a serialization failure) if a is no longer
// at the version it was read at. It sets t's ID.
func (s *Service) insertGrant(ctx context.Context, a account, t *Transaction) error {
	if a.balance < 0 || t.Delta < 0 {
		return fmt.Errorf("insert grant: account %d has debts or the grant is a debit", a.residentID)
	}
	t.ResidentID = a.residentID
	t.Seq = a.version + 1
	t.BalanceAfter = a.balance + t.Delta
	t.LotAmount = t.Delta
	st, err := s.prepared(ctx, insertGrantSQL)
	if err != nil {
		return err
	}
	res, err := st.ExecContext(ctx, t.ResidentID, t.Seq, t.Delta, t.BalanceAfter, t.Kind, t.Idem, t.RuleCode,
		t.RuleVersion, t.ExternalID, t.CaseRef, t.Reason, t.StaffID, t.DepartmentID, t.ExpiresAt, t.RestoreExpiresAt,
		t.LotAmount, t.CreatedAt, t.AppealDeadline)
	if err != nil {
		return err
	}
	t.ID, err = res.LastInsertId()
	return err
}

// transactionSQL reads one ledger row by ID (transaction).
const transactionSQL = `SELECT id, resident_id, seq, delta, balance_after, kind, idem, rule_code, rule_version,
external_id, case_ref, reason, staff_id, department_id, expires_at, restore_expires_at, lot_amount, created_at,
appeal_deadline FROM point_transactions WHERE id = ?`

// transaction reads ledger row id through q.
func (s *Service) transaction(q queryRow, id int64) (*Transaction, error) {
	t := new(Transaction)
	err := q(transactionSQL, id).Scan(&t.ID, &t.ResidentID, &t.Seq, &t.Delta, &t.BalanceAfter, &t.Kind, &t.Idem,
		&t.RuleCode, &t.RuleVersion, &t.ExternalID, &t.CaseRef, &t.Reason, &t.StaffID, &t.DepartmentID, &t.ExpiresAt,
		&t.RestoreExpiresAt, &t.LotAmount, &t.CreatedAt, &t.AppealDeadline)
	if err != nil {
		return nil, err
	}
	return t, nil
}
