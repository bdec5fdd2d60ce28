package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/internal/dbtest"
)

func TestMain(m *testing.M) {
	code := dbtest.Main(m)
	closeBrowser() // the browser tests share one Chromium
	os.Exit(code)
}

func env(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

func TestLoadConfig(t *testing.T) {
	t.Run("Defaults", func(t *testing.T) {
		c, err := loadConfig(env())
		if err != nil {
			t.Fatal(err)
		}
		if c.Addr != ":8080" || c.DB != "sqlite:ifutian.db" || !c.FakeWeChat() || !c.Metrics || !c.Docs {
			t.Fatalf("defaults=%+v", c)
		}
	})
	for name, tc := range map[string]struct {
		env  []string
		want string
	}{
		"ErrDB":          {[]string{"IFUTIAN_DB", "postgres:x"}, "IFUTIAN_DB"},
		"ErrDuration":    {[]string{"IFUTIAN_STAFF_TOKEN_TTL", "soon"}, "IFUTIAN_STAFF_TOKEN_TTL"},
		"ErrHalfWeChat":  {[]string{"IFUTIAN_WECHAT_APPID", "wx123"}, "IFUTIAN_WECHAT_APPID"},
		"ErrMetrics":     {[]string{"IFUTIAN_METRICS", "maybe"}, "IFUTIAN_METRICS"},
		"ErrLogLevel":    {[]string{"IFUTIAN_LOG_LEVEL", "loud"}, "IFUTIAN_LOG_LEVEL"},
		"ErrSendRate":    {[]string{"IFUTIAN_WECHAT_SEND_RATE", "0"}, "IFUTIAN_WECHAT_SEND_RATE"},
		"ErrWeChatURL":   {[]string{"IFUTIAN_WECHAT_URL", "localhost:1"}, "IFUTIAN_WECHAT_URL"},
		"ErrBackupEvery": {[]string{"IFUTIAN_BACKUP_EVERY", "10s"}, "IFUTIAN_BACKUP_EVERY"},
		"ErrBackupKeep":  {[]string{"IFUTIAN_BACKUP_KEEP", "0"}, "IFUTIAN_BACKUP_KEEP"},
		"ErrBackupS3":    {[]string{"IFUTIAN_BACKUP_DIR", "s3"}, "IFUTIAN_BACKUP_DIR"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := loadConfig(env(tc.env...))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err=%v, want it to name %s", err, tc.want)
			}
		})
	}
}

func TestUnreachableMySQLNamesHost(t *testing.T) {
	err := run(context.Background(), []string{"migrate"}, env("IFUTIAN_DB", "mysql:root@tcp(127.0.0.1:1)/x?timeout=1s", "IFUTIAN_DATA_KEY", testDataKey,
		"IFUTIAN_MEMBER_CODE_KEY", testDataKey), nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Fatalf("err=%v, want it to name 127.0.0.1:1", err)
	}
}

func TestUsage(t *testing.T) {
	if err := run(context.Background(), nil, env(), nil, io.Discard, io.Discard); err == nil {
		t.Fatal("no command accepted")
	}
	if err := run(context.Background(), []string{"fly"}, env(), nil, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "fly") {
		t.Fatalf("err=%v", err)
	}
}

// TestServe starts the whole program on a free port with a fresh
// database, logs in as a resident and as the bootstrap admin, and shuts
// down gracefully.
func TestServe(t *testing.T) {
	t.Run("Memory", func(t *testing.T) { testServe(t, "") })
	t.Run("Redis", func(t *testing.T) {
		c, err := net.DialTimeout("tcp", "127.0.0.1:6379", time.Second)
		if err != nil {
			t.Skip("no Redis on 127.0.0.1:6379")
		}
		c.Close()
		testServe(t, "redis://127.0.0.1:6379/0")
	})
}

