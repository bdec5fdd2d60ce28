package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/futian/ifutian/staff"
)

func TestHealth(t *testing.T) {
	e := newEnv(t)
	wantStatus(t, e.do("GET", "/healthz", "", nil), http.StatusOK)
	wantStatus(t, e.do("GET", "/readyz", "", nil), http.StatusOK)
	down := newEnvWith(t, func(c *Config) {
		c.Ready = func(context.Context) error { return errors.New("db down") }
	})
	wantError(t, down.do("GET", "/readyz", "", nil), http.StatusServiceUnavailable, "upstream_unavailable", "")
}

func TestErrorShapes(t *testing.T) {
	e := newEnv(t)
	token, _ := e.resident("shape")
	t.Run("NotFound", func(t *testing.T) {
		wantError(t, e.do("GET", "/api/v1/nothing", "", nil), http.StatusNotFound, "not_found", "")
	})
	t.Run("MethodNotAllowed", func(t *testing.T) {
		wantError(t, e.do("PUT", "/api/v1/regions", "", nil), http.StatusMethodNotAllowed, "method_not_allowed", "")
	})
	t.Run("TooLarge", func(t *testing.T) {
		big := `{"nickname":"` + strings.Repeat("x", 1<<20) + `"}`
		wantError(t, e.do("PATCH", "/api/v1/me", token, big), http.StatusRequestEntityTooLarge, "payload_too_large", "")
	})
	t.Run("MalformedJSON", func(t *testing.T) {
		wantError(t, e.do("PATCH", "/api/v1/me", token, `{"nickname":`), http.StatusBadRequest, "invalid_argument", "body")
	})
	t.Run("UnknownFieldsIgnored", func(t *testing.T) {
		wantStatus(t, e.do("PATCH", "/api/v1/me", token, `{"nickname":"ok","favourite_colour":"red"}`), http.StatusOK)
	})
	t.Run("Panic", func(t *testing.T) {
		e.srv.engine.GET("/test-panic", func(*gin.Context) { panic("boom: SELECT * FROM secrets") })
		rec := e.do("GET", "/test-panic", "", nil)
		wantError(t, rec, http.StatusInternalServerError, "internal", "")
		if strings.Contains(rec.Body.String(), "SELECT") || strings.Contains(rec.Body.String(), "boom") {
			t.Fatalf("internal detail leaked: %s", rec.Body.String())
		}
	})
	t.Run("Headers", func(t *testing.T) {
		rec := e.do("GET", "/api/v1/regions", "", nil, "X-Request-ID", "abcdef123456")
		if got := rec.Header().Get("X-Request-ID"); got != "abcdef123456" {
			t.Fatalf("X-Request-ID=%q", got)
		}
		if rec.Header().Get("X-Content-Type-Options") != "nosniff" || rec.Header().Get("X-Frame-Options") != "DENY" {
			t.Fatalf("security headers missing: %v", rec.Header())
		}
	})
	t.Run("PageSize", func(t *testing.T) {
		auditor, _ := e.staffer([]staff.Role{staff.Auditor})
		wantError(t, e.do("GET", "/api/v1/admin/audit-log?page_size=x", auditor, nil), http.StatusBadRequest, "invalid_argument", "page_size")
		wantError(t, e.do("GET", "/api/v1/admin/audit-log?page_token=!!", auditor, nil), http.StatusBadRequest, "invalid_argument", "page_token")
	})
}

func TestMetrics(t *testing.T) {
	e := newEnv(t)
	e.do("GET", "/api/v1/regions", "", nil)
	rec := e.do("GET", "/metrics", "", nil)
	wantStatus(t, rec, http.StatusOK)
	if !strings.Contains(rec.Body.String(), `ifutian_http_requests_total{method="GET",route="/api/v1/regions",status="200"} 1`) {
		t.Fatalf("request not counted by route:\n%s", rec.Body.String())
	}
	locked := newEnvWith(t, func(c *Config) { c.OpsToken = "ops-secret" })
	wantError(t, locked.do("GET", "/metrics", "", nil), http.StatusUnauthorized, "unauthenticated", "")
	wantError(t, locked.do("GET", "/docs", "", nil), http.StatusUnauthorized, "unauthenticated", "")
	wantStatus(t, locked.do("GET", "/metrics", "ops-secret", nil), http.StatusOK)
	off := newEnvWith(t, func(c *Config) { c.Metrics, c.DisableDocs = nil, true })
	wantStatus(t, off.do("GET", "/metrics", "", nil), http.StatusNotFound)
	wantStatus(t, off.do("GET", "/openapi.json", "", nil), http.StatusNotFound)
}

// TestOpenAPICoversRoutes checks that every route is documented and every
// documented path is served.
func TestOpenAPICoversRoutes(t *testing.T) {
	e := newEnv(t)
	rec := e.do("GET", "/openapi.json", "", nil)
	wantStatus(t, rec, http.StatusOK)
	var spec struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &spec); err != nil {
		t.Fatal(err)
	}
	served := map[string]bool{}
	for _, r := range e.srv.Routes() {
		p := ginParam.ReplaceAllString(r.Path, "{$1}")
		key := strings.ToLower(r.Method) + " " + p
		served[key] = true
		if _, ok := spec.Paths[p][strings.ToLower(r.Method)]; !ok {
			t.Errorf("route %s %s is not in the OpenAPI document", r.Method, p)
		}
	}
	for p, ops := range spec.Paths {
		for m := range ops {
			if !served[m+" "+p] {
				t.Errorf("OpenAPI documents %s %s, which is not served", m, p)
			}
		}
	}
	wantStatus(t, e.do("GET", "/docs", "", nil), http.StatusOK)
}

