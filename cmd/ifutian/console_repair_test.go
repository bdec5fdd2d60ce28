package main

import (
	"fmt"
	"io/fs"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/futian/ifutian/console"
)

// builtWith reports whether the embedded console build contains marker
// (a data-test name of a screen): a build older than its sources lacks it.
func builtWith(marker string) bool {
	found := false
	_ = fs.WalkDir(console.Files(), "assets", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".js") || found {
			return nil
		}
		b, err := fs.ReadFile(console.Files(), path)
		if err == nil && strings.Contains(string(b), marker) {
			found = true
		}
		return nil
	})
	return found
}

// TestConsoleRepairCourse (issue 29): a points officer creates a deduction
// rule with a repair course (学法修复) in the console, picking the quiz's tag
// from the bank's tags; the rule is stored with its course and listed as
// repairable.
func TestConsoleRepairCourse(t *testing.T) {
	if !builtWith("kind-deduct") {
		t.Skip("console/dist predates the repair course screen: rebuild it (npm run build) after regenerating openapi.json")
	}
	tb := newTab(t, 1280, 900)
	s := startConsoleServer(t)
	dept := s.department("区城管局")
	officer := s.staff("points.repair", dept, "points_officer")
	editor := s.staff("editor.repair", dept, "editor")
	qs := make([]any, 3)
	for i := range qs {
		qs[i] = map[string]any{"type": "judge", "stem": fmt.Sprintf("交通安全题 %d", i), "answer": []string{"对"}, "tags": []string{"道路交通安全法"}}
	}
	s.call("POST", "/api/v1/admin/questions", editor, qs, http.StatusCreated)

	tb.signIn(s.base, "points.repair", staffPassword, "/points/rules")
	tb.run("define a deduction rule with a repair course",
		chromedp.Click(css(`[data-test=new-rule]`)),
		chromedp.WaitVisible(css(`.el-dialog [data-test=rule-kind]`)),
		chromedp.SendKeys(css(`.el-dialog input[placeholder^="小写字母开头"]`), "e2e_parking"),
		chromedp.SendKeys(css(`.el-dialog [data-test=rule-name] input, .el-dialog input[data-test=rule-name]`), "违规停车"),
		chromedp.Click(css(`[data-test=kind-deduct]`)),
		chromedp.WaitVisible(css(`[data-test=repairable]`)),
		chromedp.Click(css(`[data-test=repairable]`)),
		chromedp.WaitVisible(css(`[data-test=repair-tag]`)),
		chromedp.Click(css(`[data-test=repair-tag]`)),
		waitJS(`[...document.querySelectorAll('.el-select-dropdown__item')].some(o => o.innerText.includes('道路交通安全法（3 题）'))`),
		chromedp.Evaluate[chromedp.Void](`[...document.querySelectorAll('.el-select-dropdown__item')].find(o => o.innerText.includes('道路交通安全法（3 题）') && o.offsetParent).click()`),
		waitText(`[data-test=repair-tag]`, "道路交通安全法"),
		chromedp.SetValue(css(`[data-test=repair-share] input`), ""),
		chromedp.SendKeys(css(`[data-test=repair-share] input`), "60"),
		chromedp.SetValue(css(`[data-test=repair-questions] input`), ""),
		chromedp.SendKeys(css(`[data-test=repair-questions] input`), "3"),
		chromedp.Click(css(`.el-dialog [data-test=rule-name] input, .el-dialog input[data-test=rule-name]`)), // blurs the numbers
		chromedp.Click(css(`[data-test=save-rule]`)),
		chromedp.WaitVisible(css(`[data-test=repairable-e2e_parking]`)),
	)
	var rule map[string]any
	for _, r := range items(s.call("GET", "/api/v1/admin/points/rules", officer, nil, http.StatusOK)) {
		if r["code"] == "e2e_parking" {
			rule = r
		}
	}
	if rule == nil || rule["kind"] != "deduct" {
		t.Fatalf("rule: %v", rule)
	}
	rp := rule["repair"].(map[string]any)
	if rp["repairable"] != true || rp["tag"] != "道路交通安全法" || fmt.Sprint(rp["share_percent"]) != "60" || fmt.Sprint(rp["questions"]) != "3" {
		t.Fatalf("repair course: %v", rp)
	}
}
