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
	e := newEnv(t) // DefaultLimits: 5 failures per username and address
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
	if limited != DefaultLimits.StaffLoginPerPair.Count {
		t.Fatalf("first 429 at attempt %d, want %d (the budget of the username at one address)", limited, DefaultLimits.StaffLoginPerPair.Count)
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

// loginFrom signs in as username from ip (the env trusts 192.0.2.0/24 as a
// proxy, so X-Forwarded-For names the client).
func loginFrom(e *env, ip, username, password string) int {
	e.t.Helper()
	return e.do("POST", "/api/v1/auth/staff-login", "", map[string]string{"username": username, "password": password},
		"X-Forwarded-For", ip).Code
}

func newProxiedEnv(t *testing.T, adjust func(*Config)) *env {
	return newEnvWith(t, func(c *Config) {
		c.TrustedProxies = []string{"192.0.2.0/24"}
		adjust(c)
	})
}

// TestStaffLoginSuccessesDoNotCount: a member opening many tabs (each a
// sign-in) from one address is never throttled; only failures count.
// Regression: the 6th sign-in within 15 minutes answered 429.
func TestStaffLoginSuccessesDoNotCount(t *testing.T) {
	e := newProxiedEnv(t, func(*Config) {})
	_, m := e.staffer([]staff.Role{staff.Editor})
	for i := range 3 * DefaultLimits.StaffLoginPerPair.Count {
		if code := loginFrom(e, "198.51.100.10", m.Username, "password-123456"); code != http.StatusOK {
			t.Fatalf("sign-in %d: status %d, want 200", i+1, code)
		}
	}
}

// TestStaffLoginSuccessClearsOwnTypos: a member's own failures, followed by
// a success, leave them a full allowance at their address again.
func TestStaffLoginSuccessClearsOwnTypos(t *testing.T) {
	e := newProxiedEnv(t, func(*Config) {})
	_, m := e.staffer([]staff.Role{staff.Editor})
	n := DefaultLimits.StaffLoginPerPair.Count
	for round := range 3 {
		for i := range n - 1 {
			if code := loginFrom(e, "198.51.100.10", m.Username, "typo"); code != http.StatusUnauthorized {
				t.Fatalf("round %d typo %d: status %d, want 401", round, i+1, code)
			}
		}
		if code := loginFrom(e, "198.51.100.10", m.Username, "password-123456"); code != http.StatusOK {
			t.Fatalf("round %d: right password: status %d, want 200", round, code)
		}
	}
	// Without a success in between, the pair's budget runs out as before.
	for i := range n {
		if code := loginFrom(e, "198.51.100.10", m.Username, "typo"); code != http.StatusUnauthorized {
			t.Fatalf("typo %d: status %d, want 401", i+1, code)
		}
	}
	if code := loginFrom(e, "198.51.100.10", m.Username, "password-123456"); code != http.StatusTooManyRequests {
		t.Fatalf("right password after %d failures at the pair: %d, want 429", n, code)
	}
}

// TestStaffLoginAttackerElsewhereCannotLockOut: someone guessing a member's
// password from another address until refused, and on for as long as the
// production limits let one address go in an hour, does not keep the
// member out at theirs. Regression: six wrong passwords refused the right
// one for everyone for ~180 s.
func TestStaffLoginAttackerElsewhereCannotLockOut(t *testing.T) {
	e := newProxiedEnv(t, func(*Config) {})
	_, m := e.staffer([]staff.Role{staff.Editor})
	refused := false
	for i := range 30 {
		switch code := loginFrom(e, "203.0.113.66", m.Username, fmt.Sprintf("guess-%d", i)); code {
		case http.StatusUnauthorized:
		case http.StatusTooManyRequests:
			refused = true
		default:
			t.Fatalf("guess %d: status %d", i, code)
		}
	}
	if !refused {
		t.Fatal("the attacker's address was never refused")
	}
	if code := loginFrom(e, "203.0.113.66", m.Username, "password-123456"); code != http.StatusTooManyRequests {
		t.Fatalf("right password from the attacker's address: %d, want 429", code)
	}
	if code := loginFrom(e, "198.51.100.10", m.Username, "password-123456"); code != http.StatusOK {
		t.Fatalf("the member at their own address: %d, want 200", code)
	}
	// A few more addresses, each up to its pair's budget, stay within the
	// username's bound (100 an hour): the member still signs in.
	for a := range 3 {
		for i := range DefaultLimits.StaffLoginPerPair.Count {
			loginFrom(e, fmt.Sprintf("203.0.113.%d", 100+a), m.Username, fmt.Sprintf("guess-%d", i))
		}
	}
	if code := loginFrom(e, "198.51.100.10", m.Username, "password-123456"); code != http.StatusOK {
		t.Fatalf("the member after guesses from 4 addresses: %d, want 200", code)
	}
}

// TestStaffLoginUsernameBoundAcrossAddresses: guessing spread over many
// addresses meets the username's own bound, whatever the address.
func TestStaffLoginUsernameBoundAcrossAddresses(t *testing.T) {
	e := newProxiedEnv(t, func(c *Config) {
		c.Limits = DefaultLimits
		c.Limits.StaffLoginPerUser = ratelimit.Limit{Count: 12, Period: time.Hour}
	})
	_, m := e.staffer([]staff.Role{staff.Editor})
	for a := range 3 {
		for i := range 4 {
			if code := loginFrom(e, fmt.Sprintf("203.0.113.%d", a+1), m.Username, fmt.Sprintf("guess-%d", i)); code != http.StatusUnauthorized {
				t.Fatalf("address %d guess %d: status %d, want 401", a, i, code)
			}
		}
	}
	if code := loginFrom(e, "203.0.113.50", m.Username, "guess"); code != http.StatusTooManyRequests {
		t.Fatalf("a fresh address after the username's 12 failures: %d, want 429", code)
	}
	// Another username is not affected.
	_, other := e.staffer([]staff.Role{staff.Editor})
	if code := loginFrom(e, "203.0.113.50", other.Username, "password-123456"); code != http.StatusOK {
		t.Fatalf("another member: %d, want 200", code)
	}
}

// TestStaffLoginOfficeBehindNAT: a street office's many mistyped sign-ins
// (different members, one address) stay below the address's bound, and
// the members who type their password right are never refused.
// Regression: ~40 bad sign-ins from one address refused every sign-in
// from it.
func TestStaffLoginOfficeBehindNAT(t *testing.T) {
	e := newProxiedEnv(t, func(*Config) {})
	_, m := e.staffer([]staff.Role{staff.Editor})
	for i := range 60 {
		if code := loginFrom(e, "198.51.100.20", fmt.Sprintf("colleague%d", i), "typo"); code != http.StatusUnauthorized {
			t.Fatalf("colleague %d: status %d, want 401", i, code)
		}
		if i%10 == 0 {
			if code := loginFrom(e, "198.51.100.20", m.Username, "password-123456"); code != http.StatusOK {
				t.Fatalf("member after %d failures at the office: %d, want 200", i+1, code)
			}
		}
	}
}

// TestChangePasswordCountsWrongOldPassword: a stolen session guessing the
// member's password through change-password meets the sign-in throttle of
// the member at that address; a right change is not counted.
func TestChangePasswordCountsWrongOldPassword(t *testing.T) {
	e := newEnv(t)
	tok, _ := e.staffer([]staff.Role{staff.Editor})
	n := DefaultLimits.StaffLoginPerPair.Count
	for i := range n {
		wantError(t, e.do("POST", "/api/v1/auth/change-password", tok, map[string]string{"old_password": fmt.Sprintf("guess-%d", i), "new_password": "a-new-password-1"}),
			http.StatusBadRequest, "invalid_argument", "old_password")
	}
	wantError(t, e.do("POST", "/api/v1/auth/change-password", tok, map[string]string{"old_password": "password-123456", "new_password": "a-new-password-1"}),
		http.StatusTooManyRequests, "rate_limited", "")
}