// Routes outside /admin and who may call them. A route that is neither
// here nor in the admin policy fails TestRouteAccess.
var (
	publicRoutes = map[string]bool{
		"GET /healthz": true, "GET /readyz": true, "GET /metrics": true, "GET /openapi.json": true, "GET /docs": true, "GET /docs/:file": true,
		"POST /api/v1/auth/wechat-login": true, "POST /api/v1/auth/staff-login": true,
		"GET /api/v1/regions": true, "GET /api/v1/config": true, "GET /api/v1/points/rules": true, "GET /api/v1/enterprises/:uscc/rating": true,
		"GET /api/v1/requests/public": true, "GET /api/v1/requests/categories": true,
		"GET /api/v1/knowledge": true, "GET /api/v1/knowledge/:id": true, // the knowledge base is public
		"GET /api/v1/wechat/media/:token": true, // the check's unguessable token is the credential
		"GET /api/v1/media/images/:name":  true, // rewards' and activities' pictures: public content
	}
	// signedRoutes are called by WeChat, signed with the push token: 403
	// without a valid signature, whatever the bearer token.
	// The signed links to photos and avatars are signed by the server: 403
	// unsigned.
	signedRoutes = map[string]bool{
		"GET /api/v1/wechat/push": true, "POST /api/v1/wechat/push": true,
		"GET /api/v1/media/:kind/:id": true,
	}
	anyTokenRoutes = map[string]bool{"POST /api/v1/auth/logout": true}
	// anyStaffRoutes are the routes every staff member may call: they name
	// no permission (GET /admin/me tells a member what they may do).
	anyStaffRoutes = map[string]bool{
		"GET /api/v1/admin/me": true, "GET /api/v1/admin/dashboard": true, "GET /api/v1/admin/departments": true,
		"POST /api/v1/auth/change-password": true,
	}
)

// TestRouteAccess walks every route of the router with every staff role,
// a resident and no token, and checks allow or deny against the policy.
func TestRouteAccess(t *testing.T) {
	e := newEnv(t)
	resident, _ := e.resident("matrix")
	roleTokens := map[staff.Role]string{}
	for _, r := range staff.Roles {
		roleTokens[r], _ = e.staffer([]staff.Role{r})
	}
	fill := strings.NewReplacer(":uscc", "914403001922038216", ":id", "999999999")
	denied := func(status int, body string) bool {
		return status == http.StatusForbidden && strings.Contains(body, errForbidden.Message)
	}
	for _, r := range e.srv.Routes() {
		if strings.HasPrefix(r.Path, "/test-") {
			continue
		}
		key := r.Method + " " + r.Path
		path := fill.Replace(r.Path)
		call := func(token string) (int, string) {
			rec := e.do(r.Method, path, token, "{}")
			return rec.Code, rec.Body.String()
		}
		switch {
		case anyStaffRoutes[key]:
			if _, ok := e.srv.Permission(r.Method, r.Path); ok {
				t.Errorf("%s is open to every staff member but names a permission", key)
			}
			if code, _ := call(""); code != http.StatusUnauthorized {
				t.Errorf("%s without token: %d, want 401", key, code)
			}
			if code, _ := call(resident); code != http.StatusForbidden {
				t.Errorf("%s as resident: %d, want 403", key, code)
			}
			want := http.StatusOK
			if r.Method != http.MethodGet {
				want = http.StatusBadRequest // "{}" lacks what the write needs
			}
			for role, token := range roleTokens {
				if code, body := call(token); code != want {
					t.Errorf("%s as %s: status %d, want %d; %s", key, role, code, want, body)
				}
			}
		case strings.HasPrefix(r.Path, "/api/v1/admin/"):
			perm, ok := e.srv.Permission(r.Method, r.Path)
			if !ok {
				t.Errorf("%s has no permission in the policy", key)
				continue
			}
			if code, _ := call(""); code != http.StatusUnauthorized {
				t.Errorf("%s without token: %d, want 401", key, code)
			}
			if code, body := call(resident); !denied(code, body) && code != http.StatusForbidden {
				t.Errorf("%s as resident: %d, want 403", key, code)
			}
			for role, token := range roleTokens {
				want := (&staff.Member{Roles: []staff.Role{role}}).Can(perm)
				before := e.count("audit_log")
				code, body := call(token)
				if got := !denied(code, body); got != want {
					t.Errorf("%s as %s: status %d (allowed=%v), want allowed=%v; %s", key, role, code, got, want, body)
				}
				// Every successful staff write is audited, once.
				if r.Method != http.MethodGet && code < 400 {
					if got := e.count("audit_log") - before; got != 1 {
						t.Errorf("%s as %s: %d audit entries for a successful write, want 1", key, role, got)
					}
				}
			}
		case publicRoutes[key]:
			if code, _ := call(""); code == http.StatusUnauthorized || code == http.StatusForbidden {
				t.Errorf("public %s without token: %d", key, code)
			}
		case signedRoutes[key]:
			if code, _ := call(roleTokens[staff.Superadmin]); code != http.StatusForbidden {
				t.Errorf("%s unsigned: %d, want 403", key, code)
			}
		case anyTokenRoutes[key]:
			if code, _ := call(""); code != http.StatusUnauthorized {
				t.Errorf("%s without token: %d, want 401", key, code)
			}
		default: // resident routes
			if code, _ := call(""); code != http.StatusUnauthorized {
				t.Errorf("%s without token: %d, want 401", key, code)
			}
			if code, _ := call(roleTokens[staff.Superadmin]); code != http.StatusForbidden {
				t.Errorf("%s with a staff token: %d, want 403", key, code)
			}
		}
	}
}
