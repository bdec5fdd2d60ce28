package migrations_test

import (
	"context"
	"database/sql"
	"testing"
	"time"
)

// TestPointsAdmin: migration 14 adds the deductions' appeal deadline (NULL
// on those recorded before it: the code counts their window from
// created_at) and the rewards' withdrawal, keeping every row; Down and Up
// again work on both dialects.
func TestPointsAdmin(t *testing.T) {
	ctx := context.Background()
	sqlDB, p := emptyDB(t)
	upTo(t, p, 13)
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := sqlDB.ExecContext(ctx, q, args...); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	exec("INSERT INTO residents (id, nickname, created_at, updated_at) VALUES (1, 'm', ?, ?)", now, now)
	exec("INSERT INTO departments (id, name, created_at) VALUES (1, '城管', ?)", now)
	exec(`INSERT INTO point_transactions (resident_id, seq, delta, balance_after, kind, idem, case_ref, reason, department_id, lot_amount, created_at)
VALUES (1, 1, -5, -5, 'deduct', '1/FT-1', 'FT-1', '占道', 1, -5, ?)`, now)
	exec("INSERT INTO rewards (department_id, name, points, stock, created_at, updated_at) VALUES (1, '门票', 10, 3, ?, ?)", now, now)

	upTo(t, p, 14)
	var deadline, withdrawn sql.NullTime
	if err := sqlDB.QueryRowContext(ctx, "SELECT appeal_deadline FROM point_transactions WHERE idem = '1/FT-1'").Scan(&deadline); err != nil || deadline.Valid {
		t.Fatalf("an earlier deduction's appeal_deadline: %v (%v), want NULL", deadline, err)
	}
	if err := sqlDB.QueryRowContext(ctx, "SELECT withdrawn_at FROM rewards WHERE name = '门票'").Scan(&withdrawn); err != nil || withdrawn.Valid {
		t.Fatalf("an earlier reward's withdrawn_at: %v (%v), want NULL", withdrawn, err)
	}
	exec("UPDATE rewards SET withdrawn_at = ? WHERE name = '门票'", now)

	for range 2 { // Down, then Up and Down again
		if _, err := p.DownTo(ctx, 13); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := sqlDB.QueryRowContext(ctx, "SELECT COUNT(*) FROM rewards WHERE department_id = 1").Scan(&n); err != nil || n != 1 {
			t.Fatalf("rewards after Down: %d (%v)", n, err)
		}
		upTo(t, p, 14)
	}
}
