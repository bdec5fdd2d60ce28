package api

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/futian/ifutian/staff"
)

// cookieLogin signs in with cookie: true and returns the session cookie
// header and the CSRF token.
func cookieLogin(t *testing.T, e *env, username string) (cookie, csrf string, rec *httptest.ResponseRecorder) {
	t.Helper()
	rec = e.do("POST", "/api/v1/auth/staff-login", "", map[string]any{"username": username, "password": "password-123456", "cookie": true})
	wantStatus(t, rec, http.StatusOK)
	var out struct {
		Token     *string `json:"token"`
		CSRFToken string  `json:"csrf_token"`
	}
	decode(t, rec, &out)
	if out.Token != nil || out.CSRFToken == "" {
		t.Fatalf("cookie login answered %s, want a csrf_token and no token", rec.Body.String())
	}
	for _, c := range rec.Result().Cookies() {
		if c.Name == sessionCookie {
			cookie = sessionCookie + "=" + c.Value
		}
	}
	if cookie == "" {
		t.Fatalf("no session cookie: %v", rec.Result().Header["Set-Cookie"])
	}
	return cookie, out.CSRFToken, rec
}

// TestConsoleCookieSession: staff login with cookie: true sets an HttpOnly,
// SameSite=Strict, Secure session cookie scoped to the API and returns the
// CSRF token; the cookie alone reads; a write needs the CSRF token and the
// same site (403 naming the header, nothing written); bearer tokens work
// as before; logout revokes the session and clears the cookies.
func TestConsoleCookieSession(t *testing.T) {
	e := newEnv(t)
	_, m := e.staffer([]staff.Role{staff.Superadmin})
	cookie, csrf, rec := cookieLogin(t, e, m.Username)
	sc := rec.Header().Values("Set-Cookie")
	if len(sc) != 2 {
		t.Fatalf("Set-Cookie=%q, want the session and its CSRF token", sc)
	}
	for _, want := range []string{sessionCookie + "=", "Path=/api/v1", "HttpOnly", "Secure", "SameSite=Strict"} {
		if !strings.Contains(sc[0], want) {
			t.Fatalf("session cookie %q lacks %q", sc[0], want)
		}
	}
	if !strings.Contains(sc[1], csrfCookie+"="+csrf) || strings.Contains(sc[1], "HttpOnly") || !strings.Contains(sc[1], "Path=/;") || !strings.Contains(sc[1], "SameSite=Strict") {
		t.Fatalf("CSRF cookie %q: want the token, readable by the page, Path=/, SameSite=Strict", sc[1])
	}

	wantStatus(t, e.do("GET", "/api/v1/admin/me", "", nil, "Cookie", cookie), http.StatusOK)

	departments := func() int64 { return e.count("departments") }
	before := departments()
	create := func(name string, headers ...string) *httptest.ResponseRecorder {
		return e.do("POST", "/api/v1/admin/departments", "", map[string]string{"name": name}, append([]string{"Cookie", cookie}, headers...)...)
	}
	t.Run("ErrNoCSRFToken", func(t *testing.T) {
		rec := create("无令牌部门")
		wantError(t, rec, http.StatusForbidden, "permission_denied", csrfHeader)
		if !strings.Contains(rec.Body.String(), csrfHeader) {
			t.Fatalf("message does not name the header: %s", rec.Body.String())
		}
		wrong := "x" + csrf[1:] // a token of the right shape, one character off
		if wrong == csrf {
			wrong = "y" + csrf[1:]
		}
		wantError(t, create("错令牌部门", csrfHeader, wrong), http.StatusForbidden, "permission_denied", csrfHeader)
		// Another session's token does not fit this one.
		_, otherCSRF, _ := cookieLogin(t, e, m.Username)
		wantError(t, create("他人令牌部门", csrfHeader, otherCSRF), http.StatusForbidden, "permission_denied", csrfHeader)
		if got := departments(); got != before {
			t.Fatalf("departments=%d, want %d (nothing written)", got, before)
		}
	})
	t.Run("ErrCrossSite", func(t *testing.T) {
		wantError(t, create("跨站部门", csrfHeader, csrf, "Sec-Fetch-Site", "cross-site"), http.StatusForbidden, "permission_denied", "Origin")
		wantError(t, create("同站不同源部门", csrfHeader, csrf, "Sec-Fetch-Site", "same-site"), http.StatusForbidden, "permission_denied", "Origin")
		wantError(t, create("外源部门", csrfHeader, csrf, "Origin", "https://evil.example"), http.StatusForbidden, "permission_denied", "Origin")
		if got := departments(); got != before {
			t.Fatalf("departments=%d, want %d (nothing written)", got, before)
		}
	})
	t.Run("OK", func(t *testing.T) {
		wantStatus(t, create("同源部门", csrfHeader, csrf, "Sec-Fetch-Site", "same-origin", "Origin", "http://example.com"), http.StatusCreated)
		wantStatus(t, create("同源部门二", csrfHeader, csrf, "Origin", "http://example.com"), http.StatusCreated)
		if got := departments(); got != before+2 {
			t.Fatalf("departments=%d, want %d", got, before+2)
		}
	})
	t.Run("BearerUnchanged", func(t *testing.T) {
		token := e.login(m.Username, "password-123456").Token
		wantStatus(t, e.do("POST", "/api/v1/admin/departments", token, map[string]string{"name": "令牌部门"}, "Sec-Fetch-Site", "cross-site"), http.StatusCreated)
	})
	t.Run("ErrResidentTokenInCookie", func(t *testing.T) {
		res, _ := e.resident("cookie-resident")
		wantError(t, e.do("GET", "/api/v1/points/account", "", nil, "Cookie", sessionCookie+"="+res), http.StatusUnauthorized, "unauthenticated", "")
	})
	t.Run("Logout", func(t *testing.T) {
		wantError(t, e.do("POST", "/api/v1/auth/logout", "", nil, "Cookie", cookie), http.StatusForbidden, "permission_denied", csrfHeader)
		wantStatus(t, e.do("GET", "/api/v1/admin/me", "", nil, "Cookie", cookie), http.StatusOK)
		rec := e.do("POST", "/api/v1/auth/logout", "", nil, "Cookie", cookie, csrfHeader, csrf)
		wantStatus(t, rec, http.StatusNoContent)
		cleared := map[string]bool{}
		for _, c := range rec.Result().Cookies() {
			cleared[c.Name] = c.MaxAge < 0 && c.Value == ""
		}
		if !cleared[sessionCookie] || !cleared[csrfCookie] {
			t.Fatalf("logout's Set-Cookie=%q, want both cookies cleared", rec.Header().Values("Set-Cookie"))
		}
		wantError(t, e.do("GET", "/api/v1/admin/me", "", nil, "Cookie", cookie), http.StatusUnauthorized, "unauthenticated", "")
	})
}

