package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/futian/ifutian/internal/dbtest"
)

// The deployment files are checked offline: Docker and a cluster are not
// at hand in CI. (kubectl's client-side dry run still asks a server.)
const repoRoot = "../.."

func readYAML(t *testing.T, path string) []map[string]any {
	t.Helper()
	f, err := os.Open(filepath.Join(repoRoot, path))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var docs []map[string]any
	dec := yaml.NewDecoder(f)
	for {
		var d map[string]any
		err := dec.Decode(&d)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if d != nil {
			docs = append(docs, d)
		}
	}
	if len(docs) == 0 {
		t.Fatalf("%s: no YAML document", path)
	}
	return docs
}

// dig follows keys (strings) and indexes (ints) into YAML or JSON.
func dig(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			s, ok := v.([]any)
			if !ok || k >= len(s) {
				return nil
			}
			v = s[k]
		}
	}
	return v
}

// configVars are the variables loadConfig reads and those the README's
// configuration table lists.
func configVars(t *testing.T) (read, documented map[string]bool) {
	read = map[string]bool{}
	loadConfig(func(k string) string { read[k] = true; return "" })
	// Read only when another is set.
	loadConfig(func(k string) string {
		read[k] = true
		switch k {
		case "IFUTIAN_S3_ENDPOINT":
			return "minio:9000"
		case "IFUTIAN_SMS_SECRET_ID":
			return "x"
		}
		return ""
	})
	raw, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	documented = map[string]bool{}
	cell := regexp.MustCompile("`(IFUTIAN_[A-Z0-9_]+|_[A-Z0-9_]+)`")
	for line := range strings.SplitSeq(string(raw), "\n") {
		if !strings.HasPrefix(line, "| `IFUTIAN_") {
			continue
		}
		first := strings.Split(line, "|")[1]
		prefix := ""
		for _, m := range cell.FindAllStringSubmatch(first, -1) {
			name := m[1]
			if strings.HasPrefix(name, "_") {
				name = prefix + name
			} else {
				prefix = name[:strings.LastIndex(name, "_")]
			}
			documented[name] = true
		}
	}
	return read, documented
}

