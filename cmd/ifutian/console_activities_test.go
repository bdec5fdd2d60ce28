package main

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestConsoleActivity: an editor creates and publishes an activity in the
// console; a resident signs up through the API; on the 375 px door page a
// verifier's phone shows the rotating code, which the resident scans to
// check in, and the code refreshes; a member code typed checks another
// resident in (a walk-in); the roster then shows both.
func TestConsoleActivity(t *testing.T) {
	tb := newTab(t, 1280, 900)
	s := startConsoleServer(t)
	dept := s.department("华富街道办")
	s.staff("editor.huang", dept, "editor")
	s.staff("door.lin", dept, "verifier")
	alice, _ := s.resident("alice")
	bob, bobID := s.resident("bob")

	start := time.Now().Add(10 * time.Minute) // check-in opens 30 minutes before the start
	tb.signIn(s.base, "editor.huang", staffPassword, "/activities/new")
	tb.run("an error names its field",
		chromedp.Click(css(`[data-test=save-activity]`)),
		waitJS(`!!document.querySelector('[data-test=title]')?.closest('.el-form-item')?.querySelector('.el-form-item__error')`),
	)
	// The pickers take their times as the console sends them; typing them
	// is the least brittle way for a test.
	tb.run("create",
		chromedp.SendKeys(css(`[data-test=title]`), "华富社区敬老志愿服务"),
		chromedp.SendKeys(css(`[data-test=place]`), "华富街道田面社区长者饭堂"),
		chromedp.Click(css(`[data-test=street]`)),
		chromedp.SendKeys(css(`[data-test=street] input`), "华富街道"),
		waitJS(`[...document.querySelectorAll('.el-select-dropdown__item')].some(e => e.innerText.trim() === '华富街道' && e.offsetParent)`),
		chromedp.Evaluate[chromedp.Void](`[...document.querySelectorAll('.el-select-dropdown__item')].find(e => e.innerText.trim() === '华富街道' && e.offsetParent).click()`),
		chromedp.SendKeys(css(`[data-test=starts-at] input`), start.Format("2006-01-02 15:04:05")+"\r"),
		chromedp.SendKeys(css(`[data-test=ends-at] input`), start.Add(3*time.Hour).Format("2006-01-02 15:04:05")+"\r"),
		chromedp.Click(css(`[data-test=walk-ins]`)),
		chromedp.Click(css(`[data-test=save-activity]`)),
		waitText(`[data-test=activity-status]`, "草稿"),
	)
	url, err := chromedp.Run(tb.ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`/console/activities/(\d+)$`).FindStringSubmatch(url)
	if m == nil {
		t.Fatalf("after creating the console shows %s, want the activity's page", url)
	}
	id := m[1]
	tb.run("publish",
		chromedp.Click(css(`[data-test=publish]`)),
		waitText(`[data-test=activity-status]`, "已发布"),
	)
	tb.signOut()
	s.call("POST", "/api/v1/activities/"+id+"/signup", alice, nil, http.StatusCreated)

	tb.run("phone size", chromedp.EmulateViewport(375, 812, chromedp.EmulateMobile))
	tb.signIn(s.base, "door.lin", staffPassword, "/door/"+id)
	tb.run("the rotating code shows",
		waitJS(`!!document.querySelector('[data-test=venue-qr]') && document.querySelector('[data-test=venue-qr]').width > 0`),
		waitJS(`(document.querySelector('[data-test=venue-code]')?.innerText ?? '').length > 20`),
		waitJS(`document.documentElement.scrollWidth <= window.innerWidth`),
	)
	first, err := chromedp.Run(tb.ctx, chromedp.Text(css(`[data-test=venue-code]`)))
	if err != nil {
		t.Fatal(err)
	}
	// Alice scans it with the mini program.
	got := s.call("POST", "/api/v1/activities/scan", alice, map[string]string{"code": strings.TrimSpace(first)}, http.StatusCreated)
	if got["signup"].(map[string]any)["attendance"] != "checked_in" {
		t.Fatalf("alice's scan: %v", got)
	}
	// A new code comes with the next 30-second window (longer than one
	// run's limit allows).
	ctx, cancel := context.WithTimeout(tb.ctx, 45*time.Second)
	_, err = chromedp.Run(ctx, chromedp.Poll[chromedp.Void](
		fmt.Sprintf(`(document.querySelector('[data-test=venue-code]')?.innerText ?? '').trim().length > 20 &&
			document.querySelector('[data-test=venue-code]').innerText.trim() !== %q`, strings.TrimSpace(first)),
		chromedp.WithPollingInterval(200*time.Millisecond)))
	cancel()
	if err != nil {
		t.Fatalf("the code never refreshed: %v", err)
	}
	// Bob never signed up: a walk-in, checked in by his member code typed at the door.
	mc := s.call("GET", "/api/v1/me/member-code", bob, nil, http.StatusOK)["code"].(string)
	tb.run("a member code typed checks a resident in",
		chromedp.SendKeys(css(`[data-test=member-code]`), mc),
		chromedp.Click(css(`[data-test=record]`)),
		waitText(`[data-test=attendance-result]`, "已签到"),
		waitText(`[data-test=attendance-result]`, "居民 "+bobID),
	)
	tb.run("the same code again is no second check-in",
		chromedp.SendKeys(css(`[data-test=member-code]`), mc),
		chromedp.Click(css(`[data-test=record]`)),
		waitText(`[data-test=attendance-result]`, "已签到"),
	)
	roster := s.call("GET", "/api/v1/admin/activities/"+id+"/roster", s.admin, nil, http.StatusOK)
	checkedIn := 0
	for _, it := range items(roster) {
		if it["attendance"] == "checked_in" {
			checkedIn++
		}
	}
	if checkedIn != 2 {
		t.Fatalf("roster %v, want alice and bob checked in", roster)
	}
	if n := len(items(roster)); n != 2 {
		t.Fatalf("%d roster entries, want 2", n)
	}
}

