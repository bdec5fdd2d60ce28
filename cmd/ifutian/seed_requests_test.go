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
	if n != 17 || reopened != 1 || rated != 4 {
		t.Fatalf("%d demo requests (%d reopened, %d rated), want 17 (1, 4)", n, reopened, rated)
	}
	var entries, holidays int64
	gdb.Table("knowledge_entries").Count(&entries)
	gdb.Table("holidays").Count(&holidays)
	if entries != 5 || holidays != int64(len(requests.OfficialHolidays)) {
		t.Fatalf("%d knowledge entries, %d holidays", entries, holidays)
	}
	// The dispatch centre's queues each hold one (issue 25).
	var extensions, supervisions, redone int64
	gdb.Table("request_extensions").Where("status = 'pending'").Count(&extensions)
	gdb.Table("request_urges").Where("kind = 'supervise'").Count(&supervisions)
	gdb.Table("requests").Where("redone > 0").Count(&redone)
	if extensions != 1 || supervisions != 1 || redone != 1 {
		t.Fatalf("%d extensions waiting, %d supervision letters, %d redone; want 1 each", extensions, supervisions, redone)
	}
}
