package api

import (
	"net/http"
	"testing"

	"github.com/futian/ifutian/staff"
)

// TestMyRequestsHistoryAndStatus: a resident's request history names the
// departments of a transfer (not their IDs alone), and the list narrows to
// open or closed requests.
func TestMyRequestsHistoryAndStatus(t *testing.T) {
	e := newEnv(t)
	x, y := e.dept, e.otherDepartment()
	var xName, yName string
	e.db.Table("departments").Where("id = ?", x).Pluck("name", &xName)
	e.db.Table("departments").Where("id = ?", y).Pluck("name", &yName)
	e.routeTo("noise", x)
	res, _ := e.resident("req-mine")
	other, _ := e.resident("req-mine-other")
	moved := e.submitRequest(res, "noise", "华富街道", nil)
	done := e.submitRequest(res, "noise", "华富街道", nil)
	ox, _ := e.requestOfficer(x)
	a := e.act(ox, moved.ID, "accept", map[string]any{"version": moved.Version}, http.StatusOK)
	e.act(ox, moved.ID, "transfer", map[string]any{"version": a.Version, "department_id": itoa(y), "reason": "属另一部门职责"}, http.StatusOK)
	a = e.act(ox, done.ID, "accept", map[string]any{"version": done.Version}, http.StatusOK)
	e.act(ox, done.ID, "answer", map[string]any{"version": a.Version, "answer": "已处理"}, http.StatusOK)

	t.Run("HistoryNamesDepartments", func(t *testing.T) {
		rec := e.do("GET", "/api/v1/requests/"+itoa(moved.ID), res, nil)
		wantStatus(t, rec, http.StatusOK)
		var v struct {
			History []struct {
				Action             string `json:"action"`
				FromDepartmentID   string `json:"from_department_id"`
				FromDepartmentName string `json:"from_department_name"`
				ToDepartmentID     string `json:"to_department_id"`
				ToDepartmentName   string `json:"to_department_name"`
			}
		}
		decode(t, rec, &v)
		var found bool
		for _, h := range v.History {
			switch h.Action {
			case "submitted":
				if h.ToDepartmentName != xName {
					t.Fatalf("submitted to %q, want %q: %s", h.ToDepartmentName, xName, rec.Body.String())
				}
			case "transferred":
				found = true
				if h.FromDepartmentID != itoa(x) || h.FromDepartmentName != xName || h.ToDepartmentID != itoa(y) || h.ToDepartmentName != yName {
					t.Fatalf("transfer=%+v, want %s → %s", h, xName, yName)
				}
			}
		}
		if !found {
			t.Fatalf("no transfer in %s", rec.Body.String())
		}
	})
	list := func(token, query string) []string {
		t.Helper()
		rec := e.do("GET", "/api/v1/requests"+query, token, nil)
		wantStatus(t, rec, http.StatusOK)
		var l struct{ Items []idBody }
		decode(t, rec, &l)
		ids := []string{}
		for _, it := range l.Items {
			ids = append(ids, it.ID)
		}
		return ids
	}
	t.Run("Status", func(t *testing.T) {
		if got := list(res, "?status=open"); len(got) != 1 || got[0] != itoa(moved.ID) {
			t.Fatalf("open=%v, want [%d]", got, moved.ID)
		}
		if got := list(res, "?status=closed"); len(got) != 1 || got[0] != itoa(done.ID) {
			t.Fatalf("closed=%v, want [%d]", got, done.ID)
		}
		if got := list(res, ""); len(got) != 2 {
			t.Fatalf("all=%v", got)
		}
	})
	t.Run("ErrStatus", func(t *testing.T) {
		wantError(t, e.do("GET", "/api/v1/requests?status=answered", res, nil), http.StatusBadRequest, "invalid_argument", "status")
	})
	t.Run("OtherResidentSeesNone", func(t *testing.T) {
		if got := list(other, "?status=open"); len(got) != 0 {
			t.Fatalf("another resident sees %v", got)
		}
		wantError(t, e.do("GET", "/api/v1/requests/"+itoa(moved.ID), other, nil), http.StatusNotFound, "not_found", "")
		tok, _ := e.staffer([]staff.Role{staff.Superadmin})
		wantStatus(t, e.do("GET", "/api/v1/requests?status=open", tok, nil), http.StatusForbidden)
	})
}
