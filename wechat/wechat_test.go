package wechat

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/silenceper/wechat/v2/cache"
)

const (
	testAppID  = "wx0123456789abcdef"
	testSecret = "s3cr3t-0123456789abcdef0123456789"
	// testTimeout is the HTTP client timeout; DelayMS beyond it times out.
	testTimeout = 400 * time.Millisecond
)

// The SDK's HTTP client is process-global, so the whole package shares one
// fake, installed once; no test may call t.Parallel.
var (
	testFake    *Fake
	testBaseURL string
)

func TestMain(m *testing.M) {
	var stop func(context.Context) error
	var err error
	testFake, testBaseURL, stop, err = StartLocalFake(testTimeout)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	_ = stop(ctx)
	cancel()
	os.Exit(code)
}

// newTestClient returns a client with its own token cache, and resets the
// shared fake's settings when the test ends.
func newTestClient(tb testing.TB) (*Client, cache.Cache) {
	tb.Helper()
	tb.Cleanup(func() {
		testFake.SetFaults(Faults{})
		testFake.SetOneTimeCodes(false)
	})
	c := cache.NewMemory()
	return New(Config{AppID: testAppID, AppSecret: testSecret, Cache: c}), c
}

// cachedToken returns the access token client c has cached.
func cachedToken(tb testing.TB, c *Client) string {
	tb.Helper()
	s, _ := c.cache.Get(c.tokenKey).(string)
	if s == "" {
		tb.Fatalf("no access token cached under %q", c.tokenKey)
	}
	return s
}

// assertClean fails if err's text holds the app secret or an access token.
func assertClean(tb testing.TB, err error, token string) {
	tb.Helper()
	text := err.Error()
	if strings.Contains(text, testSecret) {
		tb.Fatalf("error %q contains the app secret", text)
	}
	if token != "" && strings.Contains(text, token) {
		tb.Fatalf("error %q contains the access token", text)
	}
}

// errCode returns the errcode of a *Error in err, or 0.
func errCode(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return 0
}

func TestLogin(t *testing.T) {
	ctx := context.Background()
	t.Run("OK", func(t *testing.T) {
		c, _ := newTestClient(t)
		s, err := c.Login(ctx, "mock:alice")
		if err != nil {
			t.Fatal(err)
		}
		if got, want := s.OpenID, "mock_alice"; got != want {
			t.Fatalf("OpenID=%q, want %q", got, want)
		}
		if got, want := s.UnionID, ""; got != want {
			t.Fatalf("UnionID=%q, want %q", got, want)
		}
		// By default a mock code logs in again and again (CONTRACT.md).
		if _, err := c.Login(ctx, "mock:alice"); err != nil {
			t.Fatalf("second login: %v", err)
		}
	})
	t.Run("ErrInvalidCode", func(t *testing.T) {
		c, _ := newTestClient(t)
		_, err := c.Login(ctx, "0a1b2c3d")
		if got, want := errCode(err), 40029; got != want {
			t.Fatalf("errcode=%d, want %d (err %v)", got, want, err)
		}
		if got, want := IsInvalidCode(err), true; got != want {
			t.Fatalf("IsInvalidCode=%v, want %v", got, want)
		}
		if got, want := IsTransient(err), false; got != want {
			t.Fatalf("IsTransient=%v, want %v", got, want)
		}
		assertClean(t, err, "")
	})
	t.Run("ErrCodeUsed", func(t *testing.T) {
		c, _ := newTestClient(t)
		testFake.SetOneTimeCodes(true)
		if _, err := c.Login(ctx, "mock:bob"); err != nil {
			t.Fatal(err)
		}
		_, err := c.Login(ctx, "mock:bob")
		if got, want := errCode(err), 40163; got != want {
			t.Fatalf("errcode=%d, want %d (err %v)", got, want, err)
		}
		if got, want := IsInvalidCode(err), true; got != want {
			t.Fatalf("IsInvalidCode=%v, want %v", got, want)
		}
	})
	t.Run("EscapesCode", func(t *testing.T) {
		c, _ := newTestClient(t)
		// Unescaped, "&js_code=mock:eve" would override the code.
		_, err := c.Login(ctx, "x&js_code=mock:eve")
		if got, want := errCode(err), 40029; got != want {
			t.Fatalf("errcode=%d, want %d (err %v)", got, want, err)
		}
	})
}

