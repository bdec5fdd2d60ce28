package migrations_test

import (
	"context"
	"testing"
	"time"
)

// TestJobsMigration: migration 27 creates the job queue and moves onto it
// what the loops it replaces had left pending (a request whose points are
// still to grant; one settled is left alone); Down removes it and Up again
// works.
func TestJobsMigration(t *testing.T) {
	ctx := context.Background()
	sqlDB, p := emptyDB(t)
	upTo(t, p, 26)
	for i, outcome := range []string{"pending", "granted"} {
		_, err := sqlDB.ExecContext(ctx, `INSERT INTO requests (resident_id, client_key, category, description, street, status,
			deadline_at, arrived_at, answer, points_rule, points_outcome, created_at, updated_at) VALUES (1, ?, 'noise', 'x', '园岭街道', 'closed',
			'2026-11-05 16:00:00', '2026-11-02 02:00:00', '', 'verified_report', ?, '2026-11-02 02:00:00', '2026-11-02 02:00:00')`,
			"k"+outcome, outcome)
		if err != nil {
			t.Fatal(i, err)
		}
	}
	upTo(t, p, 27)
	var kind, key, payload string
	var runAt time.Time
	if err := sqlDB.QueryRowContext(ctx, "SELECT kind, unique_key, payload, run_at FROM jobs").Scan(&kind, &key, &payload, &runAt); err != nil {
		t.Fatal(err)
	}
	if kind != "requests.settle" || key != "1:1" || payload != `{"id":"1"}` || time.Since(runAt) > time.Hour || time.Since(runAt) < -time.Hour {
		t.Fatalf("job %s %s %s %v", kind, key, payload, runAt)
	}
	var n int
	if err := sqlDB.QueryRowContext(ctx, "SELECT COUNT(*) FROM jobs").Scan(&n); err != nil || n != 1 {
		t.Fatalf("%d jobs, %v; want 1", n, err)
	}
	if _, err := p.DownTo(ctx, 26); err != nil {
		t.Fatal(err)
	}
	if _, err := sqlDB.ExecContext(ctx, "SELECT 1 FROM jobs"); err == nil {
		t.Fatal("jobs survived Down")
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatal(err)
	}
}
