package main

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestConsoleNoticeReview: an editor composes a notice in the console and
// submits it, a different member (a reviewer) approves it from the review
// queue, and the resident's inbox, read through the API, then holds it.
func TestConsoleNoticeReview(t *testing.T) {
	tb := newTab(t, 1280, 900)
	s := startConsoleServer(t)
	dept := s.department("区卫健局")
	s.staff("editor.wang", dept, "editor")
	s.staff("reviewer.li", dept, "reviewer")
	resident, _ := s.resident("alice")

	const title = "社区义诊通知 E2E"
	tb.signIn(s.base, "editor.wang", staffPassword, "/notices/new")
	tb.run("an error names its field",
		chromedp.Click(css(`[data-test=save-draft]`)),
		// The API's 400 names title in details.fields: the message shows under that field.
		waitJS(`!!document.querySelector('[data-test=title]')?.closest('.el-form-item')?.querySelector('.el-form-item__error')`),
	)
	tb.run("compose",
		chromedp.SendKeys(css(`[data-test=title]`), title),
		chromedp.SendKeys(css(`[data-test=body]`), "本周六上午九点在园岭社区党群服务中心举行义诊。"),
		// The live reach of the (empty: everyone) audience is shown before
		// submitting: one resident, which the preview states only as fewer than 5.
		waitText(`[data-test=reach]`, "少于 5 人"),
		chromedp.Click(css(`[data-test=save-submit]`)),
		waitText(`[data-test=notice-status]`, "待审核"),
	)
	url, err := chromedp.Run(tb.ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`/console/notices/(\d+)$`).FindStringSubmatch(url)
	if m == nil {
		t.Fatalf("after submitting the console shows %s, want the notice's page", url)
	}
	id := m[1]
	// No publish time was picked: it goes out as soon as it is approved.
	reviewerToken := s.login("reviewer.li", staffPassword)
	if n := s.call("GET", "/api/v1/admin/notices/"+id, reviewerToken, nil, http.StatusOK)["notice"].(map[string]any); n["publish_at"] != nil {
		t.Fatalf("publish_at %v after composing without one, want null", n["publish_at"])
	}
	tb.signOut()

	tb.signIn(s.base, "reviewer.li", staffPassword, "/notices/review")
	tb.run("approve",
		waitText(`[data-test=resident-view]`, title), // the reviewer sees it as a resident will
		chromedp.Click(css(`[data-test=approve-`+id+`]`)),
		waitText(`[data-test=review-queue]`, "没有待审核的通知"),
	)

	deadline := time.Now().Add(20 * time.Second)
	for {
		inbox := s.call("GET", "/api/v1/notices", resident, nil, http.StatusOK)
		found := false
		for _, it := range items(inbox) {
			found = found || fmt.Sprint(it["title"]) == title
		}
		if found {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the approved notice never reached the resident's inbox: %v", inbox)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestConsoleAwardAndVoucher: a points officer awards points in the
// console; the resident redeems a reward through the API; a verifier at the
// venue verifies the voucher on the 375 px page, and a second try is refused.
func TestConsoleAwardAndVoucher(t *testing.T) {
	tb := newTab(t, 1280, 900)
	s := startConsoleServer(t)
	dept := s.department("区文体局")
	officer := s.staff("points.zhao", dept, "points_officer")
	s.staff("venue.sun", dept, "verifier")
	resident, residentID := s.resident("bob")
	s.call("POST", "/api/v1/admin/points/rules", officer, map[string]any{"code": "e2e_volunteer", "name": "志愿服务", "points": 50}, http.StatusCreated)
	reward := s.call("POST", "/api/v1/admin/rewards", officer, map[string]any{"name": "公园门票", "points": 30, "stock": 5}, http.StatusCreated)

	tb.signIn(s.base, "points.zhao", staffPassword, "/points/award")
	tb.run("award",
		chromedp.Click(css(`[data-test=find-by] .el-radio-button:nth-child(2)`)), // by resident number
		chromedp.SendKeys(css(`[data-test=resident-id]`), residentID),
		chromedp.Click(css(`[data-test=find]`)),
		waitText(`[data-test=resident-card]`, residentID),
		chromedp.Click(css(`[data-test=rule-code]`)),
		chromedp.SendKeys(css(`[data-test=rule-code] input`), "e2e_volunteer\r"),
		chromedp.Click(css(`[data-test=award]`)),
		waitText(`[data-test=award-result]`, "50"),
	)
	if acc := s.call("GET", "/api/v1/points/account", resident, nil, http.StatusOK); fmt.Sprint(acc["balance"]) != "50" {
		t.Fatalf("balance after the award: %v, want 50", acc)
	}
	red := s.call("POST", "/api/v1/rewards/"+reward["id"].(string)+"/redeem", resident, nil, http.StatusCreated, "Idempotency-Key", "e2e-redeem-1")
	code := red["redemption"].(map[string]any)["voucher_code"].(string)
	tb.signOut()

	tb.run("phone size", chromedp.EmulateViewport(375, 812, chromedp.EmulateMobile))
	tb.signIn(s.base, "venue.sun", staffPassword, "/") // a verifier starts on the verification page
	tb.run("verify",
		waitJS(`location.pathname === '/console/verify'`),
		chromedp.SendKeys(css(`[data-test=voucher-code]`), strings.ToLower(code)),
		chromedp.Click(css(`[data-test=verify]`)),
		waitText(`[data-test=verified]`, "核销成功"),
		waitText(`[data-test=verified]`, "公园门票"),
		// Nothing is wider than the phone.
		waitJS(`document.documentElement.scrollWidth <= window.innerWidth`),
	)
	tb.run("verify again",
		chromedp.SendKeys(css(`[data-test=voucher-code]`), code),
		chromedp.Click(css(`[data-test=verify]`)),
		waitJS(`!!document.querySelector('.el-message--error') && !document.querySelector('[data-test=verified]')`),
	)
}

// TestConsoleSurveyCharts: a questionnaire answered by residents shows its
// statistics as charts, with no console error.
func TestConsoleSurveyCharts(t *testing.T) {
	tb := newTab(t, 1280, 900)
	s := startConsoleServer(t)
	dept := s.department("区司法局")
	editor := s.staff("editor.zhou", dept, "editor")
	sv := s.call("POST", "/api/v1/admin/surveys", editor, map[string]any{
		"kind": "questionnaire", "title": "普法满意度调查",
		"questions": []map[string]any{
			{"type": "single", "stem": "您对社区普法活动满意吗", "options": []string{"满意", "一般", "不满意"}},
			{"type": "multi", "stem": "您希望了解哪些法律", "options": []string{"民法典", "劳动法", "消费者权益保护法"}},
		},
	}, http.StatusCreated)
	id := sv["id"].(string)
	s.call("POST", "/api/v1/admin/surveys/"+id+"/publish", editor, nil, http.StatusOK)
	for i, pick := range []string{"满意", "一般", "满意"} {
		token, _ := s.resident(fmt.Sprintf("voter%d", i))
		got := s.call("GET", "/api/v1/surveys/"+id, token, nil, http.StatusOK)
		qs := got["questions"].([]any)
		answers := map[string][]string{
			qs[0].(map[string]any)["id"].(string): {pick},
			qs[1].(map[string]any)["id"].(string): {"民法典"},
		}
		s.call("POST", "/api/v1/surveys/"+id+"/responses", token, map[string]any{"answers": answers}, http.StatusCreated)
	}

	tb.signIn(s.base, "editor.zhou", staffPassword, "/surveys/"+id)
	tb.run("charts",
		waitText(`[data-test=survey-figures]`, "3"),
		waitJS(`document.querySelectorAll('[data-test=survey-charts] canvas').length >= 2`),
	)
}

// TestConsoleHidesForbidden: a member sees no menu entry and no button for
// what the policy refuses them, and a forbidden screen opened by its address
// sends them back to the start page.
func TestConsoleHidesForbidden(t *testing.T) {
	tb := newTab(t, 1280, 900)
	s := startConsoleServer(t)
	dept := s.department("区民政局")
	editor := s.staff("editor.qian", dept, "editor")
	s.staff("reviewer.wu", dept, "reviewer")
	draft := s.call("POST", "/api/v1/admin/notices", editor, map[string]any{
		"title": "草稿", "body": "正文", "category": "policy", "publish_at": time.Now().Format(time.RFC3339),
	}, http.StatusCreated)["id"].(string)
	submitted := s.call("POST", "/api/v1/admin/notices", editor, map[string]any{
		"title": "待审", "body": "正文", "category": "policy", "publish_at": time.Now().Format(time.RFC3339),
	}, http.StatusCreated)["id"].(string)
	s.call("POST", "/api/v1/admin/notices/"+submitted+"/submit", editor, map[string]any{}, http.StatusOK)

	absent := func(sel string) string { return `!document.querySelector('` + sel + `')` }
	tb.signIn(s.base, "reviewer.wu", staffPassword, "/")
	tb.run("reviewer's menu",
		chromedp.WaitVisible(css(`[data-test="menu-/notices/review"]`)),
		chromedp.WaitVisible(css(`[data-test="menu-/notices"]`)),
		waitJS(absent(`[data-test="menu-/notices/new"]`)+` && `+absent(`[data-test="menu-/points/award"]`)+` && `+absent(`[data-test="menu-/audit"]`)+` && `+absent(`[data-test="menu-/verify"]`)),
	)
	tb.run("reviewer's notice list",
		chromedp.Navigate(s.base+"/console/notices"),
		waitText(`[data-test=notices]`, "待审"),
		waitJS(absent(`[data-test=compose]`)+` && `+absent(`[data-test=submit-`+draft+`]`)+` && `+absent(`[data-test=withdraw-`+submitted+`]`)),
	)
	tb.run("reviewer on a draft",
		chromedp.Navigate(s.base+"/console/notices/"+draft),
		waitText(`[data-test=notice-status]`, "草稿"),
		waitJS(absent(`[data-test=submit]`)+` && `+absent(`[data-test=withdraw]`)+` && `+absent(`[data-test=approve]`)),
	)
	tb.run("reviewer opens the compose screen by its address",
		chromedp.Navigate(s.base+"/console/notices/new"),
		waitJS(`location.pathname === '/console/' && !document.querySelector('[data-test=save-submit]')`),
	)
	tb.signOut()

	tb.signIn(s.base, "editor.qian", staffPassword, "/notices/"+submitted)
	tb.run("editor on a submitted notice",
		waitText(`[data-test=notice-status]`, "待审核"),
		chromedp.WaitVisible(css(`[data-test=withdraw]`)),
		waitJS(absent(`[data-test=approve]`)+` && `+absent(`[data-test=reject]`)+` && `+absent(`[data-test="menu-/notices/review"]`)),
	)
}

// TestConsoleSession: the staff token lives only in this tab's session
// storage (no local storage, no cookie); a refused token (here revoked
// elsewhere) sends the member to sign-in and forgets it; signing out revokes
// it on the server; a token past its expires_at is never used, and one that
// expires while the console is open signs the member out.
func TestConsoleSession(t *testing.T) {
	tb := newTab(t, 1280, 900)
	s := startConsoleServer(t)
	dept := s.department("区城管局")
	s.staff("editor.he", dept, "editor")
	const key = `'ifutian.console.session'`
	token := func() string {
		t.Helper()
		v, err := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`JSON.parse(sessionStorage.getItem(`+key+`) ?? '{"token":""}').token`))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}

	tb.signIn(s.base, "editor.he", staffPassword, "/")
	tb.run("token in session storage only",
		waitJS(`localStorage.length === 0 && document.cookie === ''`),
	)
	first := token()
	if first == "" {
		t.Fatal("no token in session storage after signing in")
	}
	s.call("POST", "/api/v1/auth/logout", first, nil, http.StatusNoContent) // revoked elsewhere
	tb.run("a refused token ends the session",
		chromedp.Click(css(`[data-test="menu-/notices"]`)),
		chromedp.WaitVisible(css(`[data-test=login]`)),
		waitJS(`sessionStorage.getItem(`+key+`) === null`),
	)

	tb.signIn(s.base, "editor.he", staffPassword, "/")
	second := token()
	tb.signOut()
	tb.run("signed out", waitJS(`sessionStorage.getItem(`+key+`) === null`))
	s.call("GET", "/api/v1/admin/me", second, nil, http.StatusUnauthorized)

	tb.signIn(s.base, "editor.he", staffPassword, "/")
	third := token()
	tb.run("an expired token is not used",
		chromedp.Evaluate[chromedp.Void](`sessionStorage.setItem(`+key+`, JSON.stringify({token: '`+third+`', expiresAt: new Date(Date.now() - 1000).toISOString()}))`),
		chromedp.Reload(),
		chromedp.WaitVisible(css(`[data-test=login]`)),
		waitJS(`sessionStorage.getItem(`+key+`) === null`),
	)
	tb.run("a token that expires while open signs the member out",
		chromedp.Evaluate[chromedp.Void](`sessionStorage.setItem(`+key+`, JSON.stringify({token: '`+third+`', expiresAt: new Date(Date.now() + 4000).toISOString()}))`),
		chromedp.Navigate(s.base+"/console/me"),
		chromedp.WaitVisible(css(`[data-test=profile]`)),
		chromedp.WaitVisible(css(`[data-test=login]`)),
		waitJS(`sessionStorage.getItem(`+key+`) === null`),
	)
}
