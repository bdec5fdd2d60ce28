package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"github.com/futian/ifutian/internal/dbtest"
)

// The browser tests drive the department console in headless Chromium
// against the real server (serve) on a fresh SQLite database. One browser
// serves the whole test binary; each test opens its own tab. Any console
// error, uncaught exception or CSP violation in the page fails the test, and
// a failed test leaves a screenshot (its path is logged).

// chromiumPath is the browser the tests drive: IFUTIAN_CHROMIUM, or Debian's.
func chromiumPath() string {
	if p := os.Getenv("IFUTIAN_CHROMIUM"); p != "" {
		return p
	}
	return "/usr/bin/chromium"
}

var browser struct {
	once   sync.Once
	ctx    context.Context
	cancel func()
	err    error
}

// closeBrowser ends the shared browser; TestMain calls it.
func closeBrowser() {
	if browser.cancel != nil {
		browser.cancel()
	}
}

func startBrowser(path string) {
	dir, err := os.MkdirTemp("", "ifutian-chromium-")
	if err != nil {
		browser.err = err
		return
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path), chromedp.UserDataDir(dir),
		chromedp.Flag("headless", true), chromedp.Flag("no-sandbox", true), chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true), chromedp.Flag("no-first-run", true),
		// Without these Chromium's own connections are refused here and it stalls.
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.Flag("hide-scrollbars", true),
		chromedp.WindowSize(1280, 900),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelBrowser := chromedp.NewContext(allocCtx)
	browser.ctx = ctx
	browser.cancel = func() {
		cancelBrowser()
		cancelAlloc()
		os.RemoveAll(dir)
	}
	// The first action launches the browser, which lives as long as the
	// context it ran on: so not a context with a timeout.
	browser.err = chromedp.Do(ctx)
}

// tab is one browser tab of a test.
type tab struct {
	t   *testing.T
	ctx context.Context

	mu       sync.Mutex
	problems []string
}

// newTab opens a tab of width×height, or skips the test when there is no
// Chromium.
func newTab(t *testing.T, width, height int64) *tab {
	t.Helper()
	if os.Getenv(dbtest.EnvMySQL) != "" {
		t.Skip("browser tests run in the SQLite pass only: they use a database of their own")
	}
	path := chromiumPath()
	if _, err := os.Stat(path); err != nil {
		t.Skipf("browser test skipped: no Chromium at %s (apt-get install chromium, or set IFUTIAN_CHROMIUM)", path)
	}
	browser.once.Do(func() { startBrowser(path) })
	if browser.err != nil {
		t.Fatalf("start Chromium %s: %v", path, browser.err)
	}
	// Each test's tab is a browser profile of its own (cookies, storage),
	// as if on another computer; sibling opens more tabs in the same one.
	return openTab(t, width, height, browser.ctx, chromedp.WithNewBrowserContext())
}

// sibling opens another tab of the same browser profile as tb: it shares
// tb's cookies and local storage, as a member's second tab does.
func (tb *tab) sibling(width, height int64) *tab {
	tb.t.Helper()
	return openTab(tb.t, width, height, tb.ctx)
}

func openTab(t *testing.T, width, height int64, parent context.Context, opts ...chromedp.ContextOption) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(parent, opts...)
	tb := &tab{t: t, ctx: ctx}
	t.Cleanup(func() {
		if t.Failed() {
			tb.screenshot()
		}
		cancel()
	})
	if err := chromedp.Listen(ctx, tb.listen); err != nil {
		t.Fatalf("open tab: %v", err)
	}
	// A CSP violation is reported to the page; this script, added through
	// the protocol, runs outside the page's CSP and turns it into a console
	// error the test sees.
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		Source: `document.addEventListener('securitypolicyviolation', e => console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI))`,
	}); err != nil {
		t.Fatalf("open tab: %v", err)
	}
	tb.run("set the viewport", chromedp.EmulateViewport(width, height))
	return tb
}

