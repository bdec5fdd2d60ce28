package enterprises

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"
)

// TestRerateDueLarge measures the daily re-rating over many enterprises
// whose records all expired at once, the worst case of the worker. Opt in
// with IFUTIAN_LARGE_RERATE=1 (or the number of enterprises).
func TestRerateDueLarge(t *testing.T) {
	if os.Getenv("IFUTIAN_LARGE_RERATE") == "" {
		t.Skip("set IFUTIAN_LARGE_RERATE=1 to re-rate 5000 enterprises")
	}
	n := 5000
	if v, err := strconv.Atoi(os.Getenv("IFUTIAN_LARGE_RERATE")); err == nil && v > 1 {
		n = v
	}
	f := newFixture(t)
	ctx := context.Background()
	past := f.now.Add(-30 * 24 * time.Hour)
	rows := make([]Enterprise, 0, n)
	for i := range n {
		rows = append(rows, Enterprise{USCC: CompleteUSCC(fmt.Sprintf("91440304MA5%06d", i)), Name: "企业", Street: "华富街道",
			CreatedAt: past, UpdatedAt: past, RatedAt: &past, ValidUntil: &f.now})
	}
	if err := f.db.CreateInBatches(rows, 500).Error; err != nil {
		t.Fatal(err)
	}
	recs := make([]CreditRecord, 0, n)
	for _, e := range rows {
		recs = append(recs, CreditRecord{EnterpriseID: e.ID, Kind: KindPenalty, Severity: Minor, OccurredAt: past,
			ExpiresAt: f.now, StaffID: 1, CreatedAt: past})
	}
	if err := f.db.CreateInBatches(recs, 500).Error; err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	got, err := f.s.RerateDue(ctx)
	if err != nil {
		t.Fatal(err)
	}
	d := time.Since(start)
	if got != n {
		t.Fatalf("re-rated %d, want %d", got, n)
	}
	t.Logf("rerate_due: %d enterprises in %v (%.0f per s)", n, d.Round(time.Millisecond), float64(n)/d.Seconds())
}
