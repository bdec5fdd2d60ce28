package main

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
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

// TestConsoleSession: the console's session is an HttpOnly cookie that the
// page's script never reads (no token in storage); a second tab of the same
// browser is signed in without signing in again; a session refused mid-edit
// (here revoked elsewhere) asks for the password over the page and the typed
// text is still there to save; an unsaved form survives a reload; signing
// out revokes the session on the server, drops the member's drafts and signs
// the other tab out too.
func TestConsoleSession(t *testing.T) {
	tb := newTab(t, 1280, 900)
	s := startConsoleServer(t)
	dept := s.department("区城管局")
	s.staff("editor.he", dept, "editor")
	sessionToken := func() string {
		t.Helper()
		res, err := chromedp.Call(tb.ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{s.base + "/api/v1/admin/me"}})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range res.Cookies {
			if c.Name == "ifutian_staff" {
				if !c.HTTPOnly || c.SameSite != network.CookieSameSiteStrict || c.Path != "/api/v1" {
					t.Fatalf("session cookie %+v: want HttpOnly, SameSite=Strict, Path=/api/v1", c)
				}
				return c.Value
			}
		}
		t.Fatal("no session cookie after signing in")
		return ""
	}

	tb.signIn(s.base, "editor.he", staffPassword, "/notices/new")
	token := sessionToken()
	tb.run("the token is not within the page's reach",
		waitJS(`!document.cookie.includes('ifutian_staff') && document.cookie.includes('ifutian_csrf=')`),
		waitJS(`![localStorage, sessionStorage].some(st => [...Array(st.length).keys()].some(i => (st.getItem(st.key(i)) ?? '').includes('`+token+`')))`),
	)

	second := tb.sibling(1280, 900)
	second.run("a second tab is signed in already",
		chromedp.Navigate(s.base+"/console/notices"),
		waitText(`[data-test=who]`, "editor.he"),
		waitJS(`location.pathname === '/console/notices'`),
	)

	tb.run("type a notice",
		waitJS(`!!document.querySelector('[data-test=title]')`),
		chromedp.SendKeys(css(`[data-test=title]`), "台风期间停课安排"),
		chromedp.SendKeys(css(`[data-test=body]`), "全区中小学明日停课，请家长留意。"),
	)
	s.call("POST", "/api/v1/auth/logout", token, nil, http.StatusNoContent) // revoked elsewhere
	tb.run("a refused session asks for the password over the page",
		chromedp.Click(css(`[data-test=save-draft]`)),
		chromedp.WaitVisible(css(`[data-test=reauth-password]`)),
		waitJS(`location.pathname === '/console/notices/new'`),
		waitJS(`document.querySelector('[data-test=title]').value === '台风期间停课安排'`),
		chromedp.SendKeys(css(`[data-test=reauth-password]`), staffPassword),
		chromedp.Click(css(`[data-test=reauth-login]`)),
		chromedp.WaitNotVisible(css(`[data-test=reauth-password]`)),
		waitJS(`document.querySelector('[data-test=title]').value === '台风期间停课安排' && document.querySelector('[data-test=body]').value === '全区中小学明日停课，请家长留意。'`),
		chromedp.Click(css(`[data-test=save-draft]`)),
		waitJS(`/^\/console\/notices\/\d+$/.test(location.pathname)`),
	)
	editor := s.login("editor.he", staffPassword)
	if its := items(s.call("GET", "/api/v1/admin/notices", editor, nil, http.StatusOK)); len(its) != 1 || its[0]["title"] != "台风期间停课安排" {
		t.Fatalf("notices after saving past a re-login: %v", its)
	}
	second.run("the other tab goes on with the new session",
		chromedp.Navigate(s.base+"/console/notices"),
		waitText(`[data-test=who]`, "editor.he"),
		waitJS(`!document.querySelector('[data-test=reauth-password]') || document.querySelector('[data-test=reauth-password]').offsetParent === null`),
	)

	tb.run("an unsaved form survives a reload",
		chromedp.Navigate(s.base+"/console/notices/new"),
		chromedp.WaitVisible(css(`[data-test=title]`)),
		chromedp.SendKeys(css(`[data-test=title]`), "尚未保存的通知"),
		chromedp.Reload(),
		chromedp.WaitVisible(css(`[data-test=draft-restored]`)),
		waitJS(`document.querySelector('[data-test=title]').value === '尚未保存的通知'`),
	)
	token = sessionToken()
	tb.signOut()
	tb.run("signing out drops the drafts",
		waitJS(`![...Array(localStorage.length).keys()].some(i => localStorage.key(i).includes('draft'))`),
	)
	s.call("GET", "/api/v1/admin/me", token, nil, http.StatusUnauthorized)
	second.run("and signs the other tab out", chromedp.WaitVisible(css(`[data-test=login]`)))
}
