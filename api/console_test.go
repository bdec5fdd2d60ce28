package api

import (
	"bytes"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
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

// TestConsolePrecompressed: a file with precompressed copies is sent as br
// to a client that takes br, as gzip to one that takes only gzip, and as it
// is to one that takes neither, always with its own Content-Type and
// Vary: Accept-Encoding.
func TestConsolePrecompressed(t *testing.T) {
	files := fstest.MapFS{
		"assets/app.js":         {Data: []byte("console.log('plain')")},
		"assets/app.js.br":      {Data: []byte("BR")},
		"assets/app.js.gz":      {Data: []byte("GZ")},
		"assets/gz-only.css":    {Data: []byte("a{}")},
		"assets/gz-only.css.gz": {Data: []byte("GZCSS")},
		"assets/logo.png":       {Data: []byte("PNG")},
	}
	get := func(name, acceptEncoding, method string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, "/console/"+name, nil)
		if acceptEncoding != "" {
			r.Header.Set("Accept-Encoding", acceptEncoding)
		}
		w := httptest.NewRecorder()
		serveStatic(w, r, files, name)
		return w
	}
	for _, c := range []struct {
		name, acceptEncoding, wantEncoding, wantBody, wantType string
		wantVary                                               bool
	}{
		{"assets/app.js", "gzip, deflate, br, zstd", "br", "BR", "text/javascript", true},
		{"assets/app.js", "br", "br", "BR", "text/javascript", true},
		{"assets/app.js", "gzip", "gzip", "GZ", "text/javascript", true},
		{"assets/app.js", "br;q=0.5, gzip;q=0.8", "gzip", "GZ", "text/javascript", true},
		{"assets/app.js", "br;q=0, *", "gzip", "GZ", "text/javascript", true},
		{"assets/app.js", "*", "br", "BR", "text/javascript", true},
		{"assets/app.js", "", "", "console.log('plain')", "text/javascript", true},
		{"assets/app.js", "identity", "", "console.log('plain')", "text/javascript", true},
		{"assets/app.js", "gzip;q=0, br;q=0", "", "console.log('plain')", "text/javascript", true},
		{"assets/gz-only.css", "br, gzip", "gzip", "GZCSS", "text/css", true},
		{"assets/gz-only.css", "br", "", "a{}", "text/css", true},
		{"assets/logo.png", "br, gzip", "", "PNG", "image/png", false},
	} {
		w := get(c.name, c.acceptEncoding, http.MethodGet)
		what := c.name + " with Accept-Encoding " + strconv.Quote(c.acceptEncoding)
		if w.Code != http.StatusOK || w.Body.String() != c.wantBody {
			t.Fatalf("%s: %d %q, want 200 %q", what, w.Code, w.Body.String(), c.wantBody)
		}
		if got := w.Header().Get("Content-Encoding"); got != c.wantEncoding {
			t.Fatalf("%s: Content-Encoding %q, want %q", what, got, c.wantEncoding)
		}
		if got := w.Header().Get("Content-Type"); !strings.HasPrefix(got, c.wantType) {
			t.Fatalf("%s: Content-Type %q, want %s", what, got, c.wantType)
		}
		if got := w.Header().Get("Content-Length"); got != strconv.Itoa(len(c.wantBody)) {
			t.Fatalf("%s: Content-Length %q, want %d", what, got, len(c.wantBody))
		}
		if got := w.Header().Get("Vary") == "Accept-Encoding"; got != c.wantVary {
			t.Fatalf("%s: Vary %q, want Accept-Encoding: %v", what, w.Header().Get("Vary"), c.wantVary)
		}
	}
	if w := get("assets/app.js", "br", http.MethodHead); w.Body.Len() != 0 || w.Header().Get("Content-Length") != "2" || w.Header().Get("Content-Encoding") != "br" {
		t.Fatalf("HEAD: body %q, headers %v", w.Body.String(), w.Header())
	}
}

// TestConsoleEncodedThroughRouter: the built console's files come with
// their precompressed copies, and the router sends them with the console's
// caching and CSP headers.
func TestConsoleEncodedThroughRouter(t *testing.T) {
	e := newEnv(t)
	index, err := fs.ReadFile(consoleFiles, "index.html")
	if err != nil {
		t.Fatal(err)
	}
	entry := regexp.MustCompile(`<script type="module" crossorigin src="/console/(assets/[^"]+\.js)"`).FindSubmatch(index)
	if entry == nil {
		t.Fatalf("index.html names no entry script: %s", index)
	}
	asset := string(entry[1])
	for _, name := range []string{asset, "index.html"} {
		for _, suffix := range []string{".br", ".gz"} {
			if _, err := fs.Stat(consoleFiles, name+suffix); err != nil {
				t.Fatalf("the build has no %s%s: run npm run build in console/ (it precompresses dist/)", name, suffix)
			}
		}
	}
	for _, c := range []struct{ path, acceptEncoding, wantEncoding, wantFile, cache string }{
		{"/console/" + asset, "gzip, deflate, br", "br", asset + ".br", "immutable"},
		{"/console/" + asset, "gzip", "gzip", asset + ".gz", "immutable"},
		{"/console/" + asset, "", "", asset, "immutable"},
		{"/console/notices/3", "br", "br", "index.html.br", "no-store"},
		{"/console/", "", "", "index.html", "no-store"},
	} {
		rec := e.do("GET", c.path, "", nil, "Accept-Encoding", c.acceptEncoding)
		wantStatus(t, rec, http.StatusOK)
		want, _ := fs.ReadFile(consoleFiles, c.wantFile)
		if !bytes.Equal(rec.Body.Bytes(), want) || rec.Header().Get("Content-Encoding") != c.wantEncoding {
			t.Fatalf("%s with %q: Content-Encoding %q and a body of %d bytes, want %q and %s", c.path, c.acceptEncoding,
				rec.Header().Get("Content-Encoding"), rec.Body.Len(), c.wantEncoding, c.wantFile)
		}
		if rec.Header().Get("Vary") != "Accept-Encoding" || !strings.Contains(rec.Header().Get("Cache-Control"), c.cache) ||
			!strings.Contains(rec.Header().Get("Content-Security-Policy"), "default-src 'self'") {
			t.Fatalf("%s: headers %v", c.path, rec.Header())
		}
	}
	// A precompressed copy is never asked for by its own name.
	wantError(t, e.do("GET", "/console/"+asset+".br", "", nil), http.StatusNotFound, "not_found", "")
}
