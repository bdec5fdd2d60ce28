package api

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/futian/ifutian/staff"
)

type approvalBody struct {
	ID      string  `json:"id"`
	Status  string  `json:"status"`
	Hours   float64 `json:"hours"`
	EntryID *string `json:"entry_id"`
}

// totalHours is a resident's volunteer hours as their record shows them.
func (w *actWorld) totalHours(tok string) float64 {
	w.t.Helper()
	rec := w.do("GET", "/api/v1/me/volunteer-record", tok, nil)
	wantStatus(w.t, rec, http.StatusOK)
	var r struct {
		Total float64 `json:"total_hours"`
	}
	decode(w.t, rec, &r)
	return r.Total
}

// TestHoursAdjustmentBound (issue 21 item 5): adjustments take a
// resident's hours for an activity up to the activity's length (3 hours
// here); one going beyond it waits (202) for a second member with
// activities.manage to approve or reject it.
func TestHoursAdjustmentBound(t *testing.T) {
	w := newActWorld(t)
	id := w.published(w.editor, nil)
	alice, aliceID := w.residentOn("bound-alice", "华富街道")
	wantStatus(t, w.do("POST", "/api/v1/activities/"+id+"/signup", alice, nil), http.StatusCreated)
	rid := strconv.FormatInt(aliceID, 10)
	adjust := func(tok string, hours float64, key string) *httptest.ResponseRecorder {
		var headers []string
		if key != "" {
			headers = []string{"Idempotency-Key", key}
		}
		return w.do("POST", "/api/v1/admin/activities/"+id+"/hours-adjustments", tok,
			map[string]any{"resident_id": rid, "hours": hours, "reason": "补记时长"}, headers...)
	}

	// +24 h four times for a 3-hour activity never attended: none applied.
	var pending []string
	for i := range 4 {
		rec := adjust(w.editor, 24, "")
		wantStatus(t, rec, http.StatusAccepted)
		var a approvalBody
		decode(t, rec, &a)
		if a.Status != "pending" || a.Hours != 24 || a.EntryID != nil {
			t.Fatalf("adjustment %d: %s", i, rec.Body.String())
		}
		pending = append(pending, a.ID)
	}
	if got := w.totalHours(alice); got != 0 {
		t.Fatalf("total %v hours after four pending adjustments, want 0", got)
	}
	// Up to the length it applies at once; beyond it, it waits.
	wantStatus(t, adjust(w.editor, 3, ""), http.StatusCreated)
	rec := adjust(w.editor, 0.25, "over-1")
	wantStatus(t, rec, http.StatusAccepted)
	var over approvalBody
	decode(t, rec, &over)
	rec = adjust(w.editor, 0.25, "over-1") // the same key: the same approval
	wantStatus(t, rec, http.StatusAccepted)
	if !strings.Contains(rec.Body.String(), `"id":"`+over.ID+`"`) {
		t.Fatalf("repeat %s, want approval %s", rec.Body.String(), over.ID)
	}
	if got := w.totalHours(alice); got != 3 {
		t.Fatalf("total %v, want 3", got)
	}

	// The queue.
	rec = w.do("GET", "/api/v1/admin/activities/"+id+"/hours-approvals", w.editor, nil)
	wantStatus(t, rec, http.StatusOK)
	if n := strings.Count(rec.Body.String(), `"status":"pending"`); n != 5 {
		t.Fatalf("%d pending listed, want 5: %s", n, rec.Body.String())
	}

	approve := func(tok, aid, verb string) *httptest.ResponseRecorder {
		return w.do("POST", "/api/v1/admin/activities/"+id+"/hours-approvals/"+aid+"/"+verb, tok, nil)
	}
	// The requester may not approve their own; a verifier not at all;
	// another department or street sees nothing.
	other := w.published(w.editor, nil)
	pendingNow := func() int64 {
		var n int64
		w.db.Table("volunteer_hours_approvals").Where("status = ?", "pending").Count(&n)
		return n
	}
	before := w.snapshotCounts() + strconv.FormatInt(pendingNow(), 10)
	wantError(t, approve(w.editor, over.ID, "approve"), http.StatusForbidden, "permission_denied", "")
	wantError(t, approve(w.verifier, over.ID, "approve"), http.StatusForbidden, "permission_denied", "")
	editorY := w.idorStaffer(w.otherDepartment(), []staff.Role{staff.Editor})
	editorLianhua, _ := w.staffer([]staff.Role{staff.Editor}, "莲花街道")
	for _, tok := range []string{editorY, editorLianhua} {
		wantError(t, approve(tok, over.ID, "approve"), http.StatusNotFound, "not_found", "")
		wantError(t, approve(tok, over.ID, "reject"), http.StatusNotFound, "not_found", "")
		rec := w.do("GET", "/api/v1/admin/activities/"+id+"/hours-approvals", tok, nil)
		wantError(t, rec, http.StatusNotFound, "not_found", "")
	}
	wantError(t, approve(w.editor, "999999", "approve"), http.StatusNotFound, "not_found", "")
	wantError(t, approve(w.editor, "abc", "approve"), http.StatusNotFound, "not_found", "")
	wantError(t, w.do("POST", "/api/v1/admin/activities/"+other+"/hours-approvals/"+over.ID+"/approve", w.editor, nil), http.StatusNotFound, "not_found", "")
	wantError(t, w.do("GET", "/api/v1/admin/activities/"+id+"/hours-approvals?status=maybe", w.editor, nil), http.StatusBadRequest, "invalid_argument", "status")
	if after := w.snapshotCounts() + strconv.FormatInt(pendingNow(), 10); after != before {
		t.Fatalf("refused approvals wrote: %s → %s", before, after)
	}

	// A second editor approves: the entry is made, once.
	second, _ := w.staffer([]staff.Role{staff.Editor})
	for _, status := range []int{http.StatusOK, http.StatusOK} {
		rec = approve(second, over.ID, "approve")
		wantStatus(t, rec, status)
	}
	var done approvalBody
	decode(t, rec, &done)
	if done.Status != "approved" || done.EntryID == nil {
		t.Fatalf("approved %s", rec.Body.String())
	}
	if got := w.totalHours(alice); got != 3.25 {
		t.Fatalf("total %v after approval, want 3.25", got)
	}
	wantError(t, approve(second, over.ID, "reject"), http.StatusConflict, "conflict", "")
	// The requester may withdraw their own; a rejection writes no hours.
	rec = approve(w.editor, pending[0], "reject")
	wantStatus(t, rec, http.StatusOK)
	if !strings.Contains(rec.Body.String(), `"status":"rejected"`) {
		t.Fatalf("rejected %s", rec.Body.String())
	}
	wantError(t, approve(second, pending[0], "approve"), http.StatusConflict, "conflict", "")
	if got := w.totalHours(alice); got != 3.25 {
		t.Fatalf("total %v after a rejection, want 3.25", got)
	}
	rec = w.do("GET", "/api/v1/admin/activities/"+id+"/hours-approvals?status=approved", w.editor, nil)
	if !strings.Contains(rec.Body.String(), `"id":"`+over.ID+`"`) || strings.Count(rec.Body.String(), `"status"`) != 1 {
		t.Fatalf("approved list %s", rec.Body.String())
	}
	// Taking hours off needs nobody's approval, down to zero.
	wantStatus(t, adjust(w.editor, -3.25, ""), http.StatusCreated)
	wantError(t, adjust(w.editor, -0.25, ""), http.StatusBadRequest, "invalid_argument", "hours")

	// Check-out credits at most what is left under the length.
	bob, bobID := w.residentOn("bound-bob", "华富街道")
	wantStatus(t, w.do("POST", "/api/v1/activities/"+id+"/signup", bob, nil), http.StatusCreated)
	bid := strconv.FormatInt(bobID, 10)
	wantStatus(t, w.do("POST", "/api/v1/admin/activities/"+id+"/hours-adjustments", w.editor,
		map[string]any{"resident_id": bid, "hours": 2.5, "reason": "提前布置场地"}), http.StatusCreated)
	start := w.clock().Add(24 * time.Hour)
	w.at(start)
	wantStatus(t, w.do("POST", "/api/v1/admin/activities/"+id+"/checkins", w.verifier, map[string]string{"resident_id": bid, "reason": "现场登记"}), http.StatusCreated)
	w.at(start.Add(3 * time.Hour))
	rec = w.do("POST", "/api/v1/admin/activities/"+id+"/checkouts", w.verifier, map[string]string{"resident_id": bid, "reason": "离场"})
	wantStatus(t, rec, http.StatusCreated)
	if !strings.Contains(rec.Body.String(), `"hours":3,`) || !strings.Contains(rec.Body.String(), `"points_status":"granted"`) {
		t.Fatalf("check-out after 2.5 hours adjusted: %s", rec.Body.String())
	}
}