// TestCookieSecure: Secure is dropped only for plain http to a loopback host.
func TestCookieSecure(t *testing.T) {
	for _, tc := range []struct {
		host, proto string
		tls         bool
		want        bool
	}{
		{"console.futian.gov.cn", "", false, true},
		{"console.futian.gov.cn", "", true, true},
		{"localhost:8080", "", false, false},
		{"LOCALHOST", "", false, false},
		{"127.0.0.1:8080", "", false, false},
		{"[::1]:8080", "", false, false},
		{"127.0.0.1:8080", "https", false, true},
		{"localhost:8443", "", true, true},
		{"10.0.0.8:8080", "", false, true},
		{"localhost.evil.example", "", false, true},
	} {
		c, _ := gin.CreateTestContext(httptest.NewRecorder())
		c.Request = httptest.NewRequest("POST", "/api/v1/auth/staff-login", nil)
		c.Request.Host = tc.host
		if tc.proto != "" {
			c.Request.Header.Set("X-Forwarded-Proto", tc.proto)
		}
		if tc.tls {
			c.Request.TLS = &tls.ConnectionState{}
		}
		if got := cookieSecure(c); got != tc.want {
			t.Errorf("host %q proto %q tls %v: secure=%v, want %v", tc.host, tc.proto, tc.tls, got, tc.want)
		}
	}
}
