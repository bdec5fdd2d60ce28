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

// TestEnterpriseExportsAndTotals: the enterprise registry and the credit
// records list with their totals and export as CSV and XLSX with Chinese
// headers, exactly what the list's filters and scope select (another
// street's enterprises, another department's records never), each export
// audited; a role without the permission is refused.
func TestEnterpriseExportsAndTotals(t *testing.T) {
	e := newEnv(t)
	officer := e.officer()
	lianhuaOfficer := e.officer("莲花街道")
	otherDept := e.otherDepartment()
	otherOfficer, _ := e.stafferIn(&otherDept, []staff.Role{staff.CreditOfficer})
	huafu := e.registerEnterprise(officer, 1, "软件")
	wantStatus(t, e.do("POST", "/api/v1/admin/enterprises", officer, map[string]string{
		"uscc": code(2), "name": "=莲花测试企业有限公司", "industry": "零售", "street": "莲花街道",
	}), http.StatusCreated)
	lianhua := code(2)
	e.credit(officer, huafu, "penalty", "general")
	e.credit(officer, lianhua, "arrears", "minor")
	e.credit(otherOfficer, huafu, "honor", "minor")
	editor, _ := e.staffer([]staff.Role{staff.Editor})

	readCSV := func(t *testing.T, path, tok string) [][]string {
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
		return rows
	}
	total := func(t *testing.T, path, tok string) (int64, int) {
		t.Helper()
		rec := e.do("GET", path, tok, nil)
		wantStatus(t, rec, http.StatusOK)
		var p struct {
			Items       []map[string]any
			Total       *int64
			TotalCapped bool `json:"total_capped"`
		}
		decode(t, rec, &p)
		if p.Total == nil || p.TotalCapped {
			t.Fatalf("%s: no total: %s", path, rec.Body.String())
		}
		return *p.Total, len(p.Items)
	}

	t.Run("Totals", func(t *testing.T) {
		if n, items := total(t, "/api/v1/admin/enterprises?page_size=1", officer); n != 2 || items != 1 {
			t.Fatalf("enterprises: total %d, %d items", n, items)
		}
		if n, _ := total(t, "/api/v1/admin/enterprises", lianhuaOfficer); n != 1 {
			t.Fatalf("莲花 officer's enterprises: total %d", n)
		}
		if n, _ := total(t, "/api/v1/admin/credit-records", officer); n != 2 {
			t.Fatalf("credit records: total %d", n)
		}
		if n, _ := total(t, "/api/v1/admin/credit-records?kind=arrears", officer); n != 1 {
			t.Fatalf("credit records of a kind: total %d", n)
		}
	})
	t.Run("EnterprisesCSV", func(t *testing.T) {
		rows := readCSV(t, "/api/v1/admin/enterprises/export", officer)
		if len(rows) != 3 || strings.Join(rows[0], ",") != strings.Join(enterpriseHeaders, ",") {
			t.Fatalf("export: %q", rows)
		}
		if rows[1][0] != lianhua || rows[1][1] != "'=莲花测试企业有限公司" || rows[1][3] != "莲花街道" || rows[2][0] != huafu {
			t.Fatalf("rows (newest first, formulas defused): %q", rows)
		}
		if rows := readCSV(t, "/api/v1/admin/enterprises/export?industry="+url.QueryEscape("软件"), officer); len(rows) != 2 || rows[1][0] != huafu {
			t.Fatalf("filtered export: %q", rows)
		}
	})
	t.Run("EnterprisesOutOfScope", func(t *testing.T) {
		rows := readCSV(t, "/api/v1/admin/enterprises/export", lianhuaOfficer)
		if len(rows) != 2 || rows[1][0] != lianhua {
			t.Fatalf("莲花 officer exports another street's: %q", rows)
		}
		if rows := readCSV(t, "/api/v1/admin/enterprises/export?street="+url.QueryEscape("华富街道"), lianhuaOfficer); len(rows) != 1 {
			t.Fatalf("莲花 officer exports 华富 by filter: %q", rows)
		}
	})
	t.Run("CreditRecordsCSV", func(t *testing.T) {
		rows := readCSV(t, "/api/v1/admin/credit-records/export", officer)
		if len(rows) != 3 || strings.Join(rows[0], ",") != strings.Join(creditRecordHeaders, ",") {
			t.Fatalf("export: %q", rows)
		}
		if rows[1][0] != lianhua || rows[1][2] != "欠缴款项" || rows[1][3] != "轻微" || rows[2][0] != huafu || rows[2][2] != "行政处罚" ||
			rows[2][8] == "" || rows[2][10] != "" {
			t.Fatalf("rows: %q", rows)
		}
	})
	t.Run("CreditRecordsOutOfScope", func(t *testing.T) {
		// Another department's records of the same enterprise stay out;
		// a street-scoped member sees only their street's.
		rows := readCSV(t, "/api/v1/admin/credit-records/export", otherOfficer)
		if len(rows) != 2 || rows[1][2] != "表彰荣誉" {
			t.Fatalf("other department's export: %q", rows)
		}
		rows = readCSV(t, "/api/v1/admin/credit-records/export", lianhuaOfficer)
		if len(rows) != 2 || rows[1][0] != lianhua {
			t.Fatalf("莲花 officer's export: %q", rows)
		}
		if rows := readCSV(t, "/api/v1/admin/credit-records/export?department_id="+itoa(otherDept), officer); len(rows) != 1 {
			t.Fatalf("another department's records by filter: %q", rows)
		}
	})
	t.Run("XLSX", func(t *testing.T) {
		for path, header := range map[string]string{"/api/v1/admin/enterprises/export?format=xlsx": "企业名称", "/api/v1/admin/credit-records/export?format=xlsx": "企业名称"} {
			rec := e.do("GET", path, officer, nil)
			wantStatus(t, rec, http.StatusOK)
			f, err := excelize.OpenReader(bytes.NewReader(rec.Body.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			rows, _ := f.GetRows(f.GetSheetName(0))
			if len(rows) != 3 || rows[0][1] != header {
				t.Fatalf("%s: %q", path, rows)
			}
		}
	})
	t.Run("Audited", func(t *testing.T) {
		auditor := e.districtAuditor()
		for action, name := range map[string]string{"GET /api/v1/admin/enterprises/export": "导出企业名录", "GET /api/v1/admin/credit-records/export": "导出信用记录"} {
			rec := e.do("GET", "/api/v1/admin/audit-log?"+url.Values{"action": {action}}.Encode(), auditor, nil)
			wantStatus(t, rec, http.StatusOK)
			var p struct{ Items []auditViewOut }
			decode(t, rec, &p)
			if len(p.Items) == 0 || p.Items[0].ActionName != name {
				t.Fatalf("%s not audited: %+v", action, p.Items)
			}
		}
	})
	t.Run("ErrBadInput", func(t *testing.T) {
		wantError(t, e.do("GET", "/api/v1/admin/enterprises/export?format=pdf", officer, nil), http.StatusBadRequest, "invalid_argument", "format")
		wantError(t, e.do("GET", "/api/v1/admin/enterprises/export?grade=Z", officer, nil), http.StatusBadRequest, "invalid_argument", "grade")
		wantError(t, e.do("GET", "/api/v1/admin/credit-records/export?kind=x", officer, nil), http.StatusBadRequest, "invalid_argument", "kind")
	})
	t.Run("ErrForbidden", func(t *testing.T) {
		wantStatus(t, e.do("GET", "/api/v1/admin/enterprises/export", editor, nil), http.StatusForbidden)
		wantStatus(t, e.do("GET", "/api/v1/admin/credit-records/export", editor, nil), http.StatusForbidden)
	})
}