// listen collects what fails a test: exceptions, console errors (CSP
// violations among them) and failed loads of the console's own files. A
// refused API call is what some tests expect, so network errors of /api/
// are not problems.
func (tb *tab) listen(ev any) {
	switch ev := ev.(type) {
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		msg := d.Text
		if d.Exception != nil {
			msg += " " + d.Exception.Description
		}
		tb.problem(fmt.Sprintf("uncaught exception: %s at %s:%d", msg, d.URL, d.LineNumber))
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError {
			var parts []string
			for _, a := range ev.Args {
				if a.Value != nil {
					parts = append(parts, string(a.Value))
				} else {
					parts = append(parts, a.Description)
				}
			}
			tb.problem("console.error: " + strings.Join(parts, " "))
		}
	case *cdplog.EventEntryAdded:
		e := ev.Entry
		if e.Level != cdplog.EntryLevelError {
			return
		}
		if e.Source == cdplog.EntrySourceNetwork && strings.Contains(e.URL, "/api/") {
			return
		}
		tb.problem(fmt.Sprintf("%s error: %s %s", e.Source, e.Text, e.URL))
	}
}

func (tb *tab) problem(s string) {
	tb.mu.Lock()
	tb.problems = append(tb.problems, s)
	tb.mu.Unlock()
}

// run runs actions, failing the test on an error or on any problem the
// page reported meanwhile.
func (tb *tab) run(what string, actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 30*time.Second)
	defer cancel()
	// Keys and clicks go to the tab in front (a test may have several).
	if _, err := chromedp.CallBrowser(ctx, target.ActivateTarget, target.ActivateTargetParams{TargetID: chromedp.FromContext(tb.ctx).Target.TargetID}); err != nil {
		tb.t.Fatalf("%s: bring the tab to front: %v", what, err)
	}
	if err := chromedp.Do(ctx, actions...); err != nil {
		tb.t.Fatalf("%s: %v%s", what, err, tb.problemList())
	}
	if p := tb.problemList(); p != "" {
		tb.t.Fatalf("%s: the page reported problems:%s", what, p)
	}
}

func (tb *tab) problemList() string {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	if len(tb.problems) == 0 {
		return ""
	}
	return "\n  " + strings.Join(tb.problems, "\n  ")
}

// screenshot saves the page as it is (after a failure) and logs where.
func (tb *tab) screenshot() {
	ctx, cancel := context.WithTimeout(tb.ctx, 10*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // 100: PNG
	if err != nil {
		tb.t.Logf("no screenshot: %v", err)
		return
	}
	dir := os.Getenv("IFUTIAN_SCREENSHOTS")
	if dir == "" {
		dir = os.TempDir()
	}
	name := filepath.Join(dir, "ifutian-"+strings.ReplaceAll(tb.t.Name(), "/", "_")+"-"+time.Now().Format("150405")+".png")
	if err := os.WriteFile(name, png, 0o644); err != nil {
		tb.t.Logf("no screenshot: %v", err)
		return
	}
	url, _ := chromedp.Run(ctx, chromedp.Location())
	tb.t.Logf("screenshot of %s: %s", url, name)
}

// waitText waits until the element sel exists and its text contains want.
func waitText(sel, want string) chromedp.Action[chromedp.Void] {
	return waitJS(fmt.Sprintf(`(() => { const e = document.querySelector(%q); return !!e && e.innerText.includes(%q) })()`, sel, want))
}

// waitJS waits until the expression is true.
func waitJS(expr string) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(25*time.Second))
}

// animationsSettled waits until nothing moves on the page: no transition
// or finite animation runs (document.getAnimations: Element Plus's CSS
// transitions, a tag changing colour, a dialog fading), and no canvas (the
// ECharts charts, which animate by drawing) changed since the poll before,
// for three polls in a row (a Vue transition starts a frame after its
// element shows). Endless animations (a loading spinner) are not waited for.
func animationsSettled() chromedp.Action[chromedp.Void] {
	key := fmt.Sprintf("__settled%d", time.Now().UnixNano()) // this wait's own count
	return waitJS(`(() => {
		const w = window, k = '` + key + `'
		const moving = document.getAnimations().some(a => a.playState === 'running' && a.effect?.getTiming().iterations !== Infinity)
		const drawn = [...document.querySelectorAll('canvas')].map(c => { try { return c.toDataURL() } catch { return '' } }).join('|')
		const still = !moving && w[k + 'drawn'] === drawn
		w[k + 'drawn'] = drawn
		w[k] = still ? (w[k] ?? 0) + 1 : 0
		return w[k] >= 3
	})()`)
}

