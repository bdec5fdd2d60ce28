package main

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/futian/ifutian/enterprises"
)

// TestConsoleQuizFromBank: a new quiz built from bank questions is saved
// though the editor's empty starting question is left as it is (it is not
// sent); an error the API names is shown by where it is on the form
// (第 1 题 · 正确答案), not by its JSON path. Regression: the empty
// placeholder failed the save with a raw "questions[0].answer: 必填; …".
func TestConsoleQuizFromBank(t *testing.T) {
	tb := newTab(t, 1280, 900)
	s := startConsoleServer(t)
	dept := s.department("区司法局")
	editor := s.staff("editor.bank", dept, "editor")
	s.call("POST", "/api/v1/admin/questions", editor, []map[string]any{
		{"type": "judge", "stem": "合同可以口头订立。", "answer": []string{"对"}},
		{"type": "judge", "stem": "八周岁的儿童是完全民事行为能力人。", "answer": []string{"错"}},
	}, http.StatusCreated)

	tb.signIn(s.base, "editor.bank", staffPassword, "/surveys/new")
	tb.run("a question without its answer is named by its place on the form",
		chromedp.Click(css(`[data-test=kind-quiz]`)),
		chromedp.SendKeys(css(`[data-test=survey-title]`), "民法典小测验"),
		chromedp.SendKeys(css(`[data-test=entry-0] [data-test=question-stem]`), "成年人是指十八周岁以上的自然人。"),
		chromedp.Click(css(`[data-test=create-survey]`)),
		waitText(`.el-message--error`, "第 1 题 · 正确答案"),
		waitJS(`!document.querySelector('.el-message--error').innerText.includes('questions[')`),
	)
	tb.run("build from the bank, the empty question left as it is",
		chromedp.Click(css(`[data-test=entry-0] .entry-head .el-button--danger`)),
		chromedp.Click(css(`[data-test=add-question]`)),
		chromedp.Click(css(`[data-test=pick-questions]`)),
		waitJS(`document.querySelectorAll('.el-dialog .el-table__body .el-checkbox').length === 2`),
		settled(`.el-dialog`),
		chromedp.Click(css(`.el-dialog .el-table__body tr:nth-child(1) .el-checkbox`)),
		chromedp.Click(css(`.el-dialog .el-table__body tr:nth-child(2) .el-checkbox`)),
		chromedp.Click(css(`[data-test=add-picked]`)),
		waitJS(`!!document.querySelector('[data-test=entry-2]')`),
		// The dialog's overlay fades out over the page before it goes.
		waitJS(`[...document.querySelectorAll('.el-overlay')].every(o => o.style.display === 'none')`),
		chromedp.Click(css(`[data-test=create-survey]`)),
		waitJS(`/^\/console\/surveys\/\d+$/.test(location.pathname)`),
	)
	url, err := chromedp.Run(tb.ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	id := regexp.MustCompile(`(\d+)$`).FindString(url)
	sv := s.call("GET", "/api/v1/admin/surveys/"+id, editor, nil, http.StatusOK)
	if qs, _ := sv["questions"].([]any); sv["kind"] != "quiz" || len(qs) != 2 {
		t.Fatalf("the quiz saved: kind %v, %d questions, want a quiz of the 2 bank questions", sv["kind"], len(qs))
	}
}

// TestConsoleObjectionDecision: an objection is decided in a dialog that
// asks for the reason the objector will read and to confirm; without a
// reason nothing is decided; the objector reads the reason in their
// enterprise view.
func TestConsoleObjectionDecision(t *testing.T) {
	tb := newTab(t, 1280, 900)
	s := startConsoleServer(t)
	dept := s.department("区市场监管局")
	officer := s.staff("credit.yang", dept, "credit_officer")
	uscc := enterprises.CompleteUSCC("91440304MA5E2E009")
	s.call("POST", "/api/v1/admin/enterprises", officer, map[string]string{"uscc": uscc, "name": "深圳市园岭示范有限公司", "industry": "软件", "street": "华富街道"}, http.StatusCreated)
	member, _ := s.resident("objector")
	b := s.call("POST", "/api/v1/enterprises/bindings", member, map[string]string{"uscc": uscc, "role": "legal_rep"}, http.StatusCreated)
	s.call("POST", "/api/v1/admin/enterprise-bindings/"+b["id"].(string)+"/decide", officer, map[string]any{"approve": true}, http.StatusOK)
	rec := s.call("POST", "/api/v1/admin/credit-records", officer, map[string]string{"uscc": uscc, "kind": "arrears", "severity": "general",
		"occurred_at": time.Now().Add(-time.Hour).Format(time.RFC3339), "case_ref": "深福监罚〔2026〕9号"}, http.StatusCreated)
	o := s.call("POST", "/api/v1/enterprises/"+uscc+"/objections", member, map[string]string{"factor_id": rec["id"].(string), "reason": "欠款已于次日缴清"}, http.StatusCreated)

	tb.signIn(s.base, "credit.yang", staffPassword, "/enterprises/objections")
	tb.run("no decision without a reason",
		waitText(`.el-table`, "欠款已于次日缴清"),
		settled(`.page`),
		chromedp.Click(css(`[data-test=objection-reject]`)),
		chromedp.WaitVisible(css(`[data-test=decide-reason]`)),
		chromedp.Click(css(`[data-test=decide-confirm]`)),
		waitText(`[data-test=decide-dialog] .el-form-item__error`, "请填写处理理由"),
	)
	if got := s.call("GET", "/api/v1/enterprises/"+uscc, member, nil, http.StatusOK)["objections"].([]any)[0].(map[string]any)["status"]; got != "pending" {
		t.Fatalf("objection after confirming without a reason: %v, want pending", got)
	}
	tb.run("decide with a reason",
		chromedp.SendKeys(css(`[data-test=decide-reason]`), "缴款凭证日期晚于处罚决定，记录维持。"),
		chromedp.Click(css(`[data-test=decide-confirm]`)),
		waitJS(`!document.querySelector('[data-test=objection-reject]')`),
	)
	mine := s.call("GET", "/api/v1/enterprises/"+uscc, member, nil, http.StatusOK)["objections"].([]any)
	got := mine[0].(map[string]any)
	if got["id"] != o["id"] || got["status"] != "rejected" || got["decision_reason"] != "缴款凭证日期晚于处罚决定，记录维持。" {
		t.Fatalf("the objector's view: %v", got)
	}
	// The inbox lists a title and summary; a notice's own read has its body.
	inbox := s.call("GET", "/api/v1/notices", member, nil, http.StatusOK)
	for _, n := range items(inbox) {
		read := s.call("GET", "/api/v1/notices/"+n["id"].(string), member, nil, http.StatusOK)
		if text := fmt.Sprint(n["title"], n["summary"], read["body"]); strings.Contains(text, "缴款凭证") {
			t.Fatalf("a notice quotes the officer's reason: %v", read)
		}
	}
}

// TestConsoleNoticeTemplatePicker: the compose screen offers the account's
// subscribe-message templates (GET /admin/wechat/templates, here the fake
// WeChat's) with their keyword fields instead of a typed ID, and refuses to
// save the WeChat channel without a template (which went out as inbox only).
func TestConsoleNoticeTemplatePicker(t *testing.T) {
	tb := newTab(t, 1280, 900)
	s := startConsoleServer(t)
	dept := s.department("区应急管理局")
	editor := s.staff("editor.tpl", dept, "editor")

	tb.signIn(s.base, "editor.tpl", staffPassword, "/notices/new")
	tb.run("WeChat on without a template is refused",
		chromedp.SendKeys(css(`[data-test=title]`), "暴雨黄色预警"),
		chromedp.SendKeys(css(`[data-test=body]`), "请减少外出。"),
		chromedp.Click(css(`[data-test=channel-wechat]`)),
		chromedp.WaitVisible(css(`[data-test=template-select]`)),
		chromedp.Click(css(`[data-test=save-draft]`)),
		waitText(`.el-message--error`, "模板"),
	)
	if its := items(s.call("GET", "/api/v1/admin/notices", editor, nil, http.StatusOK)); len(its) != 0 {
		t.Fatalf("a notice saved with WeChat on and no template: %v", its)
	}
	tb.run("pick a template and fill its keywords",
		chromedp.Click(css(`[data-test=template-select]`)),
		waitJS(`[...document.querySelectorAll('.el-select-dropdown__item')].some(e => e.offsetParent !== null && e.innerText.includes('预警信息通知'))`),
		chromedp.Evaluate[chromedp.Void](`[...document.querySelectorAll('.el-select-dropdown__item')].find(e => e.offsetParent !== null && e.innerText.includes('预警信息通知')).click()`),
		chromedp.WaitVisible(css(`[data-test=keyword-time2]`)),
		waitText(`[data-test=template-content]`, "预警内容"),
		waitJS(`document.querySelector('[data-test=keyword-thing1]').value === '暴雨黄色预警'`),
		chromedp.SendKeys(css(`[data-test=keyword-time2]`), "2026年12月8日 09:00"),
		chromedp.Click(css(`[data-test=save-draft]`)),
		waitJS(`/^\/console\/notices\/\d+$/.test(location.pathname)`),
	)
	its := items(s.call("GET", "/api/v1/admin/notices", editor, nil, http.StatusOK))
	if len(its) != 1 {
		t.Fatalf("notices: %v", its)
	}
	n := s.call("GET", "/api/v1/admin/notices/"+its[0]["id"].(string), editor, nil, http.StatusOK)["notice"].(map[string]any)
	sub, _ := n["subscribe"].(map[string]any)
	if sub == nil || sub["template_id"] != "DEMO_WARNING" {
		t.Fatalf("subscribe: %v, want template DEMO_WARNING", n["subscribe"])
	}
	data, _ := sub["data"].(map[string]any)
	value := func(k string) string {
		switch v := data[k].(type) {
		case string:
			return v
		case map[string]any:
			s, _ := v["value"].(string)
			return s
		}
		return ""
	}
	if value("thing1") != "暴雨黄色预警" || value("time2") != "2026年12月8日 09:00" {
		t.Fatalf("subscribe data: %v", data)
	}
}
