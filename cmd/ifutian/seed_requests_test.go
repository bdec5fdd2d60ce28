package main

import (
	"context"
	"slices"
	"testing"

	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/requests"
)

// TestSeedDemoRequests: the demo seed leaves requests in every status
// (twice run, still one set), routed and with their histories.
func TestSeedDemoRequests(t *testing.T) {
	_, dsn := seededDemo(t)
	ctx := context.Background()
	gdb, _, err := db.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.SQL(gdb).Close()
	var statuses []string
	gdb.Table("requests").Distinct("status").Pluck("status", &statuses)
	var n, reopened, rated int64
	gdb.Table("requests").Count(&n)
	gdb.Table("requests").Where("reopened > 0").Count(&reopened)
	gdb.Table("requests").Where("rating IS NOT NULL").Count(&rated)
	for _, s := range requests.Statuses {
		if !slices.Contains(statuses, s) {
			t.Errorf("no demo request is %s (have %v)", s, statuses)
		}
	}
	for _, s := range []string{requests.StatusMerged, requests.StatusWithEnterprise} {
		if !slices.Contains(statuses, s) {
			t.Errorf("no demo request is %s (have %v)", s, statuses)
		}
	}
	if n != 9 || reopened != 1 || rated != 2 {
		t.Fatalf("%d demo requests (%d reopened, %d rated), want 9 (1, 2)", n, reopened, rated)
	}
	var entries, holidays int64
	gdb.Table("knowledge_entries").Count(&entries)
	gdb.Table("holidays").Count(&holidays)
	if entries != 5 || holidays != int64(len(requests.OfficialHolidays)) {
		t.Fatalf("%d knowledge entries, %d holidays", entries, holidays)
	}
}
