package main

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// TestConsoleDemoScreens: after `seed --demo`, a newcomer signing in sees
// work waiting on the start page, and the demo's published warning has its
// statistics with charts; axe-core finds no critical or serious violation
// on any main screen (console_a11y_test.go lists them). With IFUTIAN_README_SHOTS=<absolute dir> it also
// saves the two screenshots the README shows (console-home.png and
// console-notice-stats.png):
//
//	IFUTIAN_README_SHOTS=$PWD/console/screenshots go test ./cmd/ifutian -run DemoScreens
func TestConsoleDemoScreens(t *testing.T) {
	tb := newTab(t, 1440, 900)
	getenv, _ := seededDemo(t, "IFUTIAN_ADDR", "127.0.0.1:0", "IFUTIAN_NOTICE_POLL", "200ms", "IFUTIAN_METRICS", "off", "IFUTIAN_QUIET_HOURS", "off")
	s := serveConsole(t, getenv)
	shots := os.Getenv("IFUTIAN_README_SHOTS")
	shoot := func(name, top string) {
		if shots == "" {
			return
		}
		tb.run("settle before "+name, // charts animate in
			waitJS(`(document.querySelector('`+top+`').scrollIntoView(), true)`), animationsSettled())
		png, err := chromedp.Run(tb.ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(shots, name), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// demo_admin, the department's administrator, finds the appeal and
	// today's declaration waiting on the start page.
	tb.signIn(s.base, "demo_admin", demoPassword, "/")
	tb.run("the start page shows what waits", waitJS(`!!document.querySelector('[data-test^=queue-]')`))
	shoot("console-home.png", "h2")

	editor := s.login("demo_editor", demoPassword)
	list := items(s.call("GET", "/api/v1/admin/notices?status=published&q="+url.QueryEscape(demoPublishedTitle), editor, nil, http.StatusOK))
	if len(list) != 1 {
		t.Fatalf("published demo notices: %v, want one", list)
	}
	tb.run("the published warning's statistics",
		chromedp.Navigate(s.base+"/console/notices/"+list[0]["id"].(string)),
		waitText(`[data-test=notice-status]`, "已发布"),
		waitJS(`document.querySelectorAll('[data-test=notice-charts] canvas').length >= 2`),
	)
	shoot("console-notice-stats.png", "[data-test=notice-stats]")

	// Accessibility: axe-core finds no critical or serious violation on any
	// main screen, as the superadmin (who sees them all) and, signed out,
	// on the sign-in page.
	axe := axeSource(t)
	tb.signOut()
	tb.signIn(s.base, "admin", demoPassword, "/")
	admin := s.login("admin", demoPassword)
	tb.checkScreens(s.base, axe, demoScreens(t, s, admin))

	// Screens with residents' personal data carry a watermark with the
	// member's name and the day; others do not. The activity's sign-in
	// sheet prints alone: no menu, no header, no buttons.
	activity := items(s.call("GET", "/api/v1/admin/activities", admin, nil, http.StatusOK))[0]["id"].(string)
	request := items(s.call("GET", "/api/v1/admin/requests", admin, nil, http.StatusOK))[0]["id"].(string)
	tb.run("a watermark over a request",
		chromedp.Navigate(s.base+"/console/requests/"+request),
		waitJS(`(() => { const w = document.querySelector('[data-test=watermark]'); return !!w && w.dataset.text.startsWith('admin') && getComputedStyle(w).backgroundImage.startsWith('url("data:image/png') })()`),
		chromedp.Navigate(s.base+"/console/notices"),
		waitText(`header h1`, "通知列表"),
		waitJS(`!document.querySelector('[data-test=watermark]')`),
	)
	tb.run("the sign-in sheet",
		chromedp.Navigate(s.base+"/console/activities/"+activity+"/sheet"),
		waitJS(`document.querySelectorAll('[data-test=sign-sheet] tbody tr').length >= 5`),
	)
	media := func(m string) {
		t.Helper()
		if _, err := chromedp.Call(tb.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: m}); err != nil {
			t.Fatal(err)
		}
	}
	media("print")
	tb.run("printed alone",
		waitJS(`getComputedStyle(document.querySelector('.aside')).display === 'none' && getComputedStyle(document.querySelector('.header')).display === 'none'`),
		waitJS(`getComputedStyle(document.querySelector('[data-test=print]').closest('.no-print')).display === 'none'`),
		waitJS(`document.querySelector('[data-test=sign-sheet]').offsetParent !== null && !!document.querySelector('[data-test=watermark]')`),
	)
	media("")
	tb.signOut()
	tb.checkScreens(s.base, axe, []axeScreen{{"/login", "[data-test=login]"}})
}
