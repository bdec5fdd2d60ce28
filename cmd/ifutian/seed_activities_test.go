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

	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/internal/dbtest"
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

// TestBenchActivities runs the activities bench small: its figures are
// printed, the rush was exact (the bench checks), and it cleans up.
func TestBenchActivities(t *testing.T) {
	dsn := dbtest.DSN(t)
	key := "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
	getenv := env("IFUTIAN_DB", dsn, "IFUTIAN_DATA_KEY", key, "IFUTIAN_MEMBER_CODE_KEY", key)
	var out strings.Builder
	if err := run(context.Background(), []string{"bench", "activities", "--residents", "40", "--concurrency", "4"}, getenv, nil, &out, io.Discard); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, name := range []string{"signup_api_per_s", "signup_bare_per_s", "checkin_per_s", "checkout_per_s", "signup_ratio"} {
		if !strings.Contains(out.String(), "\n"+name+": ") {
			t.Fatalf("no %s in\n%s", name, out.String())
		}
	}
	gdb, _, err := db.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.SQL(gdb).Close()
	for _, table := range []string{"activities", "activity_signups", "residents"} {
		var n int64
		if err := gdb.Table(table).Count(&n).Error; err != nil || n != 0 {
			t.Fatalf("%d rows left in %s (%v)", n, table, err)
		}
	}
}