// overlaysGone waits until no dialog or message box overlay shows: one
// fading out lies over the page and takes the next click.
func overlaysGone() chromedp.Action[chromedp.Void] {
	return waitJS(`[...document.querySelectorAll('.el-overlay')].every(e => getComputedStyle(e).display === 'none')`)
}

// css selects the first element that matches a CSS selector.
func css(sel string) chromedp.CSS { return chromedp.CSS(sel) }

// signIn opens path of the console, signs in on the page it is sent to and
// waits for the screen to show.
func (tb *tab) signIn(base, username, password, path string) {
	tb.t.Helper()
	tb.run("sign in as "+username,
		chromedp.Navigate(base+"/console"+path),
		chromedp.WaitVisible(css(`[data-test=username]`)),
		chromedp.SendKeys(css(`[data-test=username]`), username),
		chromedp.SendKeys(css(`[data-test=password]`), password),
		chromedp.Click(css(`[data-test=login]`)),
		waitJS(`!location.pathname.startsWith('/console/login') && !!document.querySelector('[data-test=who], [data-test=voucher-code]')`),
	)
}

func (tb *tab) signOut() {
	tb.t.Helper()
	tb.run("sign out", chromedp.Click(css(`[data-test=sign-out]`)), chromedp.WaitVisible(css(`[data-test=login]`)))
}

// consoleServer is the whole program serving on a loopback port.
type consoleServer struct {
	t     *testing.T
	base  string
	admin string // the bootstrap superadmin's token
	db    string // its IFUTIAN_DB, for a test that sets up what no API can
}

const staffPassword = "console-pw-123"

func startConsoleServer(t *testing.T) *consoleServer {
	t.Helper()
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "console.db")
	s := serveConsole(t, env("IFUTIAN_DB", dsn, "IFUTIAN_ADDR", "127.0.0.1:0",
		"IFUTIAN_BOOTSTRAP_ADMIN_PASSWORD", "bootstrap-pw-123", "IFUTIAN_NOTICE_POLL", "200ms", "IFUTIAN_METRICS", "off"))
	s.db = dsn
	s.admin = s.login("admin", "bootstrap-pw-123")
	return s
}

// serveConsole runs the whole program with this configuration until the
// test ends.
func serveConsole(t *testing.T, getenv func(string) string) *consoleServer {
	t.Helper()
	cfg, err := loadConfig(getenv)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), ready) }()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("serve: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("server did not start")
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return &consoleServer{t: t, base: "http://" + addr}
}

// call sends a JSON request and decodes the answer, which must have status want.
func (s *consoleServer) call(method, path, token string, body any, want int, headers ...string) map[string]any {
	s.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.base+path, r)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		s.t.Fatalf("%s %s: %d, want %d: %s", method, path, resp.StatusCode, want, raw)
	}
	out := map[string]any{}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			s.t.Fatalf("%s %s: %v: %s", method, path, err, raw)
		}
	}
	return out
}

func (s *consoleServer) login(username, password string) string {
	s.t.Helper()
	return s.call("POST", "/api/v1/auth/staff-login", "", map[string]string{"username": username, "password": password}, http.StatusOK)["token"].(string)
}

// department creates a department and returns its ID.
func (s *consoleServer) department(name string) string {
	s.t.Helper()
	return s.call("POST", "/api/v1/admin/departments", s.admin, map[string]string{"name": name}, http.StatusCreated)["id"].(string)
}

// staff creates a member of dept with roles and returns a token of theirs.
func (s *consoleServer) staff(username, dept string, roles ...string) string {
	s.t.Helper()
	s.call("POST", "/api/v1/admin/staff", s.admin, map[string]any{
		"username": username, "password": staffPassword, "department_id": dept, "roles": roles,
	}, http.StatusCreated)
	return s.login(username, staffPassword)
}

// resident logs a resident in through the built-in fake WeChat and
// returns the token and ID.
func (s *consoleServer) resident(name string) (string, string) {
	s.t.Helper()
	out := s.call("POST", "/api/v1/auth/wechat-login", "", map[string]string{"code": "mock:" + name}, http.StatusOK)
	return out["token"].(string), out["resident"].(map[string]any)["id"].(string)
}

func items(out map[string]any) []map[string]any {
	var its []map[string]any
	for _, it := range out["items"].([]any) {
		its = append(its, it.(map[string]any))
	}
	return its
}
