package migrations_test

import (
	"context"
	"testing"
)

// TestAudienceStreets: migration 41 adds the tables of the streets
// audiences reach to a database holding a notice (which has none recorded
// until the server fills them); a notice's streets go with the notice;
// Down drops the tables and Up again works.
func TestAudienceStreets(t *testing.T) {
	ctx := context.Background()
	sqlDB, p := emptyDB(t)
	upTo(t, p, 40)
	if _, err := sqlDB.ExecContext(ctx, `INSERT INTO notices (title, body, category, audience, subscribe_data, status, created_at, updated_at)
		VALUES ('t', 'b', 'policy', '{}', '', 'draft', '2026-12-01 00:00:00', '2026-12-01 00:00:00')`); err != nil {
		t.Fatal(err)
	}
	upTo(t, p, 41)
	var n int
	if err := sqlDB.QueryRowContext(ctx, "SELECT COUNT(*) FROM notice_streets").Scan(&n); err != nil || n != 0 {
		t.Fatalf("notice streets: %d, %v", n, err)
	}
	if _, err := sqlDB.ExecContext(ctx, "INSERT INTO notice_streets (notice_id, street) SELECT id, '华富街道' FROM notices"); err != nil {
		t.Fatal(err)
	}
	if _, err := sqlDB.ExecContext(ctx, "DELETE FROM notices"); err != nil {
		t.Fatal(err)
	}
	if err := sqlDB.QueryRowContext(ctx, "SELECT COUNT(*) FROM notice_streets").Scan(&n); err != nil || n != 0 {
		t.Fatalf("a deleted notice's streets: %d, %v", n, err)
	}
	if _, err := p.DownTo(ctx, 40); err != nil {
		t.Fatal(err)
	}
	if _, err := sqlDB.ExecContext(ctx, "SELECT 1 FROM survey_streets"); err == nil {
		t.Fatal("survey_streets still there after Down")
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatal(err)
	}
}
