package api

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/futian/ifutian/internal/ratelimit"
	"github.com/futian/ifutian/staff"
)

// TestStaffLoginThrottleOneUsername: every spelling of a username that
// logs in as it (padding, case) shares one budget, so padding variants do
// not buy fresh guesses; a forged X-Forwarded-For does not either.
func TestStaffLoginThrottleOneUsername(t *testing.T) {
	e := newEnv(t) // DefaultLimits: 5 attempts per username
	_, m := e.staffer([]staff.Role{staff.Editor})
	pads := []string{" ", "\t", "\n", "\u3000", "\u00a0", "  \t"}
	login := func(i int, password string) int {
		name := pads[i%len(pads)] + strings.Repeat(" ", i/len(pads)) + strings.ToUpper(m.Username) + pads[(i+1)%len(pads)]
		rec := e.do("POST", "/api/v1/auth/staff-login", "", map[string]string{"username": name, "password": password},
			"X-Forwarded-For", fmt.Sprintf("203.0.113.%d", i+1))
		return rec.Code
	}
	limited := -1
	for i := range 12 {
		code := login(i, "wrong-password")
		if code == http.StatusTooManyRequests {
			limited = i
			break
		}
		if code != http.StatusUnauthorized {
			t.Fatalf("attempt %d: status %d", i, code)
		}
	}
	if limited != DefaultLimits.StaffLoginPerUser.Count {
		t.Fatalf("first 429 at attempt %d, want %d (the per-username budget)", limited, DefaultLimits.StaffLoginPerUser.Count)
	}
	// The right password under yet another spelling is refused too: the
	// budget is the account's.
	if code := login(20, "password-123456"); code != http.StatusTooManyRequests {
		t.Fatalf("right password after the budget: %d, want 429", code)
	}
}

// TestStaffLoginPaddedUsernameLogsIn: the normalised username is the one
// that logs in, so a padded spelling is the same account, not another.
func TestStaffLoginPaddedUsernameLogsIn(t *testing.T) {
	e := newEnv(t)
	_, m := e.staffer([]staff.Role{staff.Editor})
	rec := e.do("POST", "/api/v1/auth/staff-login", "", map[string]string{"username": " " + strings.ToUpper(m.Username) + "\t", "password": "password-123456"})
	wantStatus(t, rec, http.StatusOK)
}

// TestStaffLoginThrottlePerIPIgnoresForgedForwardedFor: without trusted
// proxies the client IP is the connection's, whatever X-Forwarded-For says.
func TestStaffLoginThrottlePerIPIgnoresForgedForwardedFor(t *testing.T) {
	e := newEnvWith(t, func(c *Config) {
		c.Limits = DefaultLimits
		c.Limits.StaffLoginPerIP = ratelimit.Limit{Count: 3, Period: time.Minute}
	})
	for i := range 12 {
		rec := e.do("POST", "/api/v1/auth/staff-login", "", map[string]string{"username": fmt.Sprintf("nobody%d", i), "password": "wrong-password"},
			"X-Forwarded-For", fmt.Sprintf("198.51.100.%d", i+1), "X-Real-IP", fmt.Sprintf("198.51.100.%d", i+100))
		if i < 3 {
			wantError(t, rec, http.StatusUnauthorized, "unauthenticated", "")
			continue
		}
		wantError(t, rec, http.StatusTooManyRequests, "rate_limited", "")
	}
}

// TestTrustedProxies: the audit log records the connection's address unless
// it is a configured proxy, whose X-Forwarded-For is then believed.
func TestTrustedProxies(t *testing.T) {
	auditIP := func(t *testing.T, e *env, name string) string {
		t.Helper()
		admin, _ := e.staffer([]staff.Role{staff.Superadmin})
		rec := e.do("POST", "/api/v1/admin/departments", admin, map[string]string{"name": name}, "X-Forwarded-For", "198.51.100.7")
		wantStatus(t, rec, http.StatusCreated)
		var ip string
		if err := e.db.Raw("SELECT ip FROM audit_log WHERE action = 'POST /api/v1/admin/departments' ORDER BY id DESC LIMIT 1").Scan(&ip).Error; err != nil {
			t.Fatal(err)
		}
		return ip
	}
	t.Run("NoneByDefault", func(t *testing.T) {
		e := newEnv(t)
		if got, want := auditIP(t, e, "不信任代理"), "192.0.2.1"; got != want { // httptest's RemoteAddr
			t.Fatalf("audit ip=%q, want %q", got, want)
		}
	})
	t.Run("Configured", func(t *testing.T) {
		e := newEnvWith(t, func(c *Config) { c.TrustedProxies = []string{"192.0.2.0/24"} })
		if got, want := auditIP(t, e, "信任代理"), "198.51.100.7"; got != want {
			t.Fatalf("audit ip=%q, want %q", got, want)
		}
	})
	t.Run("ErrBadProxy", func(t *testing.T) {
		if _, err := New(Config{TrustedProxies: []string{"not-an-ip"}}); err == nil {
			t.Fatal("bad trusted proxy accepted")
		}
	})
}
