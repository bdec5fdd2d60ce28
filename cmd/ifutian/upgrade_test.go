package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/futian/ifutian/internal/dbtest"
)

// TestPreviousReleaseServes holds the rolling-upgrade rule (README,
// "Upgrades without downtime"): this build migrates a database, and the
// previous release's binary (the commit in deploy/previous-release, built
// from the repository's history) still serves against that schema: its
// health and readiness, a resident's login, a staff login and a read.
// Building the old tree takes a while, so it runs only with
// IFUTIAN_TEST_UPGRADE=1 (.ci/run sets it).
func TestPreviousReleaseServes(t *testing.T) {
	if os.Getenv("IFUTIAN_TEST_UPGRADE") == "" {
		t.Skip("set IFUTIAN_TEST_UPGRADE=1 to build the previous release and serve it against this schema (.ci/run does)")
	}
	git, err := exec.LookPath("git")
	if err != nil {
		t.Skip("no git: cannot build the previous release")
	}
	raw, err := os.ReadFile(filepath.Join(repoRoot, "deploy/previous-release"))
	if err != nil {
		t.Fatal(err)
	}
	ref := strings.TrimSpace(string(raw))
	if out, err := exec.Command(git, "-C", repoRoot, "cat-file", "-e", ref+"^{commit}").CombinedOutput(); err != nil {
		t.Skipf("the previous release %s is not in this clone's history (%v %s): fetch it, or update deploy/previous-release", ref, err, out)
	}
	src := t.TempDir()
	archive := exec.Command(git, "-C", repoRoot, "archive", "--format=tar", ref)
	untar := exec.Command("tar", "-x", "-C", src)
	pipe, _ := archive.StdoutPipe()
	untar.Stdin = pipe
	if err := untar.Start(); err != nil {
		t.Fatal(err)
	}
	if err := archive.Run(); err != nil {
		t.Fatalf("git archive %s: %v", ref, err)
	}
	if err := untar.Wait(); err != nil {
		t.Fatal(err)
	}
	old := filepath.Join(t.TempDir(), "ifutian-previous")
	build := exec.Command("go", "build", "-o", old, "./cmd/ifutian")
	build.Dir = src // the same settings as this test's build: the dependencies come from the build cache
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the previous release %s: %v\n%s", ref, err, out)
	}

	// This build's migrations first.
	dsn := dbtest.EmptyDSN(t)
	vars := []string{"IFUTIAN_DB", dsn, "IFUTIAN_DATA_KEY", testDataKey, "IFUTIAN_MEMBER_CODE_KEY", testDataKey,
		"IFUTIAN_DATA_DIR", t.TempDir(), "IFUTIAN_BOOTSTRAP_ADMIN_PASSWORD", "bootstrap-pw-123"}
	if err := run(context.Background(), []string{"migrate"}, env(vars...), nil, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	// Then the previous release on it.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := exec.CommandContext(ctx, old, "serve")
	cmd.Env = append(os.Environ(), "IFUTIAN_ADDR="+addr, "IFUTIAN_METRICS=off")
	for i := 0; i+1 < len(vars); i += 2 {
		cmd.Env = append(cmd.Env, vars[i]+"="+vars[i+1])
	}
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 15 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cancel()
		cmd.Wait()
		if t.Failed() {
			t.Logf("the previous release's log:\n%s", logs.String())
		}
	}()
	base := "http://" + addr
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if resp, err := http.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("the previous release did not answer /healthz")
		}
	}
	call := func(method, path, token, body string) map[string]any {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("previous release %s %s: %d %s", method, path, resp.StatusCode, b)
		}
		out := map[string]any{}
		json.Unmarshal(b, &out)
		return out
	}
	call("GET", "/readyz", "", "")
	resident := call("POST", "/api/v1/auth/wechat-login", "", `{"code":"mock:upgrade"}`)["token"].(string)
	if acc := call("GET", "/api/v1/points/account", resident, ""); fmt.Sprint(acc["balance"]) != "0" {
		t.Fatalf("account %v", acc)
	}
	admin := call("POST", "/api/v1/auth/staff-login", "", `{"username":"admin","password":"bootstrap-pw-123"}`)["token"].(string)
	call("GET", "/api/v1/admin/departments", admin, "")
}
