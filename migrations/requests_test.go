package migrations_test

import (
	"context"
	"testing"

	"github.com/futian/ifutian/internal/db"
)

// TestRequestsMigration: migration 16 creates 民意速办's tables with the
// seven default categories; a second submit with one client key is refused
// by the unique key; Down removes the tables and Up again works.
func TestRequestsMigration(t *testing.T) {
	ctx := context.Background()
	sqlDB, p := emptyDB(t)
	upTo(t, p, 16)
	var n int
	if err := sqlDB.QueryRowContext(ctx, "SELECT COUNT(*) FROM request_categories WHERE active = 1").Scan(&n); err != nil || n != 7 {
		t.Fatalf("categories: %d, %v; want 7", n, err)
	}
	insert := func() error {
		_, err := sqlDB.ExecContext(ctx, `INSERT INTO requests (resident_id, client_key, category, description, street, status,
			deadline_at, arrived_at, answer, created_at, updated_at) VALUES (1, 'k', 'noise', 'x', '园岭街道', 'submitted',
			'2026-11-05 16:00:00', '2026-11-02 02:00:00', '', '2026-11-02 02:00:00', '2026-11-02 02:00:00')`)
		return err
	}
	if err := insert(); err != nil {
		t.Fatal(err)
	}
	if err := insert(); !db.IsDuplicate(err) {
		t.Fatalf("second request with one client key: %v, want a duplicate key", err)
	}
	if _, err := p.DownTo(ctx, 15); err != nil {
		t.Fatal(err)
	}
	if _, err := sqlDB.ExecContext(ctx, "SELECT 1 FROM requests"); err == nil {
		t.Fatal("requests survived Down")
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatal(err)
	}
	if err := sqlDB.QueryRowContext(ctx, "SELECT COUNT(*) FROM request_categories").Scan(&n); err != nil || n != 7 {
		t.Fatalf("categories after Up again: %d, %v", n, err)
	}
}
