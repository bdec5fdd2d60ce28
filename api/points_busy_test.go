package api

import (
	"net/http"
	"testing"

	"github.com/futian/ifutian/internal/db"
)

// TestPointsAwardBusy: an award whose posting conflicts through every
// retry answers 503 upstream_unavailable, which a client may repeat, and
// grants nothing (it answered 500 internal).
func TestPointsAwardBusy(t *testing.T) {
	e := newPointsEnv(t)
	trigger := `CREATE TRIGGER point_transactions_busy BEFORE INSERT ON point_transactions
BEGIN SELECT RAISE(ABORT, 'serialization failure: test'); END`
	if db.DialectOf(e.db) == db.MySQL {
		trigger = `CREATE TRIGGER point_transactions_busy BEFORE INSERT ON point_transactions FOR EACH ROW
SIGNAL SQLSTATE '40001' SET MESSAGE_TEXT = 'serialization failure: test'`
	}
	if err := e.db.Exec(trigger).Error; err != nil {
		t.Fatal(err)
	}
	before := e.count("point_transactions")
	rec := e.do("POST", "/api/v1/admin/points/awards", e.officer, map[string]any{"resident_id": e.ridStr, "rule_code": "volunteer", "external_id": "busy-1"})
	wantError(t, rec, http.StatusServiceUnavailable, "upstream_unavailable", "")
	if got := e.count("point_transactions"); got != before {
		t.Fatalf("transactions=%d, want %d", got, before)
	}
	if err := e.db.Exec("DROP TRIGGER point_transactions_busy").Error; err != nil {
		t.Fatal(err)
	}
	e.award(e.rid, "busy-1", http.StatusCreated)
	e.reconcile()
}