func TestPhoneNumber(t *testing.T) {
	ctx := context.Background()
	t.Run("OK", func(t *testing.T) {
		c, _ := newTestClient(t)
		got, err := c.PhoneNumber(ctx, "mock-phone:13800138000")
		if err != nil {
			t.Fatal(err)
		}
		if want := "13800138000"; got != want {
			t.Fatalf("PhoneNumber=%q, want %q", got, want)
		}
	})
	t.Run("ErrInvalidCode", func(t *testing.T) {
		c, _ := newTestClient(t)
		for _, code := range []string{"mock-phone:1380013800", "mock-phone:1380013800x", "abc"} {
			_, err := c.PhoneNumber(ctx, code)
			if got, want := IsInvalidCode(err), true; got != want {
				t.Fatalf("%q: IsInvalidCode=%v, want %v (err %v)", code, got, want, err)
			}
			assertClean(t, err, cachedToken(t, c))
		}
	})
}

func TestSendSubscribe(t *testing.T) {
	ctx := context.Background()
	msg := Message{
		OpenID:     "mock_carol",
		TemplateID: "tmpl-notice",
		Page:       "pages/notice/index?id=7",
		Data:       map[string]string{"thing1": "停水通知", "time2": "2025-01-02 08:00"},
	}
	t.Run("OK", func(t *testing.T) {
		c, _ := newTestClient(t)
		before := len(testFake.Messages())
		start := time.Now()
		if err := c.SendSubscribe(ctx, msg); err != nil {
			t.Fatal(err)
		}
		all := testFake.Messages()
		if got, want := len(all), before+1; got != want {
			t.Fatalf("len(Messages)=%d, want %d", got, want)
		}
		got := all[len(all)-1]
		if got.OpenID != msg.OpenID || got.TemplateID != msg.TemplateID || got.Page != msg.Page {
			t.Fatalf("message=%+v, want %+v", got, msg)
		}
		if got, want := fmt.Sprint(got.Data), fmt.Sprint(msg.Data); got != want {
			t.Fatalf("Data=%s, want %s", got, want)
		}
		if got.ReceivedAt.Before(start.Add(-time.Second)) {
			t.Fatalf("ReceivedAt=%v, before the send at %v", got.ReceivedAt, start)
		}
	})
	t.Run("ErrInvalidOpenID", func(t *testing.T) {
		c, _ := newTestClient(t)
		m := msg
		m.OpenID = ""
		err := c.SendSubscribe(ctx, m)
		if got, want := errCode(err), 40003; got != want {
			t.Fatalf("errcode=%d, want %d (err %v)", got, want, err)
		}
	})
	t.Run("ErrInvalidTemplate", func(t *testing.T) {
		c, _ := newTestClient(t)
		m := msg
		m.TemplateID = ""
		err := c.SendSubscribe(ctx, m)
		if got, want := errCode(err), 40037; got != want {
			t.Fatalf("errcode=%d, want %d (err %v)", got, want, err)
		}
	})
	t.Run("ErrContextDone", func(t *testing.T) {
		c, _ := newTestClient(t)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		before := len(testFake.Messages())
		err := c.SendSubscribe(cctx, msg)
		if got, want := errors.Is(err, context.Canceled), true; got != want {
			t.Fatalf("errors.Is(err, context.Canceled)=%v, want %v (err %v)", got, want, err)
		}
		if got, want := len(testFake.Messages()), before; got != want {
			t.Fatalf("len(Messages)=%d, want %d", got, want)
		}
	})
}

