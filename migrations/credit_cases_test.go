package migrations_test

import (
	"context"
	"testing"
	"time"

	"github.com/futian/ifutian/internal/db"
)

// TestCreditCases: migration 11 keeps the first record of each case
// (enterprise, kind, case_ref), revokes later copies and makes their
// enterprises due for re-rating; records without a case are untouched;
// from then on a case takes one record. Down and Up again work.
func TestCreditCases(t *testing.T) {
	ctx := context.Background()
	sqlDB, p := emptyDB(t)
	upTo(t, p, 10)
	exec := func(q string, args ...any) int64 {
		t.Helper()
		res, err := sqlDB.ExecContext(ctx, q, args...)
		if err != nil {
			t.Fatal(err)
		}
		id, _ := res.LastInsertId()
		return id
	}
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	later := now.AddDate(0, 3, 0)
	ent := func(code string) int64 {
		return exec("INSERT INTO enterprises (uscc, name, street, grade, score, model_version, rated_at, valid_until, created_at, updated_at) VALUES (?, 'e', '华富街道', 'B', 85, '2026.1', ?, ?, ?, ?)",
			code, now, later, now, now)
	}
	e1, e2 := ent("914403001922038216"), ent("9144030071526726XG")
	record := func(e int64, kind, caseRef string, revoked bool) int64 {
		var rev any
		if revoked {
			rev = now
		}
		return exec("INSERT INTO credit_records (enterprise_id, kind, severity, occurred_at, expires_at, case_ref, note, staff_id, revoked_at, created_at) VALUES (?, ?, 'general', ?, ?, ?, '', 1, ?, ?)",
			e, kind, now, later, caseRef, rev, now)
	}
	first := record(e1, "penalty", "罚1", false)
	copy1 := record(e1, "penalty", "罚1", false)
	copy2 := record(e1, "penalty", "罚1", false)
	otherKind := record(e1, "complaint", "罚1", false)
	noCase1, noCase2 := record(e1, "penalty", "", false), record(e1, "penalty", "", false)
	clean := record(e2, "penalty", "罚1", false)
	objected := record(e2, "arrears", "欠2", true) // revoked by an upheld objection
	objectedCopy := record(e2, "arrears", "欠2", true)

	upTo(t, p, 11)
	type row struct {
		key     *string
		revoked bool
	}
	get := func(id int64) row {
		t.Helper()
		var r row
		var rev any
		if err := sqlDB.QueryRowContext(ctx, "SELECT case_key, revoked_at FROM credit_records WHERE id = ?", id).Scan(&r.key, &rev); err != nil {
			t.Fatal(err)
		}
		r.revoked = rev != nil
		return r
	}
	for _, tc := range []struct {
		name    string
		id      int64
		key     string
		revoked bool
	}{
		{"First", first, "罚1", false},
		{"Copy1", copy1, "", true},
		{"Copy2", copy2, "", true},
		{"OtherKind", otherKind, "罚1", false},
		{"NoCase1", noCase1, "", false},
		{"NoCase2", noCase2, "", false},
		{"OtherEnterprise", clean, "罚1", false},
		{"Objected", objected, "欠2", true},
		{"ObjectedCopy", objectedCopy, "", true},
	} {
		r := get(tc.id)
		key := ""
		if r.key != nil {
			key = *r.key
		}
		if key != tc.key || r.revoked != tc.revoked {
			t.Errorf("%s: case_key %q revoked %v, want %q %v", tc.name, key, r.revoked, tc.key, tc.revoked)
		}
	}
	// The revocation time reads back as a time (SQLite keeps text).
	var revokedAt time.Time
	if err := sqlDB.QueryRowContext(ctx, "SELECT revoked_at FROM credit_records WHERE id = ?", copy1).Scan(&revokedAt); err != nil || revokedAt.Before(now) {
		t.Fatalf("revoked_at=%v, %v; want the migration's time", revokedAt, err)
	}
	// e1 is due for re-rating, e2 (no live copy) is not.
	var due1, due2 bool
	sqlDB.QueryRowContext(ctx, "SELECT valid_until <= rated_at FROM enterprises WHERE id = ?", e1).Scan(&due1)
	sqlDB.QueryRowContext(ctx, "SELECT valid_until <= rated_at FROM enterprises WHERE id = ?", e2).Scan(&due2)
	if !due1 || due2 {
		t.Fatalf("due: e1 %v e2 %v, want true false", due1, due2)
	}
	insertCase := func(e int64, kind, key string) error {
		_, err := sqlDB.ExecContext(ctx, "INSERT INTO credit_records (enterprise_id, kind, severity, occurred_at, expires_at, case_ref, case_key, note, staff_id, created_at) VALUES (?, ?, 'general', ?, ?, ?, ?, '', 1, ?)",
			e, kind, now, later, key, key, now)
		return err
	}
	if err := insertCase(e1, "penalty", "罚1"); !db.IsDuplicate(err) {
		t.Fatalf("second record of a case: %v, want a duplicate key", err)
	}
	if err := insertCase(e1, "penalty", "罚3"); err != nil {
		t.Fatal(err)
	}
	if _, err := p.DownTo(ctx, 10); err != nil {
		t.Fatal(err)
	}
	record(e1, "penalty", "罚1", false)
	upTo(t, p, 11)
}
