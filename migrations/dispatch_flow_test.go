package migrations_test

import (
	"context"
	"testing"
)

// TestDispatchFlowMigration: migration 32 gives categories a sign-for limit
// of one working day (9 hours) and an empty dispatch guide, adds the work
// order's tables with the centre's settings (2 returns, no sample), and
// Down removes them all (Up again works).
func TestDispatchFlowMigration(t *testing.T) {
	ctx := context.Background()
	sqlDB, p := emptyDB(t)
	upTo(t, p, 32)
	var hours int
	var guide string
	if err := sqlDB.QueryRowContext(ctx, "SELECT sign_hours, guide FROM request_categories WHERE code = 'noise'").Scan(&hours, &guide); err != nil || hours != 9 || guide != "" {
		t.Fatalf("noise: %d %q %v", hours, guide, err)
	}
	var maxReturns, sample int
	if err := sqlDB.QueryRowContext(ctx, "SELECT max_returns, callback_sample FROM request_flow_settings WHERE id = 1").Scan(&maxReturns, &sample); err != nil || maxReturns != 2 || sample != 0 {
		t.Fatalf("settings: %d %d %v", maxReturns, sample, err)
	}
	for _, q := range []string{
		"SELECT assist_department_id, sign_deadline_at, signed_at, urges, auto_urged_for, extended_days, callback_at, callback_result, redone FROM requests",
		"SELECT assist_department_id FROM request_routes",
		"SELECT id FROM request_assignments", "SELECT id FROM request_returns", "SELECT id FROM request_extensions", "SELECT id FROM request_urges",
	} {
		if _, err := sqlDB.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if _, err := p.DownTo(ctx, 31); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"SELECT sign_hours FROM request_categories", "SELECT redone FROM requests", "SELECT id FROM request_urges"} {
		if _, err := sqlDB.ExecContext(ctx, q); err == nil {
			t.Fatalf("%s survived Down", q)
		}
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatal(err)
	}
}
