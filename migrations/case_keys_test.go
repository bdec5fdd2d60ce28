package migrations_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/internal/text"
)

// TestCaseKeys: migration 24 keys credit records' cases and deductions by
// text.Key: look-alike spellings recorded before it (full-width digits, a
// trailing U+200B, another case) become one case; the first credit record
// keeps it and later live copies are revoked with their enterprise due for
// re-rating; a later deduction stays in the ledger keyed apart; the text as
// entered stays. The keys the SQL writes are text.Key's. Down and Up again
// work.
func TestCaseKeys(t *testing.T) {
	ctx := context.Background()
	sqlDB, p := emptyDB(t)
	upTo(t, p, 20)
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
	record := func(e int64, kind, caseRef string) int64 {
		var key any
		if caseRef != "" {
			key = caseRef
		}
		return exec("INSERT INTO credit_records (enterprise_id, kind, severity, occurred_at, expires_at, case_ref, case_key, note, staff_id, created_at) VALUES (?, ?, 'general', ?, ?, ?, ?, '', 1, ?)",
			e, kind, now, later, caseRef, key, now)
	}
	first := record(e1, "penalty", "〔2026〕77号")
	wide := record(e1, "penalty", "〔２０２６〕７７号")
	zw := record(e1, "penalty", "〔2026〕77号\u200b")
	upper := record(e2, "penalty", "CASE-42")
	other := record(e2, "penalty", "CASE-43")
	exec("INSERT INTO residents (id, nickname, created_at, updated_at) VALUES (1, 'm', ?, ?)", now, now)
	deduct := func(seq int, ref string) int64 {
		return exec(`INSERT INTO point_transactions (resident_id, seq, delta, balance_after, kind, idem, case_ref, reason, lot_amount, created_at)
VALUES (1, ?, -5, ?, 'deduct', ?, ?, '占道', -5, ?)`, seq, -5*seq, "1/"+ref, ref, now)
	}
	d1, d2, d3 := deduct(1, "case-42"), deduct(2, "ＣＡＳＥ－４２"), deduct(3, "FT-9")

	upTo(t, p, 24)
	key := func(id int64) (string, bool) {
		t.Helper()
		var k *string
		var rev any
		if err := sqlDB.QueryRowContext(ctx, "SELECT case_key, revoked_at FROM credit_records WHERE id = ?", id).Scan(&k, &rev); err != nil {
			t.Fatal(err)
		}
		if k == nil {
			return "", rev != nil
		}
		return *k, rev != nil
	}
	for _, tc := range []struct {
		name    string
		id      int64
		key     string
		revoked bool
	}{
		{"First", first, text.Key("〔2026〕77号"), false},
		{"FullWidth", wide, "", true},
		{"ZeroWidth", zw, "", true},
		{"Upper", upper, text.Key("CASE-42"), false},
		{"Other", other, text.Key("CASE-43"), false},
	} {
		if k, rev := key(tc.id); k != tc.key || rev != tc.revoked {
			t.Errorf("%s: case_key %q revoked %v, want %q %v", tc.name, k, rev, tc.key, tc.revoked)
		}
	}
	var due1, due2 bool
	sqlDB.QueryRowContext(ctx, "SELECT valid_until <= rated_at FROM enterprises WHERE id = ?", e1).Scan(&due1)
	sqlDB.QueryRowContext(ctx, "SELECT valid_until <= rated_at FROM enterprises WHERE id = ?", e2).Scan(&due2)
	if !due1 || due2 {
		t.Fatalf("due: e1 %v e2 %v, want true false", due1, due2)
	}
	idem := func(id int64) (idem, ref string) {
		t.Helper()
		if err := sqlDB.QueryRowContext(ctx, "SELECT idem, case_ref FROM point_transactions WHERE id = ?", id).Scan(&idem, &ref); err != nil {
			t.Fatal(err)
		}
		return idem, ref
	}
	for _, tc := range []struct {
		id        int64
		idem, ref string
	}{
		{d1, "1/" + text.Key("case-42"), "case-42"},
		{d2, "1/" + text.Key("case-42") + "#" + itoa(d2), "ＣＡＳＥ－４２"},
		{d3, "1/" + text.Key("FT-9"), "FT-9"},
	} {
		if i, r := idem(tc.id); i != tc.idem || r != tc.ref {
			t.Errorf("deduction %d: idem %q case_ref %q, want %q %q", tc.id, i, r, tc.idem, tc.ref)
		}
	}
	// From now on the code writes text.Key: a look-alike is a duplicate.
	_, err := sqlDB.ExecContext(ctx, "INSERT INTO credit_records (enterprise_id, kind, severity, occurred_at, expires_at, case_ref, case_key, note, staff_id, created_at) VALUES (?, 'penalty', 'general', ?, ?, 'case-42', ?, '', 1, ?)",
		e2, now, later, text.Key("case-42"), now)
	if !db.IsDuplicate(err) {
		t.Fatalf("a look-alike case after the migration: %v, want a duplicate key", err)
	}

	for range 2 { // Down, then Up and Down again
		if _, err := p.DownTo(ctx, 20); err != nil {
			t.Fatal(err)
		}
		if k, _ := key(upper); k != "CASE-42" {
			t.Fatalf("case_key after Down: %q, want the text as entered", k)
		}
		if i, _ := idem(d2); i != "1/ＣＡＳＥ－４２" {
			t.Fatalf("idem after Down: %q", i)
		}
		upTo(t, p, 24)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
