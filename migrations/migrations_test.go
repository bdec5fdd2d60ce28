package migrations_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/futian/ifutian/internal/db"
)

// TestPointsSeq: migration 7 numbers the existing ledger of each account
// 1, 2, … in order and sets the account's version to its count; from
// then on a posting must carry the next number. Down and Up again work.
func TestPointsSeq(t *testing.T) {
	ctx := context.Background()
	sqlDB, p := emptyDB(t)
	upTo(t, p, 6)
	exec := func(q string, args ...any) error {
		_, err := sqlDB.ExecContext(ctx, q, args...)
		return err
	}
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	var ids [2]int64
	for i := range ids {
		res, err := sqlDB.ExecContext(ctx, "INSERT INTO residents (nickname, created_at, updated_at) VALUES ('m', ?, ?)", now, now)
		if err != nil {
			t.Fatal(err)
		}
		ids[i], _ = res.LastInsertId()
	}
	post := func(resident int64, idem string, seq int64) error {
		cols, vals := "resident_id, delta, balance_after, kind, idem, reason, lot_amount, created_at", "?, 1, 0, 'earn', ?, '', 1, ?"
		args := []any{resident, idem, now}
		if seq > 0 {
			cols, vals, args = cols+", seq", vals+", ?", append(args, seq)
		}
		return exec("INSERT INTO point_transactions ("+cols+") VALUES ("+vals+")", args...)
	}
	// Interleaved, so that an account's ledger ids are not consecutive.
	for i, r := range []int64{ids[0], ids[1], ids[0], ids[0], ids[1]} {
		if err := post(r, fmt.Sprint("old/", i), 0); err != nil {
			t.Fatal(err)
		}
	}
	upTo(t, p, 7)
	check := func(resident int64, want []int64) {
		t.Helper()
		rows, err := sqlDB.QueryContext(ctx, "SELECT seq FROM point_transactions WHERE resident_id = ? ORDER BY id", resident)
		if err != nil {
			t.Fatal(err)
		}
		var got []int64
		for rows.Next() {
			var s int64
			rows.Scan(&s)
			got = append(got, s)
		}
		var version int64
		if err := sqlDB.QueryRowContext(ctx, "SELECT version FROM point_accounts WHERE resident_id = ?", resident).Scan(&version); err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) || version != int64(len(want)) {
			t.Fatalf("resident %d: seq %v version %d, want %v and %d", resident, got, version, want, len(want))
		}
	}
	check(ids[0], []int64{1, 2, 3})
	check(ids[1], []int64{1, 2})
	if err := post(ids[1], "new/stale", 2); !db.IsRetryable(err) {
		t.Fatalf("posting seq 2 at version 2: %v, want a serialization failure", err)
	}
	if err := post(ids[1], "new/next", 3); err != nil {
		t.Fatal(err)
	}
	check(ids[1], []int64{1, 2, 3})

	if _, err := p.DownTo(ctx, 6); err != nil {
		t.Fatal(err)
	}
	if err := post(ids[1], "down/1", 0); err != nil {
		t.Fatalf("posting after migrating down: %v", err)
	}
	upTo(t, p, 7)
	check(ids[1], []int64{1, 2, 3, 4})
}
