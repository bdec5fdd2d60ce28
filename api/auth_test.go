package api

import (
	"net/http"
	"testing"
	"time"

	"github.com/futian/ifutian/internal/ratelimit"
	"github.com/futian/ifutian/staff"
)

func TestWeChatLogin(t *testing.T) {
	e := newEnv(t)
	t.Run("OK", func(t *testing.T) {
		rec := e.do("POST", "/api/v1/auth/wechat-login", "", map[string]string{"code": "mock:alice"})
		wantStatus(t, rec, http.StatusOK)
		var out struct {
			Token    string         `json:"token"`
			Created  bool           `json:"created"`
			Resident map[string]any `json:"resident"`
		}
		decode(t, rec, &out)
		if out.Token == "" || !out.Created {
			t.Fatalf("token=%q created=%v, want a token for a new resident", out.Token, out.Created)
		}
		rec = e.do("POST", "/api/v1/auth/wechat-login", "", map[string]string{"code": "mock:alice"})
		decode(t, rec, &out)
		if out.Created {
			t.Fatal("second login created another resident")
		}
		if got, want := e.count("residents"), int64(1); got != want {
			t.Fatalf("residents=%d, want %d", got, want)
		}
	})
	t.Run("ErrInvalidCode", func(t *testing.T) {
		rec := e.do("POST", "/api/v1/auth/wechat-login", "", map[string]string{"code": "not-a-mock"})
		wantError(t, rec, http.StatusBadRequest, "invalid_argument", "code")
	})
	t.Run("ErrCodeRequired", func(t *testing.T) {
		rec := e.do("POST", "/api/v1/auth/wechat-login", "", map[string]string{})
		wantError(t, rec, http.StatusBadRequest, "invalid_argument", "code")
	})
	t.Run("ErrWrongType", func(t *testing.T) {
		rec := e.do("POST", "/api/v1/auth/wechat-login", "", `{"code": 12}`)
		wantError(t, rec, http.StatusBadRequest, "invalid_argument", "code")
	})
}

func TestStaffLogin(t *testing.T) {
	e := newEnv(t)
	_, m := e.staffer([]staff.Role{staff.Editor})
	t.Run("OK", func(t *testing.T) {
		rec := e.do("POST", "/api/v1/auth/staff-login", "", map[string]string{"username": m.Username, "password": "password-123456"})
		wantStatus(t, rec, http.StatusOK)
		var out struct {
			Token string         `json:"token"`
			Staff map[string]any `json:"staff"`
		}
		decode(t, rec, &out)
		if out.Token == "" || out.Staff["username"] != m.Username {
			t.Fatalf("login answer %s", rec.Body.String())
		}
		if _, leaked := out.Staff["password_hash"]; leaked {
			t.Fatal("password hash in response")
		}
	})
	t.Run("ErrWrongPassword", func(t *testing.T) {
		rec := e.do("POST", "/api/v1/auth/staff-login", "", map[string]string{"username": m.Username, "password": "wrong-password"})
		wantError(t, rec, http.StatusUnauthorized, "unauthenticated", "")
	})
	t.Run("ErrThrottled", func(t *testing.T) {
		var rec = e.do("POST", "/api/v1/auth/staff-login", "", map[string]string{"username": "victim", "password": "x"})
		for range 10 {
			rec = e.do("POST", "/api/v1/auth/staff-login", "", map[string]string{"username": "victim", "password": "x"})
		}
		wantError(t, rec, http.StatusTooManyRequests, "rate_limited", "")
		if rec.Header().Get("Retry-After") == "" {
			t.Fatal("429 without Retry-After")
		}
	})
}

func TestLogout(t *testing.T) {
	e := newEnv(t)
	token, _ := e.resident("bob")
	wantStatus(t, e.do("GET", "/api/v1/me", token, nil), http.StatusOK)
	wantStatus(t, e.do("POST", "/api/v1/auth/logout", token, nil), http.StatusNoContent)
	wantError(t, e.do("GET", "/api/v1/me", token, nil), http.StatusUnauthorized, "unauthenticated", "")
}

func TestTokens(t *testing.T) {
	e := newEnv(t)
	token, _ := e.resident("carol")
	tampered := token[:len(token)-1] + "x"
	if tampered == token {
		tampered = token[:len(token)-1] + "y"
	}
	for name, h := range map[string]string{
		"Missing":  "",
		"Tampered": "Bearer " + tampered,
		"NoBearer": token,
		"Garbage":  "Bearer abc",
	} {
		t.Run(name, func(t *testing.T) {
			rec := e.do("GET", "/api/v1/me", "", nil, "Authorization", h)
			wantError(t, rec, http.StatusUnauthorized, "unauthenticated", "")
		})
	}
	t.Run("StaffTokenOnResidentRoute", func(t *testing.T) {
		st, _ := e.staffer([]staff.Role{staff.Superadmin})
		wantError(t, e.do("GET", "/api/v1/me", st, nil), http.StatusForbidden, "permission_denied", "")
	})
	t.Run("ResidentTokenOnAdminRoute", func(t *testing.T) {
		wantError(t, e.do("GET", "/api/v1/admin/audit-log", token, nil), http.StatusForbidden, "permission_denied", "")
	})
}

func TestResidentWriteLimit(t *testing.T) {
	e := newEnvWith(t, func(c *Config) {
		c.Limits = DefaultLimits
		c.Limits.ResidentWrites = ratelimit.Limit{Count: 2, Period: time.Minute}
	})
	token, _ := e.resident("busy")
	other, _ := e.resident("calm")
	for range 2 {
		wantStatus(t, e.do("PATCH", "/api/v1/me", token, map[string]any{"nickname": "忙"}), http.StatusOK)
	}
	rec := e.do("PATCH", "/api/v1/me", token, map[string]any{"nickname": "太忙"})
	wantError(t, rec, http.StatusTooManyRequests, "rate_limited", "")
	if rec.Header().Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
	// Reads are not limited, and other residents keep their own budget.
	wantStatus(t, e.do("GET", "/api/v1/me", token, nil), http.StatusOK)
	wantStatus(t, e.do("PATCH", "/api/v1/me", other, map[string]any{"nickname": "静"}), http.StatusOK)
}