func testServe(t *testing.T, redisURL string) {
	dsn := dbtest.DSN(t)
	// Rate limits live in Redis across runs: a fresh key prefix keeps this
	// run's logins from counting against the next run's.
	prefix := fmt.Sprintf("ifutian-test-%d:", time.Now().UnixNano())
	cfg, err := loadConfig(env("IFUTIAN_DB", dsn, "IFUTIAN_ADDR", "127.0.0.1:0", "IFUTIAN_REDIS_URL", redisURL, "IFUTIAN_REDIS_PREFIX", prefix,
		"IFUTIAN_BOOTSTRAP_ADMIN_PASSWORD", "bootstrap-pw-123", "IFUTIAN_DATA_KEY", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
		"IFUTIAN_MEMBER_CODE_KEY", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), ready) }()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("serve: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("server did not start")
	}
	base := "http://" + addr
	post := func(path, body string) map[string]any {
		t.Helper()
		resp, err := http.Post(base+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		json.NewDecoder(resp.Body).Decode(&out)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("POST %s: %d %v", path, resp.StatusCode, out)
		}
		return out
	}
	if out := post("/api/v1/auth/wechat-login", `{"code":"mock:newcomer"}`); out["token"] == "" || out["created"] != true {
		t.Fatalf("login=%v", out)
	}
	if out := post("/api/v1/auth/staff-login", `{"username":"admin","password":"bootstrap-pw-123"}`); out["token"] == nil {
		t.Fatalf("admin login=%v", out)
	}
	resp, err := http.Get(base + "/readyz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("readyz: %v %v", resp, err)
	}
	resp.Body.Close()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("shutdown: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("server did not shut down")
	}
}

func TestStaffAddAndSeed(t *testing.T) {
	dir := t.TempDir()
	getenv := env("IFUTIAN_DB", "sqlite:"+filepath.Join(dir, "s.db"))
	var out bytes.Buffer
	err := run(context.Background(), []string{"staff", "add", "--username", "ops.one", "--roles", "editor,reviewer", "--department", "区卫健局"},
		getenv, strings.NewReader("a-long-password\n"), &out, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "created staff ops.one") {
		t.Fatalf("output=%q", out.String())
	}
	err = run(context.Background(), []string{"staff", "add", "--username", "ops.two", "--roles", "emperor", "--department", "区卫健局"},
		getenv, strings.NewReader("a-long-password\n"), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "roles") {
		t.Fatalf("bad role: err=%v", err)
	}
	for range 2 { // seeding twice changes nothing and does not fail
		out.Reset()
		if err := run(context.Background(), []string{"seed", "--demo"}, getenv, nil, &out, io.Discard); err != nil {
			t.Fatal(err)
		}
	}
	if !strings.Contains(out.String(), "mock:alice") {
		t.Fatalf("seed output=%q", out.String())
	}
	out.Reset()
	if err := run(context.Background(), []string{"migrate"}, getenv, nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
}

// TestPointsCommands runs `points expire` and `points reconcile` on the demo
// data, then makes an account disagree with its ledger: reconcile must name
// it and fail.
func TestPointsCommands(t *testing.T) {
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "p.db")
	getenv := env("IFUTIAN_DB", dsn)
	ctx := context.Background()
	if err := run(ctx, []string{"seed", "--demo"}, getenv, nil, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(ctx, []string{"points", "expire"}, getenv, nil, &out, io.Discard); err != nil || !strings.Contains(out.String(), "expired lots: 0") {
		t.Fatalf("expire: err=%v output=%q", err, out.String())
	}
	out.Reset()
	// The demo's accounts: alice's, bob's, carol's and those of the residents who answered the demo surveys.
	if err := run(ctx, []string{"points", "reconcile"}, getenv, nil, &out, io.Discard); err != nil || !regexp.MustCompile(`accounts checked: ([4-9]|\d\d+)\nmismatches: 0`).MatchString(out.String()) {
		t.Fatalf("reconcile: err=%v output=%q", err, out.String())
	}

	gdb, _, err := db.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	var alice int64
	gdb.Raw("SELECT id FROM residents WHERE openid = 'mock_alice'").Scan(&alice)
	if res := gdb.Exec("UPDATE point_accounts SET balance = balance + 7 WHERE resident_id = ?", alice); res.Error != nil || res.RowsAffected != 1 {
		t.Fatalf("tamper: %v rows=%d", res.Error, res.RowsAffected)
	}
	db.SQL(gdb).Close()
	out.Reset()
	err = run(ctx, []string{"points", "reconcile"}, getenv, nil, &out, io.Discard)
	if err == nil || !strings.Contains(out.String(), "MISMATCH") || !strings.Contains(out.String(), "mismatches: 1") {
		t.Fatalf("after tampering: err=%v output=%q", err, out.String())
	}
	if err := run(ctx, []string{"points", "audit"}, getenv, nil, io.Discard, io.Discard); err == nil {
		t.Fatal("unknown points subcommand accepted")
	}
}
