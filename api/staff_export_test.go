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

// TestStaffExport: a dept_admin exports the members their list shows, with
// Chinese headers, roles by their Chinese names and the department by
// name, narrowed by the list's filters; a dept_admin limited to a street
// does not export a member of another street, nor one of another
// department; the export is audited; a bad format or filter is 400
// naming it; a role without staff.manage is refused.
func TestStaffExport(t *testing.T) {
	e := newEnv(t)
	d := e.otherDepartment()
	admin, _ := e.stafferIn(&d, []staff.Role{staff.DeptAdmin})
	adminHuafu, _ := e.stafferIn(&d, []staff.Role{staff.DeptAdmin}, "华富街道")
	_, huafu := e.stafferIn(&d, []staff.Role{staff.Editor, staff.Reviewer}, "华富街道")
	_, lianhua := e.stafferIn(&d, []staff.Role{staff.PointsOfficer}, "莲花街道")
	_, elsewhere := e.staffer([]staff.Role{staff.Editor}) // another department
	editor, plain := e.stafferIn(&d, []staff.Role{staff.Editor})

	export := func(t *testing.T, path, tok string) map[string][]string {
		t.Helper()
		rec := e.do("GET", path, tok, nil)
		wantStatus(t, rec, http.StatusOK)
		if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") ||
			!strings.Contains(rec.Header().Get("Content-Disposition"), "attachment") {
			t.Fatalf("headers: %v", rec.Header())
		}
		rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(rec.Body.String(), "\ufeff"))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) == 0 || strings.Join(rows[0], ",") != "用户名,部门,角色,负责街道,状态,创建时间" {
			t.Fatalf("headers: %q", rows)
		}
		byName := map[string][]string{}
		for _, r := range rows[1:] {
			byName[r[0]] = r
		}
		return byName
	}

	t.Run("CSV", func(t *testing.T) {
		rows := export(t, "/api/v1/admin/staff/export", admin)
		r, ok := rows[huafu.Username]
		if !ok || !strings.HasPrefix(r[1], "其他部门") || r[2] != "编辑、审核员" || r[3] != "华富街道" || r[4] != "在用" || r[5] == "" {
			t.Fatalf("the 华富 editor's row: %q", r)
		}
		if r := rows[plain.Username]; r[2] != "编辑" || r[3] != "全部街道" {
			t.Fatalf("the editor's row: %q", r)
		}
		if _, ok := rows[lianhua.Username]; !ok || len(rows) != 5 {
			t.Fatalf("the department's members: %q", rows)
		}
		if _, ok := rows[elsewhere.Username]; ok {
			t.Fatalf("another department's member exported: %q", rows)
		}
	})
	t.Run("Filtered", func(t *testing.T) {
		rows := export(t, "/api/v1/admin/staff/export?role=reviewer", admin)
		if _, ok := rows[huafu.Username]; !ok || len(rows) != 1 {
			t.Fatalf("reviewers: %q", rows)
		}
	})
	t.Run("OutOfScope", func(t *testing.T) {
		rows := export(t, "/api/v1/admin/staff/export", adminHuafu)
		if _, ok := rows[huafu.Username]; !ok {
			t.Fatalf("the 华富 admin's export misses the 华富 editor: %q", rows)
		}
		for _, m := range []*staff.Member{lianhua, elsewhere} {
			if _, ok := rows[m.Username]; ok {
				t.Fatalf("the 华富 admin exports %s: %q", m.Username, rows)
			}
		}
		if rows := export(t, "/api/v1/admin/staff/export?street="+url.QueryEscape("莲花街道"), adminHuafu); len(rows) != 0 {
			t.Fatalf("莲花 by filter: %q", rows)
		}
	})
	t.Run("XLSX", func(t *testing.T) {
		rec := e.do("GET", "/api/v1/admin/staff/export?format=xlsx&role=reviewer", admin, nil)
		wantStatus(t, rec, http.StatusOK)
		f, err := excelize.OpenReader(bytes.NewReader(rec.Body.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := f.GetRows(f.GetSheetName(0))
		if len(rows) != 2 || rows[0][2] != "角色" || rows[1][2] != "编辑、审核员" {
			t.Fatalf("xlsx: %q", rows)
		}
	})
	t.Run("Audited", func(t *testing.T) {
		rec := e.do("GET", "/api/v1/admin/audit-log?"+url.Values{"action": {"GET /api/v1/admin/staff/export"}}.Encode(), e.districtAuditor(), nil)
		wantStatus(t, rec, http.StatusOK)
		var p struct{ Items []auditViewOut }
		decode(t, rec, &p)
		if len(p.Items) == 0 || p.Items[0].ActionName != "导出工作人员名单" {
			t.Fatalf("the export is not audited: %+v", p.Items)
		}
	})
	t.Run("ErrBadInput", func(t *testing.T) {
		wantError(t, e.do("GET", "/api/v1/admin/staff/export?format=pdf", admin, nil), http.StatusBadRequest, "invalid_argument", "format")
		wantError(t, e.do("GET", "/api/v1/admin/staff/export?role=king", admin, nil), http.StatusBadRequest, "invalid_argument", "role")
	})
	t.Run("ErrForbidden", func(t *testing.T) {
		wantStatus(t, e.do("GET", "/api/v1/admin/staff/export", editor, nil), http.StatusForbidden)
	})
}
