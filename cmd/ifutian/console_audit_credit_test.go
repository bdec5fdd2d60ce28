package main

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/futian/ifutian/enterprises"
)

// TestConsoleCreditImportAndAudit: a credit officer imports a 双公示 batch
// with a bad line (the report names the line and its column); the
// department's auditor finds the import in the audit log by its Chinese
// action, with the department, and exports the filtered entries (the
// export is itself in the log).
func TestConsoleCreditImportAndAudit(t *testing.T) {
	tb := newTab(t, 1400, 900)
	s := startConsoleServer(t)
	dept := s.department("区市场监管局")
	officer := s.staff("credit.sun", dept, "credit_officer")
	auditor := s.staff("audit.zhou", dept, "auditor")
	uscc := enterprises.CompleteUSCC("91440304MA5E2E301")
	s.call("POST", "/api/v1/admin/enterprises", officer, map[string]string{"uscc": uscc, "name": "深圳市双公示示范有限公司", "industry": "软件", "street": "华富街道"}, http.StatusCreated)
	csv := "uscc,kind,severity,occurred_at,expires_at,case_ref,note\n" +
		uscc + ",penalty,minor,2026-01-05,,（2026）深福罚字第9号,\n" +
		uscc + ",nonsense,minor,2026-01-05,,,\n"
	file := filepath.Join(t.TempDir(), "credit.csv")
	if err := os.WriteFile(file, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	tb.signIn(s.base, "credit.sun", staffPassword, "/enterprises/credit")
	tb.run("import credit records",
		chromedp.SetUploadFiles(css(`[data-test=import-drop] input[type=file]`), []string{file}),
		waitClickable(`[data-test=import]`),
		chromedp.Click(css(`[data-test=import]`)),
		waitText(`[data-test=import-report]`, "成功导入 1 条，1 行未导入"),
		waitText(`[data-test=import-errors]`, "类型："),
		waitJS(`[...document.querySelectorAll('[data-test=import-errors] tbody tr')].map(r => r.cells[0].innerText.trim()).join() === '3'`),
	)
	tb.signOut()

	tb.signIn(s.base, "audit.zhou", staffPassword, "/audit")
	tb.run("filter by action",
		chromedp.SendKeys(css(`[data-test=audit-action] input, input[data-test=audit-action]`), "导入信用"),
		chromedp.Click(css(`[data-test=audit-search]`)),
		waitText(`[data-test=audit]`, "导入信用记录"),
		waitText(`[data-test=audit]`, "区市场监管局"),
		waitJS(`![...document.querySelectorAll('[data-test=audit] tbody tr')].some(r => r.innerText.includes('新建企业'))`),
	)
	tb.run("export",
		waitClickable(`[data-test=audit-export-csv]`),
		chromedp.Click(css(`[data-test=audit-export-csv]`)),
	)
	found := false
	for range 50 {
		out := s.call("GET", "/api/v1/admin/audit-log?action="+url.QueryEscape("导出审计日志"), auditor, nil, http.StatusOK)
		if len(items(out)) > 0 {
			found = true
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !found {
		t.Fatal("the export is not in the audit log")
	}
}
