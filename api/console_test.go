package api

import (
	"bytes"
	"io/fs"
	"net/http"
	"os"
	"strings"
	"testing"
)

func TestConsoleServed(t *testing.T) {
	e := newEnv(t)
	assets, err := fs.Glob(consoleFiles, "assets/*.js")
	if err != nil || len(assets) == 0 {
		t.Fatalf("no built console assets (err=%v): run npm ci && npm run build in console/", err)
	}
	wantCSP := func(t *testing.T, h http.Header) {
		t.Helper()
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'self'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"} {
			if !strings.Contains(csp, want) {
				t.Fatalf("CSP %q lacks %q", csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") || strings.Contains(csp, "http") {
			t.Fatalf("CSP %q allows inline code or another origin", csp)
		}
	}
	t.Run("Index", func(t *testing.T) {
		for _, path := range []string{"/console/", "/console/notices/12", "/console/login?redirect=%2Fnotices"} {
			rec := e.do("GET", path, "", nil)
			wantStatus(t, rec, http.StatusOK)
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
				t.Fatalf("%s: Content-Type=%q", path, ct)
			}
			if !strings.Contains(rec.Body.String(), `<div id="app">`) {
				t.Fatalf("%s: not the console's index.html: %.200s", path, rec.Body.String())
			}
			if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
				t.Fatalf("%s: Cache-Control=%q, want no-store", path, cc)
			}
			wantCSP(t, rec.Header())
		}
	})
	t.Run("NoInlineScript", func(t *testing.T) {
		body := e.do("GET", "/console/", "", nil).Body.String()
		for _, tag := range strings.Split(body, "<script")[1:] {
			if !strings.Contains(tag[:strings.Index(tag, ">")], "src=") {
				t.Fatalf("index.html has an inline script: <script%.80s", tag)
			}
		}
	})
	t.Run("Asset", func(t *testing.T) {
		want, _ := fs.ReadFile(consoleFiles, assets[0])
		rec := e.do("GET", "/console/"+assets[0], "", nil)
		wantStatus(t, rec, http.StatusOK)
		if !bytes.Equal(rec.Body.Bytes(), want) {
			t.Fatalf("asset body differs from the embedded file")
		}
		if cc := rec.Header().Get("Cache-Control"); !strings.Contains(cc, "immutable") || !strings.Contains(cc, "max-age=31536000") {
			t.Fatalf("Cache-Control=%q, want a year, immutable", cc)
		}
		if ct := rec.Header().Get("Content-Type"); !strings.Contains(ct, "javascript") {
			t.Fatalf("Content-Type=%q", ct)
		}
		wantCSP(t, rec.Header())
	})
	t.Run("ErrMissingAsset", func(t *testing.T) {
		for _, path := range []string{"/console/assets/nothing-1234.js", "/console/assets/../index.html", "/console/assets/"} {
			wantError(t, e.do("GET", path, "", nil), http.StatusNotFound, "not_found", "")
		}
	})
	t.Run("Redirect", func(t *testing.T) {
		for _, path := range []string{"/", "/console"} {
			rec := e.do("GET", path, "", nil)
			if rec.Code != http.StatusFound || rec.Header().Get("Location") != "/console/" {
				t.Fatalf("%s: %d Location=%q, want 302 to /console/", path, rec.Code, rec.Header().Get("Location"))
			}
		}
	})
	t.Run("ErrMethod", func(t *testing.T) {
		wantError(t, e.do("POST", "/console/", "", "{}"), http.StatusNotFound, "not_found", "")
	})
	t.Run("APIKeepsItsCSP", func(t *testing.T) {
		for _, path := range []string{"/api/v1/regions", "/api/v1/nothing"} {
			if csp := e.do("GET", path, "", nil).Header().Get("Content-Security-Policy"); csp != "default-src 'none'; frame-ancestors 'none'" {
				t.Fatalf("%s: CSP=%q, want the API's own", path, csp)
			}
		}
		wantError(t, e.do("GET", "/api/v1/nothing", "", nil), http.StatusNotFound, "not_found", "")
	})
}

// TestConsoleOpenAPIUpToDate fails when the document the console's types are
// generated from differs from the one the server serves: a contract change
// must regenerate it, and the console's type check then sees the change.
func TestConsoleOpenAPIUpToDate(t *testing.T) {
	committed, err := os.ReadFile("../console/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	served, err := Spec()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(bytes.TrimSpace(committed), bytes.TrimSpace(served)) {
		t.Fatal("console/openapi.json differs from the served document: run\n" +
			"  go run ./cmd/ifutian openapi > console/openapi.json && (cd console && npm ci && npm run build)\n" +
			"and commit openapi.json, src/api/schema.d.ts and dist/")
	}
}
