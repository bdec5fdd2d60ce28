package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/internal/dbtest"
)

// TestBackupWhileWriting: `ifutian backup` snapshots a running server's
// SQLite database while points officers award points and residents submit
// requests (with a photo) as fast as they can; `ifutian restore` puts the
// archive elsewhere, and every award and request acknowledged before the
// backup started is there, the ledger reconciles (restore runs `points
// reconcile`'s check) and the photo is back. Restoring again into the
// now non-empty target, with other keys, or from a damaged archive is
// refused.
func TestBackupWhileWriting(t *testing.T) {
	if os.Getenv(dbtest.EnvMySQL) != "" {
		t.Skip("ifutian backup copies SQLite databases; MySQL's are dumped with its own tools (TestBackupRefusesMySQL)")
	}
	dir := t.TempDir()
	dsn := "sqlite:" + filepath.Join(dir, "live.db")
	liveEnv := []string{"IFUTIAN_DB", dsn, "IFUTIAN_DATA_DIR", filepath.Join(dir, "files"),
		"IFUTIAN_DATA_KEY", testDataKey, "IFUTIAN_MEMBER_CODE_KEY", testDataKey}
	s := serveConsole(t, env(append(liveEnv, "IFUTIAN_ADDR", "127.0.0.1:0",
		"IFUTIAN_BOOTSTRAP_ADMIN_PASSWORD", "bootstrap-pw-123", "IFUTIAN_METRICS", "off")...))
	s.admin = s.login("admin", "bootstrap-pw-123")
	dept := s.department("区城管局")
	s.call("PUT", "/api/v1/admin/request-routes", s.admin, map[string]any{"category": "noise", "department_id": dept}, http.StatusOK)
	officer := s.staff("points.backup", dept, "points_officer")
	s.call("POST", "/api/v1/admin/points/rules", officer, map[string]any{"code": "backup_rule", "name": "志愿服务", "points": 5}, http.StatusCreated)
	type resident struct{ token, id string }
	var rs []resident
	for i := range 4 {
		tok, id := s.resident(fmt.Sprint("backup", i))
		rs = append(rs, resident{tok, id})
	}
	photo := s.uploadPhoto(rs[0].token)
	withPhoto := s.call("POST", "/api/v1/requests", rs[0].token, map[string]any{
		"client_key": "backup-photo", "category": "noise", "description": "夜间施工噪音，附照片", "street": "园岭街道", "photos": []string{photo},
	}, http.StatusCreated)["id"].(string)

	// Writers: each acknowledged write is recorded with its ID.
	var mu sync.Mutex
	var awards, requests []string
	errs := make(chan error, 16)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	post := func(path, token string, body any) (map[string]any, error) {
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest("POST", s.base+path, bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusCreated {
			return nil, fmt.Errorf("POST %s: %d %s", path, resp.StatusCode, raw)
		}
		out := map[string]any{}
		return out, json.Unmarshal(raw, &out)
	}
	for w := range 3 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				out, err := post("/api/v1/admin/points/awards", officer, map[string]any{
					"resident_id": rs[(w+i)%len(rs)].id, "rule_code": "backup_rule", "external_id": fmt.Sprintf("w%d-%d", w, i)})
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				awards = append(awards, out["id"].(string))
				mu.Unlock()
			}
		})
	}
	for w := range 2 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				out, err := post("/api/v1/requests", rs[1+w].token, map[string]any{
					"client_key": fmt.Sprintf("r%d-%d", w, i), "category": "noise", "description": fmt.Sprintf("广场音响太响 %d", i), "street": "园岭街道"})
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				requests = append(requests, out["id"].(string))
				mu.Unlock()
				time.Sleep(20 * time.Millisecond) // residents submit slower than officers award
			}
		})
	}
	acked := func() ([]string, []string) {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), awards...), append([]string(nil), requests...)
	}
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		a, r := acked()
		if len(a) >= 30 && len(r) >= 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("writers too slow: %d awards, %d requests", len(a), len(r))
		}
	}
	// Everything acknowledged now must be in the archive.
	awardsBefore, requestsBefore := acked()
	archive := filepath.Join(dir, "ifutian.tar.gz")
	var out bytes.Buffer
	if err := run(context.Background(), []string{"backup", "--out", archive}, env(liveEnv...), nil, &out, io.Discard); err != nil {
		t.Fatalf("backup: %v\n%s", err, out.String())
	}
	awardsAfter, _ := acked()
	close(stop)
	wg.Wait()
	select {
	case err := <-errs:
		t.Fatalf("a writer failed: %v", err)
	default:
	}
	if len(awardsAfter) == len(awardsBefore) {
		t.Logf("no award was acknowledged while the backup ran")
	}
	if !strings.Contains(out.String(), "photos: 2") { // the photo and its thumbnail
		t.Fatalf("backup output %q, want 2 photos", out.String())
	}

	restored := filepath.Join(t.TempDir(), "restored")
	restoreEnv := []string{"IFUTIAN_DB", "sqlite:" + filepath.Join(restored, "r.db"), "IFUTIAN_DATA_DIR", filepath.Join(restored, "files"),
		"IFUTIAN_DATA_KEY", testDataKey, "IFUTIAN_MEMBER_CODE_KEY", testDataKey}
	t.Run("OtherKeysRefused", func(t *testing.T) {
		other := append(append([]string(nil), restoreEnv...), "IFUTIAN_DATA_KEY", "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY=")
		err := run(context.Background(), []string{"restore", archive}, env(other...), nil, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "data_key") {
			t.Fatalf("restore with another data key: err=%v, want it refused naming data_key", err)
		}
		if _, err := os.Stat(filepath.Join(restored, "r.db")); err == nil {
			t.Fatal("a refused restore wrote the database")
		}
	})
	out.Reset()
	if err := run(context.Background(), []string{"restore", archive}, env(restoreEnv...), nil, &out, io.Discard); err != nil {
		t.Fatalf("restore: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "mismatches: 0") || !strings.Contains(out.String(), "all present") {
		t.Fatalf("restore output %q", out.String())
	}
	gdb, _, err := db.Open(context.Background(), "sqlite:"+filepath.Join(restored, "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.SQL(gdb).Close()
	count := func(table string, ids []string) int64 {
		var n int64
		if err := gdb.Table(table).Where("id IN ?", ids).Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count("point_transactions", awardsBefore); n != int64(len(awardsBefore)) {
		t.Fatalf("restored %d of the %d awards acknowledged before the backup", n, len(awardsBefore))
	}
	if n := count("requests", append(requestsBefore, withPhoto)); n != int64(len(requestsBefore)+1) {
		t.Fatalf("restored %d of the %d requests acknowledged before the backup", n, len(requestsBefore)+1)
	}
	t.Logf("awards acknowledged before the backup: %d, by its end: %d; requests before: %d", len(awardsBefore), len(awardsAfter), len(requestsBefore))

	t.Run("NonEmptyTargetRefused", func(t *testing.T) {
		err := run(context.Background(), []string{"restore", archive}, env(restoreEnv...), nil, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "not empty") {
			t.Fatalf("restore over a restored database: err=%v, want it refused", err)
		}
	})
	t.Run("DamagedArchiveRefused", func(t *testing.T) {
		raw, _ := os.ReadFile(archive)
		damaged := filepath.Join(t.TempDir(), "damaged.tar.gz")
		raw[len(raw)/2] ^= 0xff
		os.WriteFile(damaged, raw, 0o600)
		target := t.TempDir()
		err := run(context.Background(), []string{"restore", damaged}, env("IFUTIAN_DB", "sqlite:"+filepath.Join(target, "d.db"),
			"IFUTIAN_DATA_DIR", filepath.Join(target, "files"), "IFUTIAN_DATA_KEY", testDataKey, "IFUTIAN_MEMBER_CODE_KEY", testDataKey), nil, io.Discard, io.Discard)
		if err == nil {
			t.Fatal("a damaged archive restored")
		}
	})
}

// TestBackupRefusesMySQL: on MySQL `ifutian backup` points to the
// database's own tools, and --photos-only backs up the photos.
func TestBackupRefusesMySQL(t *testing.T) {
	dir := t.TempDir()
	getenv := env("IFUTIAN_DB", "mysql:root@tcp(127.0.0.1:1)/x", "IFUTIAN_DATA_KEY", testDataKey, "IFUTIAN_MEMBER_CODE_KEY", testDataKey,
		"IFUTIAN_DATA_DIR", filepath.Join(dir, "files"))
	err := run(context.Background(), []string{"backup"}, getenv, nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "mysqldump --single-transaction") {
		t.Fatalf("backup on MySQL: err=%v, want the hint", err)
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"backup", "--photos-only", "--out", filepath.Join(dir, "p.tar.gz")}, getenv, nil, &out, io.Discard); err != nil {
		t.Fatalf("photos-only backup: %v", err)
	}
	if !strings.Contains(out.String(), "photos only") {
		t.Fatalf("output %q", out.String())
	}
}

// TestScheduledBackup: with IFUTIAN_BACKUP_EVERY serve runs a backup task
// that writes archives into IFUTIAN_BACKUP_DIR and keeps the newest
// IFUTIAN_BACKUP_KEEP.
func TestScheduledBackup(t *testing.T) {
	if os.Getenv(dbtest.EnvMySQL) != "" {
		t.Skip("SQLite only")
	}
	dir := t.TempDir()
	cfg, err := loadConfig(env("IFUTIAN_DB", "sqlite:"+filepath.Join(dir, "s.db"), "IFUTIAN_BACKUP_EVERY", "1m",
		"IFUTIAN_BACKUP_DIR", filepath.Join(dir, "archives"), "IFUTIAN_BACKUP_KEEP", "2", "IFUTIAN_METRICS", "off"))
	if err != nil {
		t.Fatal(err)
	}
	a, err := build(context.Background(), cfg, newLogger(cfg, io.Discard))
	if err != nil {
		t.Fatal(err)
	}
	defer a.close()
	if !slices.ContainsFunc(a.tasks, func(t task) bool { return t.Name == "backup" }) {
		t.Fatal("no backup task")
	}
	for range 3 {
		if n, err := a.scheduledBackup(context.Background()); err != nil || n != 1 {
			t.Fatalf("backup: %d %v", n, err)
		}
		time.Sleep(2 * time.Millisecond) // archives are named by the millisecond
	}
	names, _ := filepath.Glob(filepath.Join(dir, "archives", "*"))
	if len(names) != 2 || !strings.HasSuffix(names[0], ".tar.gz") {
		t.Fatalf("archives %v, want the newest 2", names)
	}
}

// TestBackupNeedsKeys: a backup of a database whose service runs with
// configured keys, made without them, is refused instead of recording the
// fingerprints of new development keys.
func TestBackupNeedsKeys(t *testing.T) {
	dir := t.TempDir()
	dsn := "sqlite:" + filepath.Join(dir, "k.db")
	if err := run(context.Background(), []string{"migrate"}, env("IFUTIAN_DB", dsn, "IFUTIAN_DATA_KEY", testDataKey, "IFUTIAN_MEMBER_CODE_KEY", testDataKey), nil, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	err := run(context.Background(), []string{"backup", "--out", filepath.Join(dir, "k.tar.gz")}, env("IFUTIAN_DB", dsn), nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "IFUTIAN_") {
		t.Fatalf("backup without the keys: err=%v, want it refused naming the key", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "k.db.key")); err == nil {
		t.Fatal("the refused backup made a development key")
	}
}
