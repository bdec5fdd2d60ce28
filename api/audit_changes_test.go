package api

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/futian/ifutian/staff"
)

// TestAuditChanges: an update's entry names its object and shows what
// changed, before → after, with the fields in Chinese; the export has the
// 变更 column; contact details are never recorded.
func TestAuditChanges(t *testing.T) {
	e := newEnv(t)
	officer, _ := e.staffer([]staff.Role{staff.PointsOfficer})
	admin, _ := e.staffer([]staff.Role{staff.DeptAdmin})
	district := e.districtAuditor()
	rec := e.do("POST", "/api/v1/admin/points/rules", officer, map[string]any{"code": "tidy_street", "name": "清洁街道", "points": 5})
	wantStatus(t, rec, http.StatusCreated)
	var rule struct{ ID string }
	decode(t, rec, &rule)
	wantStatus(t, e.do("PATCH", "/api/v1/admin/points/rules/"+rule.ID, officer, map[string]any{"name": "清洁街道（每次）", "points": 8}), http.StatusOK)

	type change struct{ Field, Label, Before, After string }
	type entry struct {
		TargetName string `json:"target_name"`
		Changes    []change
	}
	list := func(action string) []entry {
		t.Helper()
		rec := e.do("GET", "/api/v1/admin/audit-log?action="+url.QueryEscape(action), district, nil)
		wantStatus(t, rec, http.StatusOK)
		var p struct{ Items []entry }
		decode(t, rec, &p)
		return p.Items
	}
	t.Run("RuleUpdate", func(t *testing.T) {
		got := list("修改积分规则")
		if len(got) != 1 || got[0].TargetName != "积分规则 "+rule.ID+"「清洁街道（每次）」" {
			t.Fatalf("entry: %+v", got)
		}
		want := map[string]change{
			"name":   {"name", "名称", "清洁街道", "清洁街道（每次）"},
			"points": {"points", fieldLabels["points"], "5", "8"},
		}
		if len(got[0].Changes) != len(want) {
			t.Fatalf("changes: %+v", got[0].Changes)
		}
		for _, c := range got[0].Changes {
			if want[c.Field] != c {
				t.Errorf("change %+v, want %+v", c, want[c.Field])
			}
		}
		if created := list("新建积分规则"); len(created) != 1 || len(created[0].Changes) != 0 || !strings.Contains(created[0].TargetName, "「清洁街道（每次）」") {
			t.Fatalf("create: %+v", created)
		}
	})
	t.Run("StaffRoles", func(t *testing.T) {
		rec := e.do("POST", "/api/v1/admin/staff", admin, map[string]any{"username": "changes.one", "password": "password-123", "department_id": itoa(e.dept), "roles": []string{"editor"}})
		wantStatus(t, rec, http.StatusCreated)
		var m struct{ ID string }
		decode(t, rec, &m)
		wantStatus(t, e.do("PATCH", "/api/v1/admin/staff/"+m.ID, admin, map[string]any{"roles": []string{"editor", "reviewer"}}), http.StatusOK)
		got := list("修改工作人员角色或街道")
		if len(got) != 1 || got[0].TargetName != "工作人员 "+m.ID+"「changes.one」" || len(got[0].Changes) != 1 ||
			got[0].Changes[0].Field != "roles" || got[0].Changes[0].Before != `["editor"]` || got[0].Changes[0].After != `["editor","reviewer"]` {
			t.Fatalf("entry: %+v", got)
		}
	})
	t.Run("Totals", func(t *testing.T) {
		var p struct {
			Items []map[string]any
			Total *int64
		}
		rec := e.do("GET", "/api/v1/admin/staff?page_size=1", admin, nil)
		wantStatus(t, rec, http.StatusOK)
		decode(t, rec, &p)
		all := e.do("GET", "/api/v1/admin/staff?page_size=100", admin, nil)
		var q struct{ Items []map[string]any }
		decode(t, all, &q)
		if p.Total == nil || *p.Total != int64(len(q.Items)) || len(q.Items) < 2 {
			t.Fatalf("staff total %v, listed %d", p.Total, len(q.Items))
		}
		rec = e.do("GET", "/api/v1/admin/audit-log?page_size=1&action="+url.QueryEscape("修改"), district, nil)
		wantStatus(t, rec, http.StatusOK)
		decode(t, rec, &p)
		if p.Total == nil || *p.Total != 2 || len(p.Items) != 1 {
			t.Fatalf("audit total %v, items %d", p.Total, len(p.Items))
		}
	})
	t.Run("Export", func(t *testing.T) {
		rec := e.do("GET", "/api/v1/admin/audit-log/export?action="+url.QueryEscape("修改积分规则"), district, nil)
		wantStatus(t, rec, http.StatusOK)
		rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(rec.Body.String(), "\ufeff"))).ReadAll()
		if err != nil || len(rows) != 2 || rows[0][5] != "变更" || !strings.Contains(rows[1][5], "名称：清洁街道 → 清洁街道（每次）") ||
			!strings.Contains(rows[1][4], "清洁街道（每次）") {
			t.Fatalf("export: %v %q", err, rows)
		}
	})
}

// TestDiff: the fields that changed, bookkeeping left out, contact details
// masked, values cut.
func TestDiff(t *testing.T) {
	type obj struct {
		Name      string   `json:"name"`
		Phone     string   `json:"contact_phone"`
		Tags      []string `json:"tags"`
		UpdatedAt string   `json:"updated_at"`
		Note      *string  `json:"note"`
	}
	long := strings.Repeat("长", 300)
	cs := staff.Diff(obj{Name: "a", Phone: "13800000000", Tags: []string{"x"}, UpdatedAt: "1"},
		obj{Name: "b", Phone: "13900000000", Tags: []string{"x"}, UpdatedAt: "2", Note: &long})
	if len(cs) != 3 || cs[0].Field != "contact_phone" || strings.Contains(cs[0].Before+cs[0].After, "138") ||
		cs[1] != (staff.AuditChange{Field: "name", Before: "a", After: "b"}) || cs[2].Field != "note" || cs[2].Before != "" ||
		len([]rune(cs[2].After)) != 120 {
		t.Fatalf("diff: %+v", cs)
	}
}
