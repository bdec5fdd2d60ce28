package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
)

// seededDemo runs `seed --demo` twice on a new SQLite database (the second
// run must change nothing the tests count) and returns the configuration
// that names it, with extra variables as env takes them.
func seededDemo(t *testing.T, extra ...string) (getenv func(string) string, dsn string) {
	t.Helper()
	dsn = "sqlite:" + filepath.Join(t.TempDir(), "demo.db")
	getenv = env(append([]string{"IFUTIAN_DB", dsn}, extra...)...)
	for range 2 {
		if err := run(context.Background(), []string{"seed", "--demo"}, getenv, nil, io.Discard, io.Discard); err != nil {
			t.Fatal(err)
		}
	}
	return getenv, dsn
}

// demoCaller builds the application on that configuration and returns a
// function sending one JSON request through its router, which must answer
// with status want; it decodes the answer.
func demoCaller(t *testing.T, getenv func(string) string) func(method, path, token, body string, want int) map[string]any {
	t.Helper()
	cfg, err := loadConfig(getenv)
	if err != nil {
		t.Fatal(err)
	}
	a, err := build(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.close)
	return func(method, path, token, body string, want int) map[string]any {
		t.Helper()
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		rec := httptest.NewRecorder()
		a.api.ServeHTTP(rec, req)
		if rec.Code != want {
			t.Fatalf("%s %s: %d, want %d: %s", method, path, rec.Code, want, rec.Body.String())
		}
		var out map[string]any
		json.Unmarshal(rec.Body.Bytes(), &out)
		return out
	}
}