func TestDeployFiles(t *testing.T) {
	read, documented := configVars(t)
	for name := range read {
		if strings.HasPrefix(name, "IFUTIAN_") && !documented[name] {
			t.Errorf("loadConfig reads %s, which README's configuration table lacks", name)
		}
	}
	checkVar := func(where, name string) {
		if !read[name] {
			t.Errorf("%s sets %s, which loadConfig does not read", where, name)
		}
		if !documented[name] {
			t.Errorf("%s sets %s, which README's configuration table lacks", where, name)
		}
	}

	t.Run("Dockerfile", func(t *testing.T) {
		raw, err := os.ReadFile(filepath.Join(repoRoot, "Dockerfile"))
		if err != nil {
			t.Fatal(err)
		}
		var froms, users, health []string
		for line := range strings.SplitSeq(string(raw), "\n") {
			f := strings.Fields(line)
			if len(f) == 0 {
				continue
			}
			switch f[0] {
			case "FROM":
				froms = append(froms, line)
			case "USER":
				users = append(users, f[1])
			case "HEALTHCHECK":
				health = append(health, line)
			}
		}
		if len(froms) < 2 {
			t.Errorf("want a multi-stage build, got %q", froms)
		}
		if len(users) == 0 || strings.HasPrefix(users[len(users)-1], "0") || strings.HasPrefix(users[len(users)-1], "root") {
			t.Errorf("the image must run as a non-root user, USER lines %q", users)
		}
		if len(health) != 1 || !strings.Contains(health[0], `"healthcheck"`) {
			t.Errorf("want one HEALTHCHECK running `ifutian healthcheck`, got %q", health)
		}
		for _, want := range []string{"CGO_ENABLED=0", `VOLUME ["/data"]`, "./cmd/ifutian"} {
			if !strings.Contains(string(raw), want) {
				t.Errorf("Dockerfile lacks %s", want)
			}
		}
		for _, kv := range regexp.MustCompile(`(IFUTIAN_[A-Z0-9_]+)=`).FindAllStringSubmatch(string(raw), -1) {
			checkVar("Dockerfile", kv[1])
		}
	})

	t.Run("Compose", func(t *testing.T) {
		doc := readYAML(t, "compose.yaml")[0]
		services, _ := doc["services"].(map[string]any)
		for _, want := range []string{"mariadb", "redis", "minio", "minio-init", "migrate", "app1", "app2", "nginx"} {
			if services[want] == nil {
				t.Errorf("compose.yaml lacks service %s", want)
			}
		}
		for _, app := range []string{"app1", "app2", "migrate"} {
			if dig(services, app, "read_only") != true {
				t.Errorf("%s: want read_only: true", app)
			}
			envs, _ := dig(services, app, "environment").(map[string]any)
			if len(envs) == 0 {
				t.Fatalf("%s: no environment", app)
			}
			for name := range envs {
				checkVar("compose.yaml "+app, name)
			}
		}
	})

	t.Run("Kubernetes", func(t *testing.T) {
		files, _ := filepath.Glob(filepath.Join(repoRoot, "deploy/k8s/*.yaml"))
		kinds := map[string]map[string]any{}
		for _, f := range files {
			for _, d := range readYAML(t, strings.TrimPrefix(f, repoRoot+"/")) {
				if d["apiVersion"] == nil || d["kind"] == nil || dig(d, "metadata", "name") == nil {
					t.Errorf("%s: a document without apiVersion, kind or metadata.name", f)
				}
				kinds[d["kind"].(string)] = d
			}
		}
		for _, k := range []string{"Deployment", "Service", "Secret", "ConfigMap", "Job"} {
			if kinds[k] == nil {
				t.Fatalf("deploy/k8s lacks a %s", k)
			}
		}
		pod := dig(kinds["Deployment"], "spec", "template", "spec")
		c := dig(pod, "containers", 0)
		if p := dig(c, "readinessProbe", "httpGet", "path"); p != "/readyz" {
			t.Errorf("readiness probe %v, want /readyz", p)
		}
		if p := dig(c, "livenessProbe", "httpGet", "path"); p != "/healthz" {
			t.Errorf("liveness probe %v, want /healthz", p)
		}
		if dig(c, "securityContext", "readOnlyRootFilesystem") != true || dig(pod, "securityContext", "runAsNonRoot") != true {
			t.Error("want a read-only root file system and a non-root user")
		}
		// serve gives requests under way 10 s (serve.go), after preStop's sleep.
		grace, _ := dig(pod, "terminationGracePeriodSeconds").(int)
		sleep, _ := dig(c, "lifecycle", "preStop", "sleep", "seconds").(int)
		if grace < sleep+10+5 {
			t.Errorf("terminationGracePeriodSeconds %d leaves no room for preStop (%d s) and the 10 s graceful stop", grace, sleep)
		}
		for _, k := range []string{"ConfigMap"} {
			for name := range dig(kinds[k], "data").(map[string]any) {
				checkVar("deploy/k8s "+k, name)
			}
		}
		for name := range dig(kinds["Secret"], "stringData").(map[string]any) {
			checkVar("deploy/k8s Secret", name)
		}
	})

	t.Run("Alerts", func(t *testing.T) {
		doc := readYAML(t, "deploy/prometheus/alerts.yml")[0]
		rules, _ := dig(doc, "groups", 0, "rules").([]any)
		if len(rules) < 5 {
			t.Fatalf("alerts.yml: %d rules", len(rules))
		}
		readme, _ := os.ReadFile(filepath.Join(repoRoot, "README.md"))
		for _, r := range rules {
			name, _ := dig(r, "alert").(string)
			if name == "" || dig(r, "expr") == nil || dig(r, "labels", "severity") == nil || dig(r, "annotations", "summary") == nil {
				t.Errorf("rule %v: want alert, expr, labels.severity and annotations.summary", r)
			}
			if !strings.Contains(string(readme), "**"+name+"**") && !strings.Contains(dig(r, "annotations", "runbook").(string), "IfutianConfigProblem") {
				t.Errorf("README's alerts section does not explain %s", name)
			}
		}
	})
}