// TestConsoleHoursApproval: an editor adds more hours than the activity
// lasts; the form says it waits for another member, and the activity shows
// the pending approval without an approve button for its asker. A second
// editor approves it (after confirming) and the ledger has it.
func TestConsoleHoursApproval(t *testing.T) {
	tb := newTab(t, 1280, 900)
	s := startConsoleServer(t)
	dept := s.department("华富街道办")
	asker := s.staff("editor.ask", dept, "editor")
	s.staff("editor.ok", dept, "editor")
	alice, aliceID := s.resident("alice")
	start := time.Now().Add(24 * time.Hour)
	id := s.call("POST", "/api/v1/admin/activities", asker, map[string]any{
		"kind": "volunteer", "title": "华富社区环境整治", "place": "华富社区广场", "street": "华富街道",
		"starts_at": start.Format(time.RFC3339), "ends_at": start.Add(3 * time.Hour).Format(time.RFC3339), "capacity": 5, "hours": 3,
	}, http.StatusCreated)["id"].(string)
	s.call("POST", "/api/v1/admin/activities/"+id+"/publish", asker, nil, http.StatusOK)
	s.call("POST", "/api/v1/activities/"+id+"/signup", alice, nil, http.StatusCreated)

	tb.signIn(s.base, "editor.ask", staffPassword, "/activities/"+id)
	tb.run("four hours for a three-hour activity wait for approval",
		waitText(`[data-test=roster]`, "已报名"),
		settled(`[data-test=roster]`),
		chromedp.Click(css(`[data-test=adjust-`+aliceID+`]`)),
		chromedp.WaitVisible(css(`[data-test=adjust-hours] input`)),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('[data-test=adjust-hours] input').select()`),
		chromedp.SendKeys(css(`[data-test=adjust-hours] input`), "4\t"),
		chromedp.SendKeys(css(`[data-test=adjust-reason]`), "活动后留下整理物资"),
		chromedp.Click(css(`[data-test=adjust-save]`)),
		waitText(`.el-message`, "已提交，待另一位工作人员批准"),
		waitText(`[data-test=hours-approvals]`, "+4 小时"),
		waitText(`[data-test=hours-approvals]`, "待他人批准"),
		waitJS(`!document.querySelector('[data-test^=approve-hours-]')`),
		overlaysGone(),
	)
	tb.signOut()

	tb.signIn(s.base, "editor.ok", staffPassword, "/activities/"+id)
	tb.run("another editor approves it",
		waitText(`[data-test=hours-approvals]`, "活动后留下整理物资"),
		settled(`[data-test=hours-approvals]`),
		chromedp.Click(css(`[data-test^=approve-hours-]`)),
		chromedp.WaitVisible(css(`.el-message-box__btns .el-button--primary`)),
		waitText(`.el-message-box`, "4 小时"),
		chromedp.Click(css(`.el-message-box__btns .el-button--primary`)),
		waitText(`.el-message`, "已批准"),
		waitJS(`!document.querySelector('[data-test=hours-approvals]')`),
	)
	approved := items(s.call("GET", "/api/v1/admin/activities/"+id+"/hours-approvals?status=approved", asker, nil, http.StatusOK))
	if len(approved) != 1 || approved[0]["hours"] != 4.0 || approved[0]["entry_id"] == nil {
		t.Fatalf("approved: %v, want alice's 4 hours entered", approved)
	}
}
