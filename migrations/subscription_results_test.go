package migrations_test

import (
	"context"
	"testing"
	"time"
)

// TestSubscriptionResults: migration 10 lets the consent ledger keep
// WeChat's "acceptWithAudio"; Down records it as the accept it is, and Up
// again works.
func TestSubscriptionResults(t *testing.T) {
	ctx := context.Background()
	sqlDB, p := emptyDB(t)
	if _, err := p.Up(ctx); err != nil {
		t.Fatal(err)
	}
	insert := func(result string) error {
		_, err := sqlDB.ExecContext(ctx, "INSERT INTO subscription_events (resident_id, template_id, result, created_at) VALUES (1, 'tpl', ?, ?)",
			result, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
		return err
	}
	if err := insert("acceptWithAudio"); err != nil {
		t.Fatalf("recording acceptWithAudio: %v", err)
	}
	if _, err := p.DownTo(ctx, 9); err != nil {
		t.Fatal(err)
	}
	var result string
	if err := sqlDB.QueryRowContext(ctx, "SELECT result FROM subscription_events").Scan(&result); err != nil || result != "accept" {
		t.Fatalf("after Down: %q, %v; want accept", result, err)
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatal(err)
	}
	if err := insert("acceptWithAlert"); err != nil {
		t.Fatalf("recording acceptWithAlert after Up again: %v", err)
	}
}
