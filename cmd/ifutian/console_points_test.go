package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestConsolePoints: a points officer finds a resident by phone number and
// awards points; decides the resident's appeal from the queue; takes stock
// from a reward; a verifier at the venue verifies the resident's voucher on
// the 375 px page; the rules list's page 2 survives a reload; an auditor,
// who may not award points, sees no award menu entry nor button, even at
// the screen's address.
func TestConsolePoints(t *testing.T) {
	tb := newTab(t, 1280, 900)
	s := startConsoleServer(t)
	dept := s.department("区城管局")
	officer := s.staff("points.qian", dept, "points_officer")
	s.staff("venue.zhou", dept, "verifier")
	s.staff("auditor.wu", dept, "auditor")
	resident, _ := s.resident("carol")
	s.call("POST", "/api/v1/me/phone", resident, map[string]any{"code": "mock-phone:13812345678"}, http.StatusOK)
	s.call("POST", "/api/v1/admin/points/rules", officer, map[string]any{"code": "e2e_clean", "name": "社区清扫", "points": 50}, http.StatusCreated)
	reward := s.call("POST", "/api/v1/admin/rewards", officer, map[string]any{"name": "公园门票", "points": 30, "stock": 5}, http.StatusCreated)

	tb.signIn(s.base, "points.qian", staffPassword, "/points/award")
	tb.run("find by phone and award",
		chromedp.SendKeys(css(`[data-test=phone]`), "138 1234 5678"),
		chromedp.Click(css(`[data-test=find]`)),
		waitText(`[data-test=resident-card]`, "138****5678"),
		chromedp.Click(css(`[data-test=rule-code]`)),
		chromedp.SendKeys(css(`[data-test=rule-code] input`), "e2e_clean\r"),
		chromedp.Click(css(`[data-test=award]`)),
		waitText(`[data-test=award-result]`, "50"),
	)
	if acc := s.call("GET", "/api/v1/points/account", resident, nil, http.StatusOK); fmt.Sprint(acc["balance"]) != "50" {
		t.Fatalf("balance after the award: %v, want 50", acc)
	}

	tb.run("a deduction asks to confirm; cancelling deducts nothing",
		chromedp.Navigate(s.base+"/console/points/deduct"),
		chromedp.Click(css(`[data-test=new-deduction]`)),
		chromedp.WaitVisible(css(`.el-dialog [data-test=phone]`)),
		chromedp.SendKeys(css(`.el-dialog [data-test=phone]`), "13812345678"),
		chromedp.Click(css(`.el-dialog [data-test=find]`)),
		chromedp.WaitVisible(css(`.el-dialog [data-test=case-ref]`)),
		chromedp.SendKeys(css(`.el-dialog [data-test=case-ref]`), "福田城管罚〔2026〕7号"),
		chromedp.SendKeys(css(`.el-dialog [data-test=reason]`), "占道经营"),
		chromedp.Click(css(`[data-test=deduct]`)),
		chromedp.WaitVisible(css(`.el-message-box__btns`)),
		waitText(`.el-message-box`, "10 积分"),
		chromedp.Click(css(`.el-message-box__btns .el-button:not(.el-button--primary)`)),
		waitJS(`!document.querySelector('.el-message-box')`),
	)
	if its := items(s.call("GET", "/api/v1/admin/points/deductions", officer, nil, http.StatusOK)); len(its) != 0 {
		t.Fatalf("deductions after cancelling the confirmation: %v", its)
	}
	tb.run("confirm the deduction",
		chromedp.Click(css(`[data-test=deduct]`)),
		chromedp.WaitVisible(css(`.el-message-box__btns .el-button--primary`)),
		chromedp.Click(css(`.el-message-box__btns .el-button--primary`)),
		waitText(`[data-test=deductions]`, "福田城管罚〔2026〕7号"),
	)
	deductions := items(s.call("GET", "/api/v1/admin/points/deductions", officer, nil, http.StatusOK))
	if len(deductions) != 1 {
		t.Fatalf("deductions: %v", deductions)
	}
	d := deductions[0]
	ap := s.call("POST", "/api/v1/points/appeals", resident, map[string]any{"transaction_id": d["id"], "reason": "当天不在现场"}, http.StatusCreated)
	tb.run("decide the appeal",
		chromedp.Navigate(s.base+"/console/points/appeals"),
		waitText(`[data-test=appeals]`, "福田城管罚〔2026〕7号"),
		settled(`[data-test=appeals]`),
		chromedp.Click(css(`[data-test=decide-`+ap["id"].(string)+`]`)),
		chromedp.WaitVisible(css(`[data-test=note]`)),
		chromedp.SendKeys(css(`[data-test=note]`), "经核实当天不在现场"),
		chromedp.Click(css(`[data-test=approve]`)),
		// A decision the resident is told of asks to confirm; cancelling decides nothing.
		chromedp.WaitVisible(css(`.el-message-box__btns`)),
		chromedp.Click(css(`.el-message-box__btns .el-button:not(.el-button--primary)`)),
		waitJS(`!document.querySelector('.el-message-box')`), // gone once it has faded out
	)
	if its := items(s.call("GET", "/api/v1/points/appeals", resident, nil, http.StatusOK)); len(its) != 1 || its[0]["status"] != "pending" {
		t.Fatalf("the appeal after cancelling the confirmation: %v", its)
	}
	tb.run("confirm the decision",
		chromedp.Click(css(`[data-test=approve]`)),
		chromedp.WaitVisible(css(`.el-message-box__btns .el-button--primary`)),
		chromedp.Click(css(`.el-message-box__btns .el-button--primary`)),
		waitJS(`!document.querySelector('[data-test=decide-`+ap["id"].(string)+`]')`),
	)
	mine := s.call("GET", "/api/v1/points/appeals", resident, nil, http.StatusOK)
	if its := items(mine); len(its) != 1 || its[0]["status"] != "approved" || its[0]["note"] != "经核实当天不在现场" {
		t.Fatalf("the resident's appeals after the decision: %v", mine)
	}

	red := s.call("POST", "/api/v1/rewards/"+reward["id"].(string)+"/redeem", resident, nil, http.StatusCreated, "Idempotency-Key", "e2e-points-1")
	code := red["redemption"].(map[string]any)["voucher_code"].(string)
	tb.run("take stock from the reward",
		chromedp.Navigate(s.base+"/console/points/rewards"),
		waitText(`[data-test=rewards]`, "公园门票"),
		settled(`[data-test=rewards]`),
		chromedp.Click(css(`[data-test=stock-`+reward["id"].(string)+`]`)),
		chromedp.WaitVisible(css(`[data-test=stock-delta]`)),
		chromedp.SetValue(css(`[data-test=stock-delta] input, input[data-test=stock-delta]`), ""),
		chromedp.SendKeys(css(`[data-test=stock-delta] input, input[data-test=stock-delta]`), "-3"),
		chromedp.Click(css(`[data-test=stock-save]`)),
		waitJS(`[...document.querySelectorAll('[data-test=rewards] .el-table__row')].some(r => r.innerText.includes('公园门票') && r.innerText.includes('1 / 0'))`),
		// The dialog's overlay fades out over the page before it goes.
		waitJS(`[...document.querySelectorAll('.el-overlay')].every(o => o.style.display === 'none')`),
	)
	if its := items(s.call("GET", "/api/v1/admin/rewards", officer, nil, http.StatusOK)); len(its) != 1 || fmt.Sprint(its[0]["stock"]) != "1" {
		t.Fatalf("rewards after taking 3 of 4: %v", its)
	}

	// A list's page is in the address: a reload on page 2 stays on page 2.
	for i := range 21 { // 22 rules: two pages of 20
		s.call("POST", "/api/v1/admin/points/rules", officer, map[string]any{"code": fmt.Sprintf("e2e_page_%02d", i), "name": fmt.Sprintf("分页规则%02d", i), "points": 1}, http.StatusCreated)
	}
	rows := func() string {
		t.Helper()
		got, err := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('[data-test=rules] .el-table__body .el-table__row')].map(r => r.innerText).join('|')`))
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	rowCount := func(n int) chromedp.Action[chromedp.Void] {
		return waitJS(fmt.Sprintf(`document.querySelectorAll('[data-test=rules] .el-table__body .el-table__row').length === %d`, n))
	}
	tb.run("the rules, page 1",
		chromedp.Navigate(s.base+"/console/points/rules"),
		rowCount(20),
		settled(`[data-test=rules]`),
	)
	firstPage := rows()
	tb.run("page 2",
		chromedp.Click(css(`[data-test=next-page]`)),
		waitText(`[data-test=page-number]`, "第 2 页"),
		waitJS(`new URLSearchParams(location.search).get('page') === '2' && !!new URLSearchParams(location.search).get('cursor')`),
		rowCount(2),
	)
	secondPage := rows()
	tb.run("reload on page 2", chromedp.Reload(), waitText(`[data-test=page-number]`, "第 2 页"), rowCount(2))
	if reloaded := rows(); reloaded != secondPage || secondPage == firstPage {
		t.Fatalf("after a reload on page 2 the rules are %q, want page 2's %q (page 1: %q)", reloaded, secondPage, firstPage)
	}
	tb.run("back to page 1",
		chromedp.Click(css(`[data-test=prev-page]`)),
		waitText(`[data-test=page-number]`, "第 1 页"),
		waitJS(`!new URLSearchParams(location.search).has('page')`),
		waitJS(`document.querySelectorAll('[data-test=rules] .el-table__body .el-table__row').length === 20`),
	)
	tb.signOut()

	tb.run("phone size", chromedp.EmulateViewport(375, 812, chromedp.EmulateMobile))
	tb.signIn(s.base, "venue.zhou", staffPassword, "/")
	tb.run("verify at the venue",
		waitJS(`location.pathname === '/console/verify'`),
		chromedp.SendKeys(css(`[data-test=voucher-code]`), strings.ToLower(code)),
		chromedp.Click(css(`[data-test=verify]`)),
		waitText(`[data-test=verified]`, "核销成功"),
		waitText(`[data-test=verified]`, "公园门票"),
		waitJS(`document.documentElement.scrollWidth <= window.innerWidth`),
	)
	tb.run("sign out at the venue", chromedp.Click(css(`.verify header button`)), chromedp.WaitVisible(css(`[data-test=login]`)))

	tb.run("desk size", chromedp.EmulateViewport(1280, 900))
	absent := func(sel string) string { return `!document.querySelector('` + sel + `')` }
	tb.signIn(s.base, "auditor.wu", staffPassword, "/")
	tb.run("no award for an auditor",
		chromedp.WaitVisible(css(`[data-test=who]`)),
		waitJS(absent(`[data-test="menu-/points/award"]`)+` && `+absent(`[data-test=award]`)),
		chromedp.Navigate(s.base+"/console/points/award"),
		waitJS(`location.pathname === '/console/' && `+absent(`[data-test=award]`)+` && `+absent(`[data-test=phone]`)),
	)
}

// settled waits until the table sel shows no loading mask: while the mask
// fades out it lies over the rows and takes their clicks.
func settled(sel string) chromedp.Action[chromedp.Void] {
	return waitJS(`!document.querySelector('` + sel + ` .el-loading-mask')`)
}
