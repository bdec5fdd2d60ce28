package migrations_test

import (
	"context"
	"testing"
)

// TestNoticeTarget: migration 23 gives notices a target (empty for the
// notices already there); Down drops it and Up again works.
func TestNoticeTarget(t *testing.T) {
	ctx := context.Background()
	sqlDB, p := emptyDB(t)
	upTo(t, p, 22)
	if _, err := sqlDB.ExecContext(ctx, `INSERT INTO notices (title, body, category, audience, subscribe_data, status, created_at, updated_at)
		VALUES ('t', 'b', 'policy', '{}', '', 'draft', '2026-12-01 00:00:00', '2026-12-01 00:00:00')`); err != nil {
		t.Fatal(err)
	}
	upTo(t, p, 23)
	var typ, id string
	if err := sqlDB.QueryRowContext(ctx, "SELECT target_type, target_id FROM notices").Scan(&typ, &id); err != nil || typ != "" || id != "" {
		t.Fatalf("an earlier notice's target: %q %q, %v", typ, id, err)
	}
	if _, err := p.DownTo(ctx, 22); err != nil {
		t.Fatal(err)
	}
	if _, err := sqlDB.ExecContext(ctx, "SELECT target_type FROM notices"); err == nil {
		t.Fatal("target_type still there after Down")
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatal(err)
	}
}
