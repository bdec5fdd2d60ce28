package api

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/futian/ifutian/staff"
)

// TestEveryAuditedRouteHasAnAction walks the server's route table: every
// admin route (and every other audited one) has its action in Chinese, and
// no name is left for a route that went.
func TestEveryAuditedRouteHasAnAction(t *testing.T) {
	e := newEnv(t)
	routes := map[string]bool{}
	for _, r := range e.srv.Routes() {
		key := r.Method + " " + r.Path
		if strings.HasPrefix(r.Path, "/api/v1/admin/") || key == "POST /api/v1/auth/change-password" {
			routes[key] = true
		}
	}
	for key := range e.srv.policy {
		if _, ok := auditActions[key]; !ok {
			t.Errorf("route %s has no Chinese action in auditActions (api/audit_actions.go)", key)
		}
	}
	for key := range auditActions {
		if !routes[key] {
			t.Errorf("auditActions names %s, which is not a route", key)
		}
	}
	for key := range routes {
		if _, own := e.srv.policy[key]; !own {
			continue // every staff member's own reads (me, dashboard): not audited
		}
		kind, _ := auditTarget(strings.SplitN(key, " ", 2)[1], nil)
		if _, ok := auditKinds[kind]; !ok {
			t.Errorf("route %s: object kind %q has no Chinese name in auditKinds", key, kind)
		}
	}
}

type auditViewOut struct {
	Actor        string  `json:"actor"`
	Action       string  `json:"action"`
	ActionName   string  `json:"action_name"`
	TargetName   string  `json:"target_name"`
	DepartmentID *string `json:"department_id"`
	Department   string  `json:"department"`
}

// TestAuditLogReadable: the entries in Chinese with the member's
// department, filtered by department and by a Chinese action; the export
// as CSV and XLSX with Chinese headers, itself audited; a department's
// auditor reads and exports nothing of another department.
func TestAuditLogReadable(t *testing.T) {
	e := newEnv(t)
	admin, adminM := e.staffer([]staff.Role{staff.DeptAdmin})
	other := e.otherDepartment()
	otherAdmin, otherM := e.stafferIn(&other, []staff.Role{staff.DeptAdmin})
	wantStatus(t, e.do("POST", "/api/v1/admin/staff", admin, map[string]any{"username": "readable.one", "password": "password-123", "department_id": itoa(e.dept), "roles": []string{"editor"}}), http.StatusCreated)
	wantStatus(t, e.do("POST", "/api/v1/admin/staff", otherAdmin, map[string]any{"username": "readable.two", "password": "password-123", "department_id": itoa(other), "roles": []string{"editor"}}), http.StatusCreated)
	district := e.districtAuditor()
	deptAuditor, _ := e.staffer([]staff.Role{staff.Auditor})
	editor, _ := e.staffer([]staff.Role{staff.Editor})

	list := func(tok string, q url.Values) []auditViewOut {
		t.Helper()
		rec := e.do("GET", "/api/v1/admin/audit-log?"+q.Encode(), tok, nil)
		wantStatus(t, rec, http.StatusOK)
		var p struct{ Items []auditViewOut }
		decode(t, rec, &p)
		return p.Items
	}
	t.Run("Chinese", func(t *testing.T) {
		got := list(district, url.Values{"actor_id": {itoa(adminM.ID)}})
		if len(got) != 1 || got[0].ActionName != "新建工作人员" || !strings.HasPrefix(got[0].TargetName, "工作人员") ||
			got[0].DepartmentID == nil || *got[0].DepartmentID != itoa(e.dept) || got[0].Department == "" {
			t.Fatalf("entry: %+v", got)
		}
	})
	t.Run("Filters", func(t *testing.T) {
		got := list(district, url.Values{"department_id": {itoa(other)}})
		if len(got) != 1 || got[0].Actor != otherM.Username {
			t.Fatalf("department filter: %+v", got)
		}
		if got := list(district, url.Values{"action": {"新建工作人员"}}); len(got) != 2 {
			t.Fatalf("action by name: %+v", got)
		}
		wantError(t, e.do("GET", "/api/v1/admin/audit-log?action=不存在的操作", district, nil), http.StatusBadRequest, "invalid_argument", "action")
		wantError(t, e.do("GET", "/api/v1/admin/audit-log?department_id=x", district, nil), http.StatusBadRequest, "invalid_argument", "department_id")
	})
	t.Run("OutOfScope", func(t *testing.T) {
		if got := list(deptAuditor, url.Values{"department_id": {itoa(other)}}); len(got) != 0 {
			t.Fatalf("a department's auditor reads another department's entries: %+v", got)
		}
		rec := e.do("GET", "/api/v1/admin/audit-log/export?department_id="+itoa(other), deptAuditor, nil)
		wantStatus(t, rec, http.StatusOK)
		rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(rec.Body.String(), "\ufeff"))).ReadAll()
		if err != nil || len(rows) != 1 {
			t.Fatalf("export of another department: %v %q", err, rows)
		}
	})
	t.Run("ExportCSV", func(t *testing.T) {
		rec := e.do("GET", "/api/v1/admin/audit-log/export?action="+url.QueryEscape("新建工作人员"), district, nil)
		wantStatus(t, rec, http.StatusOK)
		rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(rec.Body.String(), "\ufeff"))).ReadAll()
		if err != nil || len(rows) != 3 || rows[0][0] != "时间" || rows[0][3] != "操作" || rows[1][3] != "新建工作人员" {
			t.Fatalf("export: %v %q", err, rows)
		}
		got := list(district, url.Values{"action": {"GET /api/v1/admin/audit-log/export"}})
		if len(got) == 0 || got[0].ActionName != "导出审计日志" {
			t.Fatalf("the export is not audited: %+v", got)
		}
	})
	t.Run("ExportXLSX", func(t *testing.T) {
		rec := e.do("GET", "/api/v1/admin/audit-log/export?format=xlsx", district, nil)
		wantStatus(t, rec, http.StatusOK)
		f, err := excelize.OpenReader(bytes.NewReader(rec.Body.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := f.GetRows(f.GetSheetName(0))
		if len(rows) < 2 || rows[0][1] != "工作人员" {
			t.Fatalf("xlsx: %q", rows)
		}
	})
	t.Run("ErrBadFormat", func(t *testing.T) {
		wantError(t, e.do("GET", "/api/v1/admin/audit-log/export?format=pdf", district, nil), http.StatusBadRequest, "invalid_argument", "format")
	})
	t.Run("ErrForbidden", func(t *testing.T) {
		wantStatus(t, e.do("GET", "/api/v1/admin/audit-log/export", editor, nil), http.StatusForbidden)
		wantStatus(t, e.do("GET", "/api/v1/admin/audit-log?action=x", editor, nil), http.StatusForbidden)
	})
}
