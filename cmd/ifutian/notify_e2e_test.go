package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/dbtest"
	"github.com/futian/ifutian/internal/pii"
	"github.com/futian/ifutian/notify"
)

// TestNotifyTwoServers runs the real binary: one `ifutian fake-wechat` that
// fails every third call and two `ifutian serve` on one MariaDB database.
// First both deliver a notice: each message arrives exactly once. Then one
// server is killed (SIGKILL) mid-delivery of a second notice: the other
// delivers everything, and only sends that were in flight in the killed
// process (at most one batch) may arrive twice.
func TestNotifyTwoServers(t *testing.T) {
	if os.Getenv(dbtest.EnvMySQL) == "" {
		t.Skip(dbtest.EnvMySQL + " not set: two servers need a shared MySQL/MariaDB")
	}
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	gdb := dbtest.Open(t)
	dsn := dbtest.DSN(t)
	bin := filepath.Join(t.TempDir(), "ifutian")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	fakeAddr := freeAddr(t)
	fakeURL := "http://" + fakeAddr
	key := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{9}, 32))
	start := func(name string, env ...string) *exec.Cmd {
		cmd := exec.Command(bin, name)
		cmd.Env = append(os.Environ(), env...)
		var logs bytes.Buffer
		cmd.Stdout, cmd.Stderr = &logs, &logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			cmd.Process.Kill()
			cmd.Wait()
			if t.Failed() {
				t.Logf("%s log:\n%s", name, logs.String())
			}
		})
		return cmd
	}
	start("fake-wechat", "IFUTIAN_ADDR="+fakeAddr)
	waitHTTP(t, fakeURL+"/fake/faults")
	postJSON(t, fakeURL+"/fake/faults", map[string]any{"fail_every": 3, "errcode": 500, "delay_ms": 20})
	smsAddr := freeAddr(t)
	smsURL := "http://" + smsAddr
	start("fake-sms", "IFUTIAN_ADDR="+smsAddr)
	waitHTTP(t, smsURL+"/fake/sms")
	postJSON(t, smsURL+"/fake/faults", map[string]any{"fail_every": 3, "code": "InternalError.Timeout", "delay_ms": 20})

	const n = 60
	now := time.Now().UTC()
	for i := range n {
		exec1(t, gdb, "INSERT INTO residents (openid, street, created_at, updated_at) VALUES (?, '园岭街道', ?, ?)",
			fmt.Sprintf("e2e_%03d", i), now, now)
	}
	serverEnv := []string{
		"IFUTIAN_DB=" + dsn, "IFUTIAN_ADDR=127.0.0.1:0", "IFUTIAN_DATA_KEY=" + key, "IFUTIAN_MEMBER_CODE_KEY=" + key,
		"IFUTIAN_WECHAT_URL=" + fakeURL, "IFUTIAN_WECHAT_SEND_RATE=40", "IFUTIAN_WECHAT_TIMEOUT=1s",
		"IFUTIAN_WECHAT_SEND_LEASE=2s", "IFUTIAN_WECHAT_SEND_BACKOFF=50ms", "IFUTIAN_NOTICE_POLL=100ms", "IFUTIAN_LOG_LEVEL=warn",
		"IFUTIAN_SMS_URL=" + smsURL, "IFUTIAN_SMS_RATE=40", "IFUTIAN_QUIET_HOURS=off",
	}
	a := start("serve", serverEnv...)
	start("serve", serverEnv...)

	// Phase 1: both servers deliver, nothing dies: exactly once each.
	began := time.Now()
	queueNotice(t, gdb, "TPL_E2E_1")
	waitDelivered(t, gdb, "TPL_E2E_1")
	t.Logf("phase 1 took %v", time.Since(began))
	for openid, k := range fakeMessages(t, fakeURL, "TPL_E2E_1") {
		if k != 1 {
			t.Errorf("phase 1: %s got %d messages, want 1", openid, k)
		}
	}
	if got := len(fakeMessages(t, fakeURL, "TPL_E2E_1")); got != n {
		t.Fatalf("phase 1: %d residents reached, want %d", got, n)
	}

	// Phase 2: kill one server while it is sending.
	queueNotice(t, gdb, "TPL_E2E_2")
	deadline := time.Now().Add(30 * time.Second)
	for len(fakeMessages(t, fakeURL, "TPL_E2E_2")) < 10 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if err := a.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	waitDelivered(t, gdb, "TPL_E2E_2")
	got := fakeMessages(t, fakeURL, "TPL_E2E_2")
	if len(got) != n {
		t.Fatalf("phase 2: %d residents reached, want %d", len(got), n)
	}
	dups := 0
	for _, k := range got {
		dups += k - 1
	}
	// The killed server claims at most 20 sends at a time (half a second at 40/s).
	if dups > 20 {
		t.Fatalf("phase 2: %d repeated messages, more than one batch in flight", dups)
	}
	t.Logf("phase 2: %d repeats from the killed server's in-flight window", dups)

	// Phase 3, on the surviving server: a system message of a kind mapped
	// to a template, and a warning notice with SMS to the residents with a
	// phone and no consent, both through faults: each once.
	phase3(t, gdb, key, fakeURL, smsURL, n)
}

