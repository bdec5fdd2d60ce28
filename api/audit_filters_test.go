package api

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/futian/ifutian/staff"
)

// TestAuditLogFilters filters the log as the console does: by the actor's
// ID or a part of their username, the action, the object and the time.
func TestAuditLogFilters(t *testing.T) {
	e := newEnv(t)
	super, superM := e.staffer([]staff.Role{staff.Superadmin})
	admin, adminM := e.staffer([]staff.Role{staff.DeptAdmin})
	auditor := e.districtAuditor()
	wantStatus(t, e.do("POST", "/api/v1/admin/departments", super, map[string]string{"name": "审计筛选部门"}), http.StatusCreated)
	rec := e.do("POST", "/api/v1/admin/staff", admin, map[string]any{"username": "filter.target", "password": "password-123", "department_id": itoa(e.dept), "roles": []string{"editor"}})
	wantStatus(t, rec, http.StatusCreated)
	var target staffOut
	decode(t, rec, &target)
	wantStatus(t, e.do("POST", "/api/v1/admin/staff/"+target.ID+"/disable", admin, nil), http.StatusOK)

	type entry struct {
		ActorID    string `json:"actor_id"`
		Action     string `json:"action"`
		TargetKind string `json:"target_kind"`
		TargetID   string `json:"target_id"`
	}
	find := func(query url.Values) []entry {
		t.Helper()
		rec := e.do("GET", "/api/v1/admin/audit-log?"+query.Encode(), auditor, nil)
		wantStatus(t, rec, http.StatusOK)
		var p struct{ Items []entry }
		decode(t, rec, &p)
		return p.Items
	}
	t.Run("ActorName", func(t *testing.T) {
		got := find(url.Values{"actor": {adminM.Username[2:]}})
		if len(got) != 2 {
			t.Fatalf("entries of %s: %+v, want 2", adminM.Username, got)
		}
		for _, en := range got {
			if en.ActorID != itoa(adminM.ID) {
				t.Fatalf("entry of another actor: %+v", en)
			}
		}
		if got := find(url.Values{"actor": {"nobody-has-this-name"}}); len(got) != 0 {
			t.Fatalf("unknown actor: %+v", got)
		}
	})
	t.Run("Action", func(t *testing.T) {
		got := find(url.Values{"action": {"POST /api/v1/admin/departments"}})
		if len(got) != 1 || got[0].ActorID != itoa(superM.ID) {
			t.Fatalf("entries: %+v", got)
		}
	})
	t.Run("Object", func(t *testing.T) {
		got := find(url.Values{"target_kind": {"staff"}, "target_id": {target.ID}})
		if len(got) != 1 || got[0].Action != "POST /api/v1/admin/staff/:id/disable" {
			t.Fatalf("entries: %+v", got)
		}
	})
	t.Run("Time", func(t *testing.T) {
		now := time.Now()
		if got := find(url.Values{"since": {now.Add(-time.Hour).Format(time.RFC3339)}, "until": {now.Add(time.Hour).Format(time.RFC3339)}}); len(got) != 3 {
			t.Fatalf("entries within the hour: %+v, want 3", got)
		}
		if got := find(url.Values{"since": {now.Add(time.Hour).Format(time.RFC3339)}}); len(got) != 0 {
			t.Fatalf("entries from the future: %+v", got)
		}
		if got := find(url.Values{"until": {now.Add(-time.Hour).Format(time.RFC3339)}}); len(got) != 0 {
			t.Fatalf("entries before the test: %+v", got)
		}
	})
	t.Run("ErrBadFilter", func(t *testing.T) {
		wantError(t, e.do("GET", "/api/v1/admin/audit-log?actor_id=x", auditor, nil), http.StatusBadRequest, "invalid_argument", "actor_id")
		wantError(t, e.do("GET", "/api/v1/admin/audit-log?until=tomorrow", auditor, nil), http.StatusBadRequest, "invalid_argument", "until")
	})
}
