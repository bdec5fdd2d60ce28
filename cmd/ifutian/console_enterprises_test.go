package main

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/futian/ifutian/enterprises"
)

// TestConsoleEnterprise: a credit officer finds an enterprise in the
// registry by part of its name, opens it (rating, history chart), records a
// penalty from there and sees the grade change, on the record's answer and
// on the enterprise's page; the bound member is told, through the API.
func TestConsoleEnterprise(t *testing.T) {
	tb := newTab(t, 1280, 900)
	s := startConsoleServer(t)
	dept := s.department("区市场监管局")
	officer := s.staff("credit.qian", dept, "credit_officer")
	uscc := enterprises.CompleteUSCC("91440304MA5E2E001")
	other := enterprises.CompleteUSCC("91440304MA5E2E002")
	s.call("POST", "/api/v1/admin/enterprises", officer, map[string]string{"uscc": uscc, "name": "深圳市华富示范科技有限公司", "industry": "软件", "street": "华富街道"}, http.StatusCreated)
	s.call("POST", "/api/v1/admin/enterprises", officer, map[string]string{"uscc": other, "name": "深圳市莲花餐饮有限公司", "industry": "餐饮", "street": "莲花街道"}, http.StatusCreated)
	member, _ := s.resident("alice")
	b := s.call("POST", "/api/v1/enterprises/bindings", member, map[string]string{"uscc": uscc, "role": "legal_rep"}, http.StatusCreated)
	s.call("POST", "/api/v1/admin/enterprise-bindings/"+b["id"].(string)+"/decide", officer, map[string]any{"approve": true}, http.StatusOK)

	tb.signIn(s.base, "credit.qian", staffPassword, "/enterprises")
	tb.run("search",
		waitText(`[data-test=enterprises]`, "莲花餐饮"),
		chromedp.SendKeys(css(`[data-test=enterprise-q] input, input[data-test=enterprise-q]`), "华富示范"),
		chromedp.Click(css(`[data-test=enterprise-search]`)),
		waitJS(`(() => { const t = document.querySelector('[data-test=enterprises]')?.innerText ?? ''; return t.includes('华富示范') && !t.includes('莲花餐饮') })()`),
	)
	tb.run("open the enterprise",
		waitClickable(`[data-test=enterprise-`+uscc+`]`), // once the table's loading mask has faded
		chromedp.Click(css(`[data-test=enterprise-`+uscc+`]`)),
		waitText(`[data-test=enterprise-name]`, "深圳市华富示范科技有限公司"),
		waitText(`[data-test=enterprise-grade]`, "B 级"),
		waitText(`[data-test=enterprise-score]`, "85"),
		waitJS(`document.querySelectorAll('[data-test=history-chart] canvas').length >= 1`),
	)
	occurred := time.Now().Add(-48 * time.Hour).UTC().Format("2006-01-02 15:04:05")
	tb.run("record a penalty",
		waitClickable(`[data-test=record-credit]`),
		chromedp.Click(css(`[data-test=record-credit]`)),
		waitJS(`location.pathname === '/console/enterprises/credit' && (document.querySelector('[data-test=credit-uscc] input, input[data-test=credit-uscc]')?.value ?? '') === '`+uscc+`'`),
		chromedp.SendKeys(css(`[data-test=credit-case] input, input[data-test=credit-case]`), "深福市监罚〔2026〕321号"),
		// A typed time is taken when the field loses focus (Enter would submit the form).
		chromedp.SendKeys(css(`[data-test=credit-occurred] input`), occurred),
		chromedp.Click(css(`.page h2`)),
		waitJS(`(document.querySelector('[data-test=credit-occurred] input')?.value ?? '') === '`+occurred+`'`),
		waitClickable(`[data-test=credit-save]`),
		chromedp.Click(css(`[data-test=credit-save]`)),
		// Penalty, general: 85 − 15 = 70, grade C.
		waitText(`[data-test=credit-result]`, "C 级"),
	)
	tb.run("the grade changed",
		waitClickable(`[data-test=credit-result-link]`),
		chromedp.Click(css(`[data-test=credit-result-link]`)),
		waitText(`[data-test=enterprise-grade]`, "C 级"),
		waitText(`[data-test=enterprise-score]`, "70"),
		waitText(`[data-test=factors]`, "深福市监罚〔2026〕321号"),
		waitText(`[data-test=history]`, "新增信用记录"),
		waitJS(`document.querySelectorAll('[data-test=history-chart] canvas').length >= 1`),
	)
	inbox := s.call("GET", "/api/v1/notices", member, nil, http.StatusOK)
	titles := map[string]bool{}
	for _, it := range items(inbox) {
		titles[it["title"].(string)] = true
	}
	// Fixed texts: the enterprise is named by its code in the body, not by its name.
	if !titles["信用记录：您的企业新增一条行政处罚记录"] || !titles["信用评价：您的企业由 B 级变为 C 级"] {
		t.Fatalf("the member's inbox: %v", titles)
	}
}

// waitClickable waits until a click at the middle of the element sel
// reaches it (no loading mask or overlay above it).
func waitClickable(sel string) chromedp.Action[chromedp.Void] {
	return waitJS(fmt.Sprintf(`(() => {
		const e = document.querySelector(%q)
		if (!e) return false
		const r = e.getBoundingClientRect()
		const top = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2)
		return !!top && (top === e || e.contains(top))
	})()`, sel))
}

// TestConsoleEnterpriseImport: an import's report lists every line that
// was not imported, with its reason column by column.
func TestConsoleEnterpriseImport(t *testing.T) {
	tb := newTab(t, 1280, 900)
	s := startConsoleServer(t)
	dept := s.department("区发展改革局")
	s.staff("credit.zheng", dept, "credit_officer")
	csv := "uscc,name,industry,street\n" +
		enterprises.CompleteUSCC("91440304MA5E2E101") + ",导入一号有限公司,软件,华富街道\n" +
		"91440304MA5E2E1020,坏代码公司,软件,华富街道\n" +
		enterprises.CompleteUSCC("91440304MA5E2E103") + ",\"引号未闭合,软件,华富街道\n" +
		enterprises.CompleteUSCC("91440304MA5E2E104") + ",导入四号有限公司,软件,火星街道\n" +
		enterprises.CompleteUSCC("91440304MA5E2E105") + ",导入五号有限公司,软件,莲花街道\n"
	file := filepath.Join(t.TempDir(), "enterprises.csv")
	if err := os.WriteFile(file, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	tb.signIn(s.base, "credit.zheng", staffPassword, "/enterprises/new")
	tb.run("import",
		chromedp.SetUploadFiles(css(`[data-test=import-drop] input[type=file]`), []string{file}),
		waitClickable(`[data-test=import]`),
		chromedp.Click(css(`[data-test=import]`)),
		waitText(`[data-test=import-report]`, "成功导入 2 家，3 行未导入"),
		waitText(`[data-test=import-errors]`, "信用代码："),    // line 3: the code, by its column
		waitText(`[data-test=import-errors]`, "CSV 格式错误"), // line 4
		waitText(`[data-test=import-errors]`, "街道：未知街道"),  // line 5
		waitJS(`[...document.querySelectorAll('[data-test=import-errors] tbody tr')].map(r => r.cells[0].innerText.trim()).join() === '3,4,5'`),
	)
}
