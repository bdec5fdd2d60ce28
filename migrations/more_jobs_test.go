package migrations_test

import (
	"context"
	"slices"
	"testing"
)

// TestBenefitJobsMigration: migration 28 queues the benefit notices the
// hourly sweep still had to send (a match of a running program not yet
// notified), and none for a match notified or of a program ended, and the
// deletions of stored objects waiting in storage_trash, which it drops;
// Down puts the deletions back and removes the jobs, and Up again works.
func TestBenefitJobsMigration(t *testing.T) {
	ctx := context.Background()
	sqlDB, p := emptyDB(t)
	upTo(t, p, 27)
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := sqlDB.ExecContext(ctx, q, args...); err != nil {
			t.Fatal(err)
		}
	}
	exec(`INSERT INTO enterprises (uscc, name, created_at, updated_at) VALUES ('91440304MA5000001X', 'e', '2026-11-02 02:00:00', '2026-11-02 02:00:00')`)
	for _, ended := range []any{nil, nil, "2026-11-03 02:00:00"} {
		exec(`INSERT INTO benefit_programs (name, min_grade, industries, streets, notice, created_by, created_at, ended_at)
			VALUES ('p', 'B', '[]', '[]', '', 1, '2026-11-02 02:00:00', ?)`, ended)
	}
	// Program 1: pending; 2: notified; 3: ended before its notice.
	for pid, notified := range map[int]any{1: nil, 2: "2026-11-02 02:00:01", 3: nil} {
		exec(`INSERT INTO benefit_matches (program_id, enterprise_id, matched_at, notified_at) VALUES (?, 1, '2026-11-02 02:00:00', ?)`, pid, notified)
	}
	exec(`INSERT INTO storage_trash (storage_key, attempts, created_at) VALUES ('requests/2026/ab.jpg', 3, '2026-11-02 02:00:00')`)
	upTo(t, p, 28)
	rows, err := sqlDB.QueryContext(ctx, "SELECT kind, unique_key, payload, status FROM jobs ORDER BY kind")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var kind, key, payload, status string
		if err := rows.Scan(&kind, &key, &payload, &status); err != nil {
			t.Fatal(err)
		}
		got = append(got, kind+" "+key+" "+payload+" "+status)
	}
	want := []string{`enterprises.benefit_notice 1:1 {"program_id":"1","enterprise_id":"1"} queued`,
		`requests.delete_object requests/2026/ab.jpg {"key":"requests/2026/ab.jpg"} queued`}
	if !slices.Equal(got, want) {
		t.Fatalf("jobs %q, want %q", got, want)
	}
	if _, err := sqlDB.ExecContext(ctx, "SELECT 1 FROM storage_trash"); err == nil {
		t.Fatal("storage_trash survived Up")
	}
	if _, err := p.DownTo(ctx, 27); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := sqlDB.QueryRowContext(ctx, "SELECT COUNT(*) FROM jobs").Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d jobs after Down, %v", n, err)
	}
	if err := sqlDB.QueryRowContext(ctx, "SELECT COUNT(*) FROM storage_trash").Scan(&n); err != nil || n != 1 {
		t.Fatalf("%d objects to delete after Down, %v; want 1", n, err)
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatal(err)
	}
}