func TestFaults(t *testing.T) {
	ctx := context.Background()
	msg := Message{OpenID: "mock_dave", TemplateID: "tmpl", Data: map[string]string{"thing1": "x"}}
	t.Run("ErrNoQuota", func(t *testing.T) {
		c, _ := newTestClient(t)
		testFake.SetFaults(Faults{FailEvery: 1, ErrCode: 43101})
		err := c.SendSubscribe(ctx, msg)
		if got, want := IsNoQuota(err), true; got != want {
			t.Fatalf("IsNoQuota=%v, want %v (err %v)", got, want, err)
		}
		if got, want := IsTransient(err), false; got != want {
			t.Fatalf("IsTransient=%v, want %v", got, want)
		}
	})
	t.Run("ErrDailyLimit", func(t *testing.T) {
		c, _ := newTestClient(t)
		for _, code := range []int{45009, 45011} {
			testFake.SetFaults(Faults{FailEvery: 1, ErrCode: code})
			err := c.SendSubscribe(ctx, msg)
			if got, want := IsDailyLimit(err), true; got != want {
				t.Fatalf("%d: IsDailyLimit=%v, want %v (err %v)", code, got, want, err)
			}
			if got, want := IsTransient(err), true; got != want {
				t.Fatalf("%d: IsTransient=%v, want %v", code, got, want)
			}
			if got, want := errors.Is(err, ErrUnavailable), false; got != want {
				t.Fatalf("%d: errors.Is(err, ErrUnavailable)=%v, want %v", code, got, want)
			}
		}
	})
	t.Run("ErrBusy", func(t *testing.T) {
		c, _ := newTestClient(t)
		testFake.SetFaults(Faults{FailEvery: 1, ErrCode: -1})
		_, err := c.Login(ctx, "mock:erin")
		if got, want := errCode(err), -1; got != want {
			t.Fatalf("errcode=%d, want %d (err %v)", got, want, err)
		}
		if got, want := errors.Is(err, ErrUnavailable), true; got != want {
			t.Fatalf("errors.Is(err, ErrUnavailable)=%v, want %v", got, want)
		}
		if got, want := IsTransient(err), true; got != want {
			t.Fatalf("IsTransient=%v, want %v", got, want)
		}
	})
	t.Run("ErrHTTP500", func(t *testing.T) {
		c, _ := newTestClient(t)
		if err := c.SendSubscribe(ctx, msg); err != nil { // caches a token
			t.Fatal(err)
		}
		token := cachedToken(t, c)
		testFake.SetFaults(Faults{FailEvery: 1, ErrCode: 500})
		for name, call := range map[string]func() error{
			"login": func() error { _, err := c.Login(ctx, "mock:frank"); return err },
			"phone": func() error { _, err := c.PhoneNumber(ctx, "mock-phone:13800138000"); return err },
			"send":  func() error { return c.SendSubscribe(ctx, msg) },
		} {
			err := call()
			if got, want := errors.Is(err, ErrUnavailable), true; got != want {
				t.Fatalf("%s: errors.Is(err, ErrUnavailable)=%v, want %v (err %v)", name, got, want, err)
			}
			assertClean(t, err, token)
		}
	})
	t.Run("EveryNth", func(t *testing.T) {
		c, _ := newTestClient(t)
		testFake.SetFaults(Faults{FailEvery: 3, ErrCode: 45009})
		var codes []int
		for i := range 6 {
			_, err := c.Login(ctx, fmt.Sprintf("mock:n%d", i))
			codes = append(codes, errCode(err))
		}
		if got, want := fmt.Sprint(codes), "[0 0 45009 0 0 45009]"; got != want {
			t.Fatalf("errcodes=%s, want %s", got, want)
		}
	})
	t.Run("ErrTimeout", func(t *testing.T) {
		c, _ := newTestClient(t)
		if err := c.SendSubscribe(ctx, msg); err != nil { // caches a token
			t.Fatal(err)
		}
		token := cachedToken(t, c)
		testFake.SetFaults(Faults{DelayMS: int(3 * testTimeout / time.Millisecond)})
		before := len(testFake.Messages())
		start := time.Now()
		_, lerr := c.Login(ctx, "mock:grace")
		serr := c.SendSubscribe(ctx, msg)
		if elapsed := time.Since(start); elapsed > 3*testTimeout {
			t.Fatalf("two timed-out calls took %v, want about %v", elapsed, 2*testTimeout)
		}
		for name, err := range map[string]error{"login": lerr, "send": serr} {
			if got, want := errors.Is(err, ErrUnavailable), true; got != want {
				t.Fatalf("%s: errors.Is(err, ErrUnavailable)=%v, want %v (err %v)", name, got, want, err)
			}
			if got, want := IsTransient(err), true; got != want {
				t.Fatalf("%s: IsTransient=%v, want %v", name, got, want)
			}
			assertClean(t, err, token)
		}
		if got, want := len(testFake.Messages()), before; got != want {
			t.Fatalf("len(Messages)=%d, want %d", got, want)
		}
	})
}

