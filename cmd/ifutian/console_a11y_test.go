package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// The accessibility check: axe-core (console/node_modules/axe-core, a
// pinned devDependency of the console) runs in the page on each main
// screen, and any violation of impact critical or serious fails the test
// (GB/T 37668, as WCAG 2 A/AA). The script is evaluated through the
// DevTools protocol, so the console's CSP (script-src 'self') stays as it is.

// axeSource is axe-core's script, or the test is skipped without it (CI
// installs it with npm ci before the tests).
func axeSource(t *testing.T) string {
	t.Helper()
	path := filepath.Join("..", "..", "console", "node_modules", "axe-core", "axe.min.js")
	src, err := os.ReadFile(path)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("axe-core: %v (run npm ci in console/)", err)
		}
		t.Skipf("accessibility check skipped: no %s (run npm ci in console/)", path)
	}
	return string(src)
}

// axeViolation is one rule axe-core found broken on a page.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target []any  `json:"target"`
		HTML   string `json:"html"`
	} `json:"nodes"`
}

// axeScreen describes one screen to check: its path under /console and
// what shows once it has loaded.
type axeScreen struct{ path, ready string }

// checkScreens opens each screen (the member is signed in), waits until it
// has loaded and runs axe-core on it; it fails on any critical or serious
// violation, listing every one of every screen.
func (tb *tab) checkScreens(base, axe string, screens []axeScreen) {
	tb.t.Helper()
	var failures []string
	counts := map[string]int{}
	for _, sc := range screens {
		ready := sc.ready
		if ready == "" {
			ready = "header h1"
		}
		tb.run("open "+sc.path,
			chromedp.Navigate(base+"/console"+sc.path),
			waitJS(`!!document.querySelector(`+jsString(ready)+`)`),
			// Lists and charts load after the screen shows: wait until no
			// loading mask is left, then until transitions and charts have
			// ended (a tag changing colour mid-way fails the contrast rule).
			waitJS(`![...document.querySelectorAll('.el-loading-mask')].some(e => e.offsetParent !== null)`),
			animationsSettled(),
		)
		raw, err := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`(async () => {
			if (!window.axe) { `+axe+` }
			const r = await axe.run(document, { resultTypes: ['violations'] })
			return JSON.stringify(r.violations)
		})()`, chromedp.EvalAwaitPromise))
		if err != nil {
			tb.t.Fatalf("axe on %s: %v", sc.path, err)
		}
		var vs []axeViolation
		if err := json.Unmarshal([]byte(raw), &vs); err != nil {
			tb.t.Fatalf("axe on %s: %v", sc.path, err)
		}
		for _, v := range vs {
			counts[v.Impact] += len(v.Nodes)
			if v.Impact != "critical" && v.Impact != "serious" {
				continue
			}
			var where []string
			for i, n := range v.Nodes {
				if i == 8 {
					where = append(where, fmt.Sprintf("… %d in all", len(v.Nodes)))
					break
				}
				where = append(where, fmt.Sprintf("%v %.120s", n.Target, n.HTML))
			}
			failures = append(failures, fmt.Sprintf("%s: %s %s (%s)\n      %s", sc.path, v.Impact, v.ID, v.Help, strings.Join(where, "\n      ")))
		}
	}
	var tally []string
	for impact, n := range counts {
		tally = append(tally, fmt.Sprintf("%s %d", impact, n))
	}
	sort.Strings(tally)
	tb.t.Logf("axe-core on %d screens: elements in violation by impact: %s", len(screens), strings.Join(tally, ", "))
	if len(failures) > 0 {
		tb.t.Fatalf("axe-core: %d critical or serious violations:\n  %s", len(failures), strings.Join(failures, "\n  "))
	}
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// demoScreens are the console's main screens, with the objects of the demo
// (seed --demo) for those that show one, as the superadmin sees them.
func demoScreens(t *testing.T, s *consoleServer, token string) []axeScreen {
	t.Helper()
	first := func(path, field string) string {
		t.Helper()
		its := items(s.call("GET", path, token, nil, http.StatusOK))
		if len(its) == 0 {
			t.Fatalf("the demo has no %s", path)
		}
		return fmt.Sprint(its[0][field])
	}
	notice := first("/api/v1/admin/notices?status=published", "id")
	request := first("/api/v1/admin/requests", "id")
	activity := first("/api/v1/admin/activities", "id")
	survey := first("/api/v1/admin/surveys", "id")
	enterprise := first("/api/v1/admin/enterprises", "uscc")
	var screens []axeScreen
	for _, p := range []string{
		"/", "/me",
		"/requests", "/requests/stats", "/requests/settings", "/requests/" + request, "/requests/" + request + "/work-order",
		"/notices", "/notices/new", "/notices/review", "/notices/" + notice,
		"/points/award", "/points/deduct", "/points/appeals", "/points/rules", "/points/rewards",
		"/enterprises", "/enterprises/new", "/enterprises/records", "/enterprises/credit", "/enterprises/bindings",
		"/enterprises/objections", "/enterprises/repairs", "/enterprises/repair-courses", "/enterprises/benefits", "/enterprises/" + enterprise,
		"/surveys", "/surveys/new", "/surveys/questions", "/surveys/" + survey,
		"/activities", "/activities/new", "/activities/stats", "/activities/" + activity, "/activities/" + activity + "/sheet",
		"/stats/repairs",
		"/staff", "/departments", "/audit", "/jobs",
	} {
		screens = append(screens, axeScreen{path: p})
	}
	// The stand-alone pages (no menu): the venue's voucher check and the
	// activity's door page.
	return append(screens, axeScreen{"/verify", "h1"}, axeScreen{"/door/" + activity, "h1"})
}
