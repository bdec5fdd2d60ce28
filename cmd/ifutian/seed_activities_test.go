package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
)

// TestDemoActivity: after seed --demo, a newcomer finds the demo activity,
// signs up, and checks in by scanning the code demo_verifier's phone shows.
func TestDemoActivity(t *testing.T) {
	ctx := context.Background()
	getenv := env("IFUTIAN_DB", "sqlite:"+filepath.Join(t.TempDir(), "demo.db"))
	for range 2 {
		if err := run(ctx, []string{"seed", "--demo"}, getenv, nil, io.Discard, io.Discard); err != nil {
			t.Fatal(err)
		}
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		t.Fatal(err)
	}
	a, err := build(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer a.close()
	call := func(method, path, token, body string, want int) map[string]any {
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
	newcomer := call("POST", "/api/v1/auth/wechat-login", "", `{"code":"mock:newcomer"}`, http.StatusOK)["token"].(string)
	list := call("GET", "/api/v1/activities", newcomer, "", http.StatusOK)["items"].([]any)
	var id string
	for _, it := range list {
		if it.(map[string]any)["title"] == demoActivityTitle {
			id = it.(map[string]any)["id"].(string)
		}
	}
	if id == "" {
		t.Fatalf("the demo activity is not open to a newcomer: %v", list)
	}
	call("POST", "/api/v1/activities/"+id+"/signup", newcomer, "", http.StatusCreated)
	verifier := call("POST", "/api/v1/auth/staff-login", "", `{"username":"demo_verifier","password":"`+demoPassword+`"}`, http.StatusOK)["token"].(string)
	code := call("GET", "/api/v1/admin/activities/"+id+"/venue-code", verifier, "", http.StatusOK)["code"].(string)
	got := call("POST", "/api/v1/activities/scan", newcomer, `{"code":"`+code+`"}`, http.StatusCreated)
	if got["signup"].(map[string]any)["attendance"] != "checked_in" {
		t.Fatalf("scan: %v", got)
	}
}