func TestTokenRefresh(t *testing.T) {
	ctx := context.Background()
	msg := Message{OpenID: "mock_heidi", TemplateID: "tmpl", Data: map[string]string{"thing1": "x"}}
	t.Run("OK", func(t *testing.T) {
		c, _ := newTestClient(t)
		if err := c.SendSubscribe(ctx, msg); err != nil {
			t.Fatal(err)
		}
		old := cachedToken(t, c)
		issued := testFake.tokensIssued()
		testFake.ExpireTokens()

		if err := c.SendSubscribe(ctx, msg); err != nil {
			t.Fatalf("send after ExpireTokens: %v", err)
		}
		if got, want := testFake.tokensIssued(), issued+1; got != want {
			t.Fatalf("tokens issued=%d, want %d", got, want)
		}
		if got := cachedToken(t, c); got == old {
			t.Fatalf("cached token still %q after refresh", got)
		}
		testFake.ExpireTokens()
		if _, err := c.PhoneNumber(ctx, "mock-phone:13900139000"); err != nil {
			t.Fatalf("phone number after ExpireTokens: %v", err)
		}
		if got, want := testFake.tokensIssued(), issued+2; got != want {
			t.Fatalf("tokens issued=%d, want %d", got, want)
		}
	})
	t.Run("RetriesOnce", func(t *testing.T) {
		c, _ := newTestClient(t)
		if err := c.SendSubscribe(ctx, msg); err != nil {
			t.Fatal(err)
		}
		for _, code := range []int{40001, 42001, 40014} {
			testFake.SetFaults(Faults{FailEvery: 1, ErrCode: code})
			err := c.SendSubscribe(ctx, msg)
			if got, want := errCode(err), code; got != want {
				t.Fatalf("errcode=%d, want %d (err %v)", got, want, err)
			}
			testFake.mu.Lock()
			calls := testFake.calls
			testFake.mu.Unlock()
			if got, want := calls, 2; got != want {
				t.Fatalf("%d: API calls=%d, want %d", code, got, want)
			}
		}
	})
	t.Run("SharedCache", func(t *testing.T) {
		c1, shared := newTestClient(t)
		c2 := New(Config{AppID: testAppID, AppSecret: testSecret, Cache: shared})
		if err := c1.SendSubscribe(ctx, msg); err != nil {
			t.Fatal(err)
		}
		issued := testFake.tokensIssued()
		testFake.ExpireTokens()
		if err := c1.SendSubscribe(ctx, msg); err != nil {
			t.Fatal(err)
		}
		// c2 uses the token c1 refreshed: no fetch of its own.
		if err := c2.SendSubscribe(ctx, msg); err != nil {
			t.Fatal(err)
		}
		if got, want := testFake.tokensIssued(), issued+1; got != want {
			t.Fatalf("tokens issued=%d, want %d", got, want)
		}
	})
}
