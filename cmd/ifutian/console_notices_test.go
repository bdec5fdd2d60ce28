package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// inDistrictTime makes the tab's clock read Futian's time, as department
// staff's computers do, so that times typed in pickers are district times.
func (tb *tab) inDistrictTime() {
	tb.t.Helper()
	if _, err := chromedp.Call(tb.ctx, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: "Asia/Shanghai"}); err != nil {
		tb.t.Fatalf("set the time zone: %v", err)
	}
}

// fill replaces the text of the input sel as typing would (Vue sees an
// input event).
func fill(sel, text string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => {
		const el = document.querySelector(%q)
		el.value = %q
		el.dispatchEvent(new Event('input', { bubbles: true }))
	})()`, sel, text))
}

// fieldError waits for the error shown under the form item of the input sel.
func fieldError(sel, want string) chromedp.Action[chromedp.Void] {
	return waitJS(fmt.Sprintf(`(document.querySelector(%q)?.closest('.el-form-item')?.querySelector('.el-form-item__error')?.innerText ?? '').includes(%q)`, sel, want))
}

// TestConsoleNoticeEditSchedule: an editor finds their draft with the
// list's filters, edits it (SMS is offered for a warning only), schedules
// it with the date-time picker, sees an API error beside the field it
// names, and submits it; the publish time is the one typed, in district
// time.
func TestConsoleNoticeEditSchedule(t *testing.T) {
	tb := newTab(t, 1280, 900)
	tb.inDistrictTime()
	s := startConsoleServer(t)
	dept := s.department("区应急管理局")
	editor := s.staff("editor.chen", dept, "editor")
	other := s.staff("editor.gao", dept, "editor", "reviewer")
	draft := s.call("POST", "/api/v1/admin/notices", editor, map[string]any{
		"title": "停电检修通知", "body": "周六上午园岭片区停电检修。", "category": "policy",
	}, http.StatusCreated)["id"].(string)
	theirs := s.call("POST", "/api/v1/admin/notices", other, map[string]any{
		"title": "停电应急物资发放", "body": "请到社区领取应急灯。", "category": "policy",
	}, http.StatusCreated)["id"].(string)
	absent := func(sel string) string { return `!document.querySelector('` + sel + `')` }
	const pickPublish, pickExpires = `[data-test=publish-at] input`, `[data-test=expires-at] input`
	row := func(id string) string { return `[data-test=edit-` + id + `]` }

	tb.signIn(s.base, "editor.chen", staffPassword, "/notices")
	tb.run("both drafts listed",
		chromedp.WaitVisible(css(row(draft))),
		chromedp.WaitVisible(css(row(theirs))),
	)
	tb.run("only mine, by a word",
		chromedp.Click(css(`[data-test=mine-filter]`)),
		fill(`input[data-test=q-filter]`, "检修"),
		chromedp.Click(css(`[data-test=search]`)),
		waitJS(absent(row(theirs))),
		chromedp.WaitVisible(css(row(draft))),
	)
	tb.run("the filters are in the address",
		waitJS(`new URLSearchParams(location.search).get('mine') === 'true' && new URLSearchParams(location.search).get('q') === '检修'`),
		chromedp.Reload(),
		chromedp.WaitVisible(css(row(draft))),
		waitJS(absent(row(theirs))+` && document.querySelector('input[data-test=q-filter]').value === '检修'`+
			` && document.querySelector('[data-test=mine-filter] input').checked`),
	)
	tb.run("open the editor",
		waitClickable(row(draft)),
		chromedp.Click(css(row(draft))),
		waitJS(`location.pathname === '/console/notices/`+draft+`/edit' && document.querySelector('[data-test=title]')?.value === '停电检修通知'`),
		// SMS is offered for warning and health notices only.
		waitJS(absent(`[data-test=channel-sms]`)),
		chromedp.Click(css(`[data-test=category] .el-radio-button:nth-child(4)`)), // 预警
		chromedp.WaitVisible(css(`[data-test=channel-sms]`)),
		chromedp.Click(css(`[data-test=channel-sms]`)),
		fill(`[data-test=title]`, "停电检修通知（更正）"),
	)
	tb.run("schedule, with an expiry before it",
		chromedp.Click(css(pickPublish)),
		chromedp.SendKeys(css(pickPublish), "2030-05-01 09:30:00\r"),
		chromedp.Click(css(pickExpires)),
		chromedp.SendKeys(css(pickExpires), "2030-04-01 09:30:00\r"),
		chromedp.Click(css(`[data-test=save-draft]`)),
		fieldError(pickExpires, "须晚于发布时间"),
	)
	tb.run("clear the expiry and save",
		fill(pickExpires, ""),
		chromedp.SendKeys(css(pickExpires), "\r"),
		waitJS(`document.querySelector('`+pickExpires+`').value === ''`),
		chromedp.Click(css(`[data-test=save-draft]`)),
		waitJS(`location.pathname === '/console/notices/`+draft+`'`),
		waitText(`[data-test=publish-at]`, "2030/5/1 09:30:00"),
		waitText(`[data-test=channels]`, "短信"),
		waitText(`[data-test=history]`, "编辑（editor.chen）"),
	)
	n := s.call("GET", "/api/v1/admin/notices/"+draft, editor, nil, http.StatusOK)["notice"].(map[string]any)
	if n["publish_at"] != "2030-05-01T09:30:00.000+08:00" || n["expires_at"] != nil || n["sms"] != true || n["category"] != "warning" || n["title"] != "停电检修通知（更正）" {
		t.Fatalf("the edited notice: %v", n)
	}
	tb.run("submit",
		chromedp.Click(css(`[data-test=submit]`)),
		waitText(`[data-test=notice-status]`, "待审核"),
		waitJS(absent(`[data-test=edit]`)),
	)
	s.call("POST", "/api/v1/admin/notices/"+theirs+"/submit", other, nil, http.StatusOK)
	tb.signOut()

	// editor.gao also reviews: their queue holds editor.chen's notice, not
	// their own, and a rejection needs a reason.
	tb.signIn(s.base, "editor.gao", staffPassword, "/notices/"+theirs)
	tb.run("no review of one's own",
		waitText(`[data-test=notice-status]`, "待审核"),
		chromedp.WaitVisible(css(`[data-test=own-notice]`)),
		waitJS(absent(`[data-test=approve]`)+` && `+absent(`[data-test=reject]`)),
	)
	tb.run("the review queue in the list",
		chromedp.Navigate(s.base+"/console/notices?view=review"),
		chromedp.WaitVisible(css(`[data-test=review-`+draft+`]`)),
		waitJS(absent(`[data-test=review-`+theirs+`]`)),
		waitClickable(`[data-test=review-`+draft+`]`),
		chromedp.Click(css(`[data-test=review-`+draft+`]`)),
		waitText(`[data-test=resident-view]`, "停电检修通知（更正）"),
		waitText(`[data-test=review-facts]`, "短信"),
		waitText(`[data-test=review-facts]`, "2030/5/1 09:30:00"),
	)
	tb.run("reject with a reason",
		chromedp.Click(css(`[data-test=reject-`+draft+`]`)),
		chromedp.WaitVisible(css(`[data-test=reject-reason]`)),
		waitJS(`document.querySelector('[data-test=reject-confirm]').disabled`),
		chromedp.SendKeys(css(`[data-test=reject-reason]`), "请写明停电的具体时段"),
		chromedp.Click(css(`[data-test=reject-confirm]`)),
		waitText(`[data-test=review-queue]`, "没有待审核的通知"),
		waitClickable(`[data-test=sign-out]`), // once the dialog's overlay has faded
	)
	tb.signOut()
	tb.signIn(s.base, "editor.chen", staffPassword, "/notices/"+draft+"/edit")
	tb.run("the author reads the reason where they edit",
		waitText(`.el-alert`, "请写明停电的具体时段"),
		chromedp.WaitVisible(css(`[data-test=save-submit]`)),
	)
}

// TestConsoleNoticeStats: a published warning notice's page shows its
// delivery progress (polled until every message is out), its figures and
// its charts by street.
func TestConsoleNoticeStats(t *testing.T) {
	tb := newTab(t, 1280, 900)
	s := startConsoleServer(t)
	dept := s.department("区应急管理局")
	editor := s.staff("editor.xu", dept, "editor")
	reviewer := s.staff("reviewer.he", dept, "reviewer")
	var residents []string
	for i := range 6 {
		token, _ := s.resident(fmt.Sprintf("stats%d", i))
		street, community := "华富街道", "田面社区"
		if i%2 == 1 {
			street, community = "园岭街道", "红荔社区"
		}
		s.call("PATCH", "/api/v1/me", token, map[string]any{"street": street, "community": community}, http.StatusOK)
		s.call("POST", "/api/v1/me/subscriptions", token, map[string]any{"results": map[string]string{"DEMO_WARNING": "accept"}}, http.StatusOK)
		residents = append(residents, token)
	}
	id := s.call("POST", "/api/v1/admin/notices", editor, map[string]any{
		"title": "台风橙色预警", "body": "请居民减少外出，关好门窗。", "category": "warning", "require_ack": true,
		"subscribe": map[string]any{"template_id": "DEMO_WARNING", "data": map[string]any{"thing1": "台风橙色预警"}},
	}, http.StatusCreated)["id"].(string)
	s.call("POST", "/api/v1/admin/notices/"+id+"/submit", editor, nil, http.StatusOK)
	s.call("POST", "/api/v1/admin/notices/"+id+"/approve", reviewer, nil, http.StatusOK)
	deadline := time.Now().Add(20 * time.Second)
	for {
		inbox := s.call("GET", "/api/v1/notices", residents[0], nil, http.StatusOK)
		if len(items(inbox)) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the approved notice was never published")
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.call("GET", "/api/v1/notices/"+id, residents[0], nil, http.StatusOK)
	s.call("POST", "/api/v1/notices/"+id+"/ack", residents[0], nil, http.StatusOK)

	tb.signIn(s.base, "editor.xu", staffPassword, "/notices/"+id)
	tb.run("statistics",
		waitText(`[data-test=notice-status]`, "已发布"),
		waitText(`[data-test=notice-stats]`, "6"),
		waitText(`[data-test=delivery-progress]`, "发送完毕"),
		waitJS(`document.querySelector('[data-test=delivery-progress] [role=progressbar]')?.getAttribute('aria-valuenow') === '100'`),
		waitText(`[data-test=send-counts]`, "微信已送达"),
		waitJS(`document.querySelectorAll('[data-test=notice-charts] canvas').length >= 3`),
		waitJS(`!!document.querySelector('[data-test=held]') && !!document.querySelector('[data-test=capped]')`),
	)
	got, err := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`document.querySelector('[data-test=notice-stats]').innerText`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(got, "16.7%") { // one of six read and acknowledged
		t.Fatalf("figures %q, want the read and ack rates 16.7%%", got)
	}
}
