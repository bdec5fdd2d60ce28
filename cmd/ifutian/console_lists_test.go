package main

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestConsoleListAddressAndAuditChanges: a list's filter and page are in
// the address, so a reload on page 2 of a filtered list keeps both; the
// department's auditor opens the audit log filtered by the address and
// reads a rule update's entry by the rule's name, with what changed
// (积分：1 → 5) and the list's total.
func TestConsoleListAddressAndAuditChanges(t *testing.T) {
	tb := newTab(t, 1400, 900)
	s := startConsoleServer(t)
	dept := s.department("区文明办")
	officer := s.staff("points.list", dept, "points_officer")
	s.staff("auditor.list", dept, "auditor")
	for i := range 22 { // 22 rules the filter matches: two pages of 20
		s.call("POST", "/api/v1/admin/points/rules", officer, map[string]any{"code": fmt.Sprintf("e2e_list_%02d", i), "name": fmt.Sprintf("筛选规则%02d", i), "points": 1}, http.StatusCreated)
	}
	for i := range 3 { // and 3 it does not
		s.call("POST", "/api/v1/admin/points/rules", officer, map[string]any{"code": fmt.Sprintf("e2e_other_%d", i), "name": fmt.Sprintf("其他规则%d", i), "points": 1}, http.StatusCreated)
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
	tb.signIn(s.base, "points.list", staffPassword, "/points/rules")
	tb.run("filter the rules",
		rowCount(20),
		settled(`[data-test=rules]`),
		chromedp.SendKeys(css(`[data-test=rules-q] input, input[data-test=rules-q]`), "筛选"),
		chromedp.Click(css(`[data-test=rules-search]`)),
		waitJS(`new URLSearchParams(location.search).get('q') === '筛选'`),
		settled(`[data-test=rules]`),
		rowCount(20),
	)
	tb.run("page 2 of the filtered list",
		chromedp.Click(css(`[data-test=next-page]`)),
		waitText(`[data-test=page-number]`, "第 2 页"),
		waitJS(`new URLSearchParams(location.search).get('page') === '2' && new URLSearchParams(location.search).get('q') === '筛选'`),
		rowCount(2),
	)
	second := rows()
	tb.run("reload on page 2",
		chromedp.Reload(),
		waitText(`[data-test=page-number]`, "第 2 页"),
		rowCount(2),
		waitJS(`document.querySelector('[data-test=rules-q] input, input[data-test=rules-q]').value === '筛选'`),
	)
	if got := rows(); got != second {
		t.Fatalf("after a reload on page 2 of the filtered list the rules are %q, want %q", got, second)
	}
	tb.signOut()

	rules := items(s.call("GET", "/api/v1/admin/points/rules?q=e2e_list_00", officer, nil, http.StatusOK))
	if len(rules) != 1 {
		t.Fatalf("rules: %v", rules)
	}
	s.call("PATCH", "/api/v1/admin/points/rules/"+rules[0]["id"].(string), officer, map[string]any{"points": 5, "name": "筛选规则（修订）"}, http.StatusOK)
	tb.signIn(s.base, "auditor.list", staffPassword, "/audit?action=%E4%BF%AE%E6%94%B9%E7%A7%AF%E5%88%86%E8%A7%84%E5%88%99")
	tb.run("the update's entry, before → after",
		waitJS(`document.querySelector('[data-test=audit-action] input, input[data-test=audit-action]').value === '修改积分规则'`),
		waitText(`[data-test=audit]`, "筛选规则（修订）"),
		waitText(`[data-test=audit-changes]`, "积分：1 → 5"),
		waitText(`[data-test=audit-changes]`, "名称：筛选规则00 → 筛选规则（修订）"),
		waitText(`[data-test=total]`, "共 1 条"),
	)
}

// TestConsoleNoticeSurveyTotals: the notices and surveys lists show their
// totals, and for a member limited to 华富街道 they count only what the
// member sees: not the notice reaching 莲花街道 too, nor the survey
// reaching 莲花街道 alone.
func TestConsoleNoticeSurveyTotals(t *testing.T) {
	tb := newTab(t, 1400, 900)
	s := startConsoleServer(t)
	dept := s.department("区文明办")
	editor := s.staff("totals.editor", dept, "editor")
	s.call("POST", "/api/v1/admin/staff", s.admin, map[string]any{
		"username": "totals.huafu", "password": staffPassword, "department_id": dept, "roles": []string{"editor"}, "streets": []string{"华富街道"},
	}, http.StatusCreated)
	for i, streets := range [][]string{{"华富街道"}, {"华富街道"}, {"华富街道", "莲花街道"}} {
		s.call("POST", "/api/v1/admin/notices", editor, map[string]any{"title": fmt.Sprintf("华富通知%d", i), "body": "正文", "category": "policy",
			"audience": map[string]any{"streets": streets}}, http.StatusCreated)
	}
	for i, streets := range [][]string{{"华富街道"}, {}, {"莲花街道"}} {
		s.call("POST", "/api/v1/admin/surveys", editor, map[string]any{"kind": "questionnaire", "title": fmt.Sprintf("华富问卷%d", i),
			"audience": map[string]any{"streets": streets}, "questions": []any{map[string]any{"type": "judge", "stem": "满意吗？"}}}, http.StatusCreated)
	}
	tb.signIn(s.base, "totals.editor", staffPassword, "/notices")
	tb.run("the department's totals",
		waitText(`[data-test=total]`, "共 3 条"),
		chromedp.Navigate(s.base+"/console/surveys"),
		waitText(`[data-test=total]`, "共 3 条"),
	)
	tb.signOut()
	tb.signIn(s.base, "totals.huafu", staffPassword, "/notices")
	tb.run("华富街道's totals",
		waitText(`[data-test=total]`, "共 2 条"),
		chromedp.Navigate(s.base+"/console/surveys"),
		waitText(`[data-test=total]`, "共 2 条"),
	)
}
