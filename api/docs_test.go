package api

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// TestDocs checks the API explorer is whole and self-contained: the page
// loads only scripts and styles this server serves (no inline code, which
// its CSP forbids, and no other origin), each with its content type, and
// the ops token and IFUTIAN_DOCS=off still guard it.
func TestDocs(t *testing.T) {
	e := newEnv(t)
	rec := e.do("GET", "/docs", "", nil)
	wantStatus(t, rec, http.StatusOK)
	csp := rec.Header().Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe") || strings.Contains(csp, "http") {
		t.Errorf("CSP %q allows more than this server", csp)
	}
	page := rec.Body.String()
	if regexp.MustCompile(`<script>|<style|\son\w+=|https?://`).MatchString(page) {
		t.Errorf("the page has inline code or an outside URL:\n%s", page)
	}
	refs := regexp.MustCompile(`(?:src|href)="docs/([^"]+)"`).FindAllStringSubmatch(page, -1)
	if len(refs) != len(docsAssets) {
		t.Errorf("the page loads %d assets, want the %d served: %v", len(refs), len(docsAssets), refs)
	}
	for _, ref := range refs {
		rec := e.do("GET", "/docs/"+ref[1], "", nil)
		wantStatus(t, rec, http.StatusOK)
		want := map[bool]string{true: "text/javascript", false: "text/css"}[strings.HasSuffix(ref[1], ".js")]
		if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, want) || rec.Body.Len() == 0 {
			t.Errorf("%s: %q, %d bytes", ref[1], ct, rec.Body.Len())
		}
	}
	wantError(t, e.do("GET", "/docs/package.json", "", nil), http.StatusNotFound, "not_found", "")

	locked := newEnvWith(t, func(c *Config) { c.OpsToken = "ops-secret" })
	wantError(t, locked.do("GET", "/docs", "", nil), http.StatusUnauthorized, "unauthenticated", "")
	wantError(t, locked.do("GET", "/openapi.json", "", nil), http.StatusUnauthorized, "unauthenticated", "")
	wantStatus(t, locked.do("GET", "/docs?token=ops-secret", "", nil), http.StatusOK)
	wantStatus(t, locked.do("GET", "/openapi.json?token=ops-secret", "", nil), http.StatusOK)
	wantStatus(t, locked.do("GET", "/docs/swagger-ui-bundle.js", "", nil), http.StatusOK) // library code, public

	off := newEnvWith(t, func(c *Config) { c.DisableDocs = true })
	wantStatus(t, off.do("GET", "/docs", "", nil), http.StatusNotFound)
	wantStatus(t, off.do("GET", "/docs/ifutian.js", "", nil), http.StatusNotFound)
}
