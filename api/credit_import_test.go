package api

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/futian/ifutian/enterprises"
	"github.com/futian/ifutian/staff"
)

// TestCreditImport: a 双公示 batch imported line by line, the bad lines
// reported with their columns, nothing written for them; the template;
// a wrong header, a forbidden role and an enterprise outside the caller's
// streets.
func TestCreditImport(t *testing.T) {
	e := newEnv(t)
	officer := e.officer()
	a := e.registerEnterprise(officer, 801, "制造业")
	b := e.registerEnterprise(officer, 802, "软件")
	csv := "\ufeffuscc,kind,severity,occurred_at,expires_at,case_ref,note\n" +
		a + ",penalty,minor,2026-01-05,,（2026）深福罚字第1号,第一条\n" +
		b + ",penalty,serious,2026-01-05T09:00:00+08:00,,（2026）深福罚字第2号,\n" +
		a + ",penalty,minor,2026-01-06,,（2026）深福罚字第1号,与第 2 行同案\n" +
		a + ",nonsense,minor,2026-01-05,,,\n" +
		a + ",penalty,minor,yesterday,,,\n" +
		code(803) + ",penalty,minor,2026-01-05,,,未登记的企业\n" +
		"only,two\n"
	t.Run("OK", func(t *testing.T) {
		rec := e.do("POST", "/api/v1/admin/credit-records/import", officer, csv, "Content-Type", "text/csv")
		wantStatus(t, rec, http.StatusOK)
		var got enterprises.ImportResult
		decode(t, rec, &got)
		lines := []string{}
		for _, le := range got.Errors {
			for f := range le.Fields {
				lines = append(lines, fmt.Sprintf("%d:%s", le.Line, f))
			}
			if len(le.Fields) == 0 {
				lines = append(lines, fmt.Sprintf("%d", le.Line))
			}
		}
		if got.Imported != 2 || strings.Join(lines, " ") != "4:case_ref 5:kind 6:occurred_at 7:uscc 8" {
			t.Fatalf("import=%+v (%v), want 2 imported, errors 4:case_ref 5:kind 6:occurred_at 7:uscc 8", got, lines)
		}
		if n := e.count("credit_records"); n != 2 {
			t.Fatalf("credit_records=%d, want 2", n)
		}
		if es := e.auditEntries("POST /api/v1/admin/credit-records/import"); len(es) != 1 || !strings.Contains(es[0].Detail, "2 imported") {
			t.Fatalf("audit: %+v", es)
		}
	})
	t.Run("OKMultipartRepeat", func(t *testing.T) {
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		fw, _ := w.CreateFormFile("file", "c.csv")
		fw.Write([]byte(csv))
		w.Close()
		rec := e.do("POST", "/api/v1/admin/credit-records/import", officer, buf.Bytes(), "Content-Type", w.FormDataContentType())
		wantStatus(t, rec, http.StatusOK)
		var got enterprises.ImportResult
		decode(t, rec, &got)
		if got.Imported != 0 || e.count("credit_records") != 2 {
			t.Fatalf("repeat import=%+v, want the recorded cases unchanged", got)
		}
	})
	t.Run("Template", func(t *testing.T) {
		rec := e.do("GET", "/api/v1/admin/credit-records/import-template", officer, nil)
		wantStatus(t, rec, http.StatusOK)
		if !strings.HasPrefix(strings.TrimPrefix(rec.Body.String(), "\ufeff"), "uscc,kind,severity,occurred_at,expires_at,case_ref,note\n") {
			t.Fatalf("template: %q", rec.Body.String())
		}
		manager, _ := e.staffer([]staff.Role{staff.DeptAdmin})
		rec = e.do("GET", "/api/v1/admin/enterprises/import-template", manager, nil)
		wantStatus(t, rec, http.StatusOK)
		if !strings.Contains(rec.Body.String(), "uscc,name,industry,street") {
			t.Fatalf("template: %q", rec.Body.String())
		}
	})
	t.Run("ErrHeader", func(t *testing.T) {
		wantError(t, e.do("POST", "/api/v1/admin/credit-records/import", officer, "uscc,kind\n"+a+",penalty\n", "Content-Type", "text/csv"),
			http.StatusBadRequest, "invalid_argument", "file")
	})
	t.Run("ErrForbidden", func(t *testing.T) {
		editor, _ := e.staffer([]staff.Role{staff.Editor})
		wantStatus(t, e.do("POST", "/api/v1/admin/credit-records/import", editor, csv, "Content-Type", "text/csv"), http.StatusForbidden)
		wantStatus(t, e.do("GET", "/api/v1/admin/credit-records/import-template", editor, nil), http.StatusForbidden)
		if n := e.count("credit_records"); n != 2 {
			t.Fatalf("credit_records=%d after refusals", n)
		}
	})
	t.Run("OutOfScope", func(t *testing.T) {
		lianhua := e.officer("莲花街道")
		rec := e.do("POST", "/api/v1/admin/credit-records/import", lianhua,
			"uscc,kind,severity,occurred_at,expires_at,case_ref,note\n"+a+",penalty,minor,2026-01-05,,另一案,\n", "Content-Type", "text/csv")
		wantStatus(t, rec, http.StatusOK)
		var got enterprises.ImportResult
		decode(t, rec, &got)
		if got.Imported != 0 || len(got.Errors) != 1 || got.Errors[0].Fields["uscc"] == "" {
			t.Fatalf("import for another street=%+v", got)
		}
	})
}