// metricNames are the series names an expression uses.
var metricRE = regexp.MustCompile(`\b((?:ifutian|go_sql|go|process)_[a-z0-9_]+)\b`)

// TestDashboardAndAlertMetrics: every metric the Grafana dashboard and the
// alert rules name is in the running binary's /metrics; with promtool at
// hand, the rules and the dashboard's queries parse.
func TestDashboardAndAlertMetrics(t *testing.T) {
	var exprs []string
	for _, r := range dig(readYAML(t, "deploy/prometheus/alerts.yml")[0], "groups", 0, "rules").([]any) {
		exprs = append(exprs, dig(r, "expr").(string))
	}
	raw, err := os.ReadFile(filepath.Join(repoRoot, "deploy/grafana/ifutian.json"))
	if err != nil {
		t.Fatal(err)
	}
	var dash map[string]any
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatalf("deploy/grafana/ifutian.json: %v", err)
	}
	var dashExprs []string
	for _, p := range dash["panels"].([]any) {
		for _, tg := range func() []any { s, _ := dig(p, "targets").([]any); return s }() {
			dashExprs = append(dashExprs, dig(tg, "expr").(string))
		}
	}
	if len(dashExprs) < 10 {
		t.Fatalf("the dashboard has %d queries", len(dashExprs))
	}
	exprs = append(exprs, dashExprs...)

	cfg, err := loadConfig(env("IFUTIAN_DB", dbtest.DSN(t), "IFUTIAN_ADDR", "127.0.0.1:0", "IFUTIAN_DATA_DIR", t.TempDir(),
		"IFUTIAN_DATA_KEY", testDataKey, "IFUTIAN_MEMBER_CODE_KEY", testDataKey))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready, done := make(chan string, 1), make(chan error, 1)
	go func() { done <- serve(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), ready) }()
	defer func() { cancel(); <-done }()
	var base string
	select {
	case addr := <-ready:
		base = "http://" + addr
	case err := <-done:
		t.Fatal(err)
	}
	get := func(path string) string {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	get("/healthz") // a measured request
	if err := healthcheck(context.Background(), Config{Addr: strings.TrimPrefix(base, "http://")}, nil); err != nil {
		t.Fatalf("ifutian healthcheck: %v", err)
	}
	var metrics string
	// The tasks' series appear once their first rounds end.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		metrics = get("/metrics")
		if strings.Contains(metrics, "ifutian_task_last_success_timestamp_seconds{") || time.Now().After(deadline) {
			break
		}
	}
	have := map[string]bool{}
	for line := range strings.SplitSeq(metrics, "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		name := line[:strings.IndexAny(line, "{ ")]
		have[name] = true
	}
	var missing []string
	for _, e := range exprs {
		for _, m := range metricRE.FindAllString(e, -1) {
			if !have[m] && !slices.Contains(missing, m) {
				missing = append(missing, m)
			}
		}
	}
	if len(missing) > 0 {
		t.Errorf("named by the dashboard or the alerts but not in /metrics: %v", missing)
	}

	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Log("no promtool: the rules' syntax is checked by .ci/run")
		return
	}
	// The dashboard's queries as recording rules, for promtool to parse.
	var rules strings.Builder
	rules.WriteString("groups:\n  - name: dashboard\n    rules:\n")
	for i, e := range dashExprs {
		e = strings.ReplaceAll(e, "$instance", ".*")
		q, _ := json.Marshal(e)
		rules.WriteString("      - record: dashboard:q" + string(rune('a'+i%26)) + "\n        expr: " + string(q) + "\n")
	}
	f := filepath.Join(t.TempDir(), "dashboard.yml")
	os.WriteFile(f, []byte(rules.String()), 0o600)
	for _, file := range []string{filepath.Join(repoRoot, "deploy/prometheus/alerts.yml"), f} {
		if out, err := exec.Command(promtool, "check", "rules", file).CombinedOutput(); err != nil {
			t.Errorf("promtool check rules %s: %v\n%s", file, err, out)
		}
	}
}
