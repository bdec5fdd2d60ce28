package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
)

// TestDemoPublishedNotice: after seed --demo (twice), demo_editor finds one
// published warning whose statistics show reads, an acknowledgement and
// WeChat messages to send, by street.
func TestDemoPublishedNotice(t *testing.T) {
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
	call := func(method, path, token, body string) map[string]any {
		t.Helper()
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		rec := httptest.NewRecorder()
		a.api.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("%s %s: %d: %s", method, path, rec.Code, rec.Body.String())
		}
		var out map[string]any
		json.Unmarshal(rec.Body.Bytes(), &out)
		return out
	}
	token := call("POST", "/api/v1/auth/staff-login", "", `{"username":"demo_editor","password":"`+demoPassword+`"}`)["token"].(string)
	list := call("GET", "/api/v1/admin/notices?status=published&q="+url.QueryEscape(demoPublishedTitle), token, "")["items"].([]any)
	if len(list) != 1 {
		t.Fatalf("published demo notices: %v, want one", list)
	}
	id := list[0].(map[string]any)["id"].(string)
	st := call("GET", "/api/v1/admin/notices/"+id+"/stats", token, "")
	wechat := st["wechat"].(map[string]any)
	if st["targeted"] != 3.0 || st["read"] != 2.0 || st["acked"] != 1.0 || wechat["pending"] != 3.0 || len(st["by_street"].([]any)) != 3 {
		t.Fatalf("stats %v", st)
	}
}
