package points

import (
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"gorm.io/gorm"
	"gorm.io/gorm/schema"

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

// ledgerColumns are the ledger's columns as gorm's schema of Transaction
// states them, the one list both hand-written statements of this file
// use: every column but the ID (insert) and every column (read), in the
// struct's order, each with its field's index.
type ledgerColumns struct {
	insert, read []*schema.Field
	insertSQL    string // posts a transaction: the columns gorm's Create writes
	readSQL      string // reads one ledger row by ID
}

// newLedgerColumns derives the ledger's statements from Transaction's gorm
// schema under naming (gorm's default when nil).
func newLedgerColumns(naming schema.Namer) ledgerColumns {
	if naming == nil {
		naming = schema.NamingStrategy{}
	}
	sch, err := schema.Parse(&Transaction{}, &sync.Map{}, naming)
	if err != nil {
		panic(fmt.Sprintf("points: the ledger's schema: %v", err)) // a programming error
	}
	var l ledgerColumns
	var ins, all []string
	for _, f := range sch.Fields {
		if f.DBName == "" || !f.Readable {
			continue // gorm:"-"
		}
		all = append(all, f.DBName)
		l.read = append(l.read, f)
		if f.Creatable && f != sch.PrioritizedPrimaryField {
			ins = append(ins, f.DBName)
			l.insert = append(l.insert, f)
		}
	}
	l.insertSQL = "INSERT INTO " + sch.Table + " (" + strings.Join(ins, ", ") + ") VALUES (?" + strings.Repeat(", ?", len(ins)-1) + ")"
	l.readSQL = "SELECT " + strings.Join(all, ", ") + " FROM " + sch.Table + " WHERE " + sch.PrioritizedPrimaryField.DBName + " = ?"
	return l
}

// values returns t's values of fields, in order.
func values(fields []*schema.Field, t *Transaction) []any {
	v := reflect.ValueOf(t).Elem()
	out := make([]any, len(fields))
	for i, f := range fields {
		out[i] = v.FieldByIndex(f.StructField.Index).Interface()
	}
	return out
}

// pointers returns pointers to t's fields of fields, in order, to scan into.
func pointers(fields []*schema.Field, t *Transaction) []any {
	v := reflect.ValueOf(t).Elem()
	out := make([]any, len(fields))
	for i, f := range fields {
		out[i] = v.FieldByIndex(f.StructField.Index).Addr().Interface()
	}
	return out
}

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
	st, err := s.prepared(ctx, s.ledger.insertSQL)
	if err != nil {
		return err
	}
	res, err := st.ExecContext(ctx, values(s.ledger.insert, t)...)
	if err != nil {
		return err
	}
	t.ID, err = res.LastInsertId()
	return err
}

// transaction reads ledger row id through q.
func (s *Service) transaction(q queryRow, id int64) (*Transaction, error) {
	t := new(Transaction)
	if err := q(s.ledger.readSQL, id).Scan(pointers(s.ledger.read, t)...); err != nil {
		return nil, err
	}
	return t, nil
}
