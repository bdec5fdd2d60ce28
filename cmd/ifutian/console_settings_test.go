package main

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/futian/ifutian/internal/db"
)

// TestConsoleSettings: the superadmin opens 运行设置 from the menu, sets
// quiet hours that cover now, and saves: the running server holds a
// routine notice's subscribe messages published afterwards until the
// quiet hours end, with no restart; resetting returns to the
// environment's value.
func TestConsoleSettings(t *testing.T) {
	tb := newTab(t, 1280, 900)
	s := startConsoleServer(t)
	dept := s.department("区文明办")
	editor := s.staff("editor.settings", dept, "editor")
	reviewer := s.staff("reviewer.settings", dept, "reviewer")
	resident, _ := s.resident("quiet")
	s.call("POST", "/api/v1/me/subscriptions", resident, map[string]any{"results": map[string]string{"DEMO_TEMPLATE": "accept"}}, http.StatusOK)

	// A window from a minute ago to a minute before that (nearly the
	// whole day) covers now whatever the hour.
	now := time.Now().In(time.FixedZone("CST", 8*3600))
	window := now.Add(-time.Minute).Format("15:04") + "-" + now.Add(-2*time.Minute).Format("15:04")

	tb.signIn(s.base, "admin", "bootstrap-pw-123", "/")
	tb.run("the superadmin sets quiet hours covering now",
		chromedp.Click(css(`[data-test="menu-/settings"]`)),
		chromedp.WaitVisible(css(`input[data-test=setting-quiet_hours]`)),
		settled(`[data-test=settings]`),
		// Empty the field as typing would (Vue listens for input events).
		waitJS(`(() => { const i = document.querySelector('input[data-test=setting-quiet_hours]'); i.value = ''; i.dispatchEvent(new Event('input')); return true })()`),
		chromedp.SendKeys(css(`input[data-test=setting-quiet_hours]`), window),
		chromedp.Click(css(`[data-test=save-quiet_hours]`)),
		waitText(`.el-message`, "已保存"),
		waitText(`[data-test=settings]`, "运行中修改"),
	)

	id := s.call("POST", "/api/v1/admin/notices", editor, map[string]any{
		"title": "文明城市创建倡议", "body": "请居民共同维护社区环境。", "category": "policy",
		"subscribe": map[string]any{"template_id": "DEMO_TEMPLATE", "data": map[string]any{"thing1": "文明城市创建倡议"}},
	}, http.StatusCreated)["id"].(string)
	s.call("POST", "/api/v1/admin/notices/"+id+"/submit", editor, nil, http.StatusOK)
	s.call("POST", "/api/v1/admin/notices/"+id+"/approve", reviewer, nil, http.StatusOK)

	gdb, _, err := db.Open(context.Background(), s.db)
	if err != nil {
		t.Fatal(err)
	}
	defer db.SQL(gdb).Close()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var status string
		gdb.Raw("SELECT status FROM notice_sends WHERE notice_id = ? AND channel = 'wechat'", id).Row().Scan(&status)
		if status == "held" {
			break
		}
		if status != "" || time.Now().After(deadline) {
			t.Fatalf("the notice's subscribe message is %q, want held for the quiet hours", status)
		}
		time.Sleep(100 * time.Millisecond)
	}

	tb.run("and resets them to the environment's value",
		chromedp.Click(css(`[data-test=reset-quiet_hours]`)),
		waitText(`.el-message`, "已恢复"),
		waitJS(`!document.querySelector('[data-test=reset-quiet_hours]')`),
	)
}