// phase3 queues a due-process system message to every resident (a kind
// with a template) and a warning notice with SMS: half the residents have
// a phone and no consent for its template.
func phase3(t *testing.T, gdb *gorm.DB, key, fakeURL, smsURL string, n int) {
	t.Helper()
	raw, _ := base64.StdEncoding.DecodeString(key)
	box, err := pii.New(raw)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	gdb.Table("residents").Where("openid LIKE 'e2e_%'").Order("id").Pluck("id", &ids)
	for i, id := range ids {
		if i%2 == 1 {
			exec1(t, gdb, "UPDATE residents SET phone_enc = ? WHERE id = ?", box.Seal(fmt.Sprintf("139%08d", i)), id)
		}
	}
	now := time.Now().UTC()
	exec1(t, gdb, `INSERT INTO subscription_quotas (resident_id, template_id, remaining, spent_notice, updated_at)
		SELECT id, 'TPL_E2E_SYS', 1, 0, ? FROM residents`, now)
	svc := notify.New(notify.Deps{DB: gdb, Config: notify.Config{Templates: map[notify.SystemKind]notify.KindTemplate{
		notify.KindDeductionRecorded: {TemplateID: "TPL_E2E_SYS", Fields: map[string]string{"thing1": "title", "number2": "points"}},
	}}})
	err = svc.SendDirect(context.Background(), notify.DirectNotice{Kind: notify.KindDeductionRecorded, Title: "扣分通知", Body: "b",
		ResidentIDs: ids, Source: "e2e:deduction", Data: map[string]string{"points": "5", "deadline": "2026-12-31"},
		Target: &notify.Target{Type: notify.TargetDeduction, ID: "1"}})
	if err != nil {
		t.Fatal(err)
	}
	// Consent for the warning's template: the residents without a phone.
	for i, id := range ids {
		if i%2 == 0 {
			exec1(t, gdb, `INSERT INTO subscription_quotas (resident_id, template_id, remaining, spent_notice, updated_at) VALUES (?, 'TPL_E2E_3', 1, 0, ?)`, id, now)
		}
	}
	exec1(t, gdb, `INSERT INTO notices (title, body, category, audience, publish_at, require_ack, sms, subscribe_template_id,
		subscribe_data, subscribe_page, status, created_at, updated_at)
		VALUES ('台风预警', '请留在室内', 'warning', '{}', ?, FALSE, TRUE, 'TPL_E2E_3', '{"thing1":"台风"}', '', 'approved', ?, ?)`,
		now.Add(-time.Second), now, now)
	waitDelivered(t, gdb, "TPL_E2E_SYS")
	waitDelivered(t, gdb, "TPL_E2E_3")
	waitDelivered(t, gdb, "")
	for _, tpl := range []string{"TPL_E2E_SYS", "TPL_E2E_3"} {
		got := fakeMessages(t, fakeURL, tpl)
		want := n
		if tpl == "TPL_E2E_3" {
			want = n / 2
		}
		if len(got) != want {
			t.Fatalf("phase 3: %s reached %d residents, want %d", tpl, len(got), want)
		}
		for openid, k := range got {
			if k != 1 {
				t.Fatalf("phase 3: %s got %s %d times", openid, tpl, k)
			}
		}
	}
	res, err := http.Get(smsURL + "/fake/sms")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		Items []struct {
			Phone string `json:"phone"`
		} `json:"items"`
	}
	json.NewDecoder(res.Body).Decode(&out)
	texts := map[string]int{}
	for _, m := range out.Items {
		texts[m.Phone]++
	}
	if len(texts) != n/2 {
		t.Fatalf("phase 3: %d phones got a text, want %d", len(texts), n/2)
	}
	for phone, k := range texts {
		if k != 1 {
			t.Fatalf("phase 3: %s got %d texts", phone, k)
		}
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func exec1(t *testing.T, gdb *gorm.DB, q string, args ...any) {
	t.Helper()
	if err := gdb.Exec(q, args...).Error; err != nil {
		t.Fatal(err)
	}
}

// queueNotice gives every resident one consent for template and adds an
// approved, due notice to everyone with that subscribe message; the servers
// publish it.
func queueNotice(t *testing.T, gdb *gorm.DB, template string) {
	t.Helper()
	now := time.Now().UTC()
	exec1(t, gdb, `INSERT INTO subscription_quotas (resident_id, template_id, remaining, spent_notice, updated_at)
		SELECT id, ?, 1, 0, ? FROM residents`, template, now)
	exec1(t, gdb, `INSERT INTO notices (title, body, category, audience, publish_at, require_ack, subscribe_template_id,
		subscribe_data, subscribe_page, status, created_at, updated_at)
		VALUES ('停水通知', '明日停水', 'warning', '{}', ?, FALSE, ?, '{"thing1":"停水"}', '', 'approved', ?, ?)`,
		now.Add(-time.Second), template, now, now)
}

// waitDelivered waits until the notice for template is published and every
// one of its sends is final, and checks they were all sent.
func waitDelivered(t *testing.T, gdb *gorm.DB, template string) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		var total, open, sent int64
		gdb.Table("notice_sends").Where("template_id = ?", template).Count(&total)
		gdb.Table("notice_sends").Where("template_id = ? AND due_at IS NOT NULL", template).Count(&open)
		gdb.Table("notice_sends").Where("template_id = ? AND status = 'sent'", template).Count(&sent)
		if total > 0 && open == 0 {
			if sent != total {
				t.Fatalf("%s: %d of %d sends sent", template, sent, total)
			}
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s: sends not delivered after 90 s", template)
}

func waitHTTP(t *testing.T, url string) {
	t.Helper()
	for range 200 {
		if res, err := http.Get(url); err == nil {
			res.Body.Close()
			return
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatalf("%s never answered", url)
}

func postJSON(t *testing.T, url string, body any) {
	t.Helper()
	b, _ := json.Marshal(body)
	res, err := http.Post(url, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode/100 != 2 {
		t.Fatalf("POST %s: %s", url, res.Status)
	}
}

// fakeMessages counts the fake's messages for template per openid.
func fakeMessages(t *testing.T, baseURL, template string) map[string]int {
	t.Helper()
	req, _ := http.NewRequestWithContext(context.Background(), "GET", baseURL+"/fake/subscribe-messages", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		Items []struct {
			OpenID     string `json:"openid"`
			TemplateID string `json:"template_id"`
		} `json:"items"`
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, m := range out.Items {
		if m.TemplateID == template && strings.HasPrefix(m.OpenID, "e2e_") {
			got[m.OpenID]++
		}
	}
	return got
}
