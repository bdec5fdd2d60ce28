//go:build bench

package main

import (
	"context"
	"io"
	"maps"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/internal/dbtest"
	"github.com/futian/ifutian/migrations"
)

// The bench's tests run with the tag (.ci/run: go test -tags bench
// ./cmd/ifutian -run '^TestBench'), each on a database of its own: the
// bench refuses one with residents it did not make.

func benchEnv(dsn string) func(string) string {
	return env("IFUTIAN_DB", dsn, "IFUTIAN_DATA_KEY", testDataKey, "IFUTIAN_MEMBER_CODE_KEY", testDataKey)
}

// TestBenchRefusesForeignResidents: on a database holding a resident the
// bench did not make (a real openid, or an erased account's none), every
// scenario stops with an error naming the reason and writes nothing.
func TestBenchRefusesForeignResidents(t *testing.T) {
	for name, openid := range map[string]any{"WeChat": "oAbC123xyz", "Erased": nil, "Fake": "mock_alice"} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			dsn := dbtest.EmptyDSN(t)
			gdb, dialect, err := db.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.SQL(gdb).Close()
			if _, err := migrations.Up(ctx, db.SQL(gdb), string(dialect)); err != nil {
				t.Fatal(err)
			}
			if err := gdb.Exec("INSERT INTO residents (openid, created_at, updated_at) VALUES (?, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)", openid).Error; err != nil {
				t.Fatal(err)
			}
			before := benchRowCounts(t, gdb)
			for _, scenario := range []string{"points", "notify", "activities", "requests"} {
				var out strings.Builder
				err := run(ctx, []string{"bench", scenario, "--residents", "10", "--duration", "1s"}, benchEnv(dsn), nil, &out, io.Discard)
				if err == nil || !strings.Contains(err.Error(), "refused") || !strings.Contains(err.Error(), "did not make") {
					t.Fatalf("%s: err=%v, want a refusal\n%s", scenario, err, out.String())
				}
			}
			if after := benchRowCounts(t, gdb); !maps.Equal(after, before) {
				t.Fatalf("rows before %v, after %v", before, after)
			}
		})
	}
}

// benchRowCounts counts the rows of the tables a bench writes first.
func benchRowCounts(t *testing.T, gdb *gorm.DB) map[string]int64 {
	t.Helper()
	n := map[string]int64{}
	for _, table := range []string{"residents", "departments", "staff", "notices", "point_rules", "sessions"} {
		var k int64
		if err := gdb.Table(table).Count(&k).Error; err != nil {
			t.Fatal(err)
		}
		n[table] = k
	}
	return n
}

// TestBenchPoints runs the points bench small on a database of its own:
// its figures are printed, the ledger reconciles (the bench checks), and it
// cleans up after itself.
func TestBenchPoints(t *testing.T) {
	dsn := dbtest.EmptyDSN(t)
	var out strings.Builder
	if err := run(context.Background(), []string{"bench", "points", "--residents", "20", "--concurrency", "2", "--duration", "500ms"}, benchEnv(dsn), nil, &out, io.Discard); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	benchHasFigures(t, out.String(), "award_api_per_s", "award_bare_per_s", "award_ratio", "read_ratio")
	benchLeftNothing(t, dsn, "residents", "point_transactions", "point_accounts")
	// A second run finds only its own kind of residents, none: it may run.
	if err := run(context.Background(), []string{"bench", "points", "--residents", "20", "--concurrency", "2", "--duration", "500ms"}, benchEnv(dsn), nil, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
}

// TestBenchActivities runs the activities bench small: its figures are
// printed, the rush was exact (the bench checks), and it cleans up.
func TestBenchActivities(t *testing.T) {
	dsn := dbtest.EmptyDSN(t)
	var out strings.Builder
	if err := run(context.Background(), []string{"bench", "activities", "--residents", "40", "--concurrency", "4"}, benchEnv(dsn), nil, &out, io.Discard); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	benchHasFigures(t, out.String(), "signup_api_per_s", "signup_bare_per_s", "checkin_per_s", "checkout_per_s", "signup_ratio")
	benchLeftNothing(t, dsn, "activities", "activity_signups", "residents")
}

// TestBenchNotify runs the notify bench small (without waiting for MySQL
// to settle: other tests keep it busy); it keeps its residents and
// seeded notices for the next run, and a second run accepts them.
func TestBenchNotify(t *testing.T) {
	dsn := dbtest.EmptyDSN(t)
	for range 2 {
		var out strings.Builder
		err := run(context.Background(), []string{"bench", "notify", "--residents", "300", "--duration", "1s", "--rate", "50", "--settle", "0s"},
			env("IFUTIAN_DB", dsn, "IFUTIAN_DATA_KEY", testDataKey, "IFUTIAN_MEMBER_CODE_KEY", testDataKey, "IFUTIAN_WECHAT_SEND_RATE", "200"), nil, &out, io.Discard)
		if err != nil {
			t.Fatalf("%v\n%s", err, out.String())
		}
		benchHasFigures(t, out.String(), "notify_publish_ratio", "notify_inbox_p99_ms", "notify_wechat_rate_ratio", "notify_urgent_wait_s")
	}
}

// TestBenchNotifySharedRate runs the notify bench with Redis: two
// instances deliver together at the shared rate, and no resident gets the
// message twice.
func TestBenchNotifySharedRate(t *testing.T) {
	if c, err := net.DialTimeout("tcp", "127.0.0.1:6379", time.Second); err != nil {
		t.Skip("no Redis on 127.0.0.1:6379")
	} else {
		c.Close()
	}
	dsn := dbtest.EmptyDSN(t)
	var out strings.Builder
	err := run(context.Background(), []string{"bench", "notify", "--residents", "300", "--duration", "1s", "--rate", "50", "--settle", "0s"},
		env("IFUTIAN_DB", dsn, "IFUTIAN_DATA_KEY", testDataKey, "IFUTIAN_MEMBER_CODE_KEY", testDataKey, "IFUTIAN_WECHAT_SEND_RATE", "100",
			"IFUTIAN_REDIS_URL", "redis://127.0.0.1:6379/0", "IFUTIAN_REDIS_PREFIX", "ifutian-test-"+strconv.FormatInt(time.Now().UnixNano(), 36)+":"), nil, &out, io.Discard)
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	benchHasFigures(t, out.String(), "notify_shared_sends_per_s", "notify_shared_rate_ratio")
	t.Log(out.String())
	if !strings.Contains(out.String(), "\nnotify_shared_duplicates: 0\n") {
		t.Fatalf("a resident got the message twice:\n%s", out.String())
	}
}

func benchHasFigures(t *testing.T, out string, names ...string) {
	t.Helper()
	for _, name := range names {
		if !strings.Contains("\n"+out, "\n"+name+": ") {
			t.Fatalf("no %s in\n%s", name, out)
		}
	}
}

func benchLeftNothing(t *testing.T, dsn string, tables ...string) {
	t.Helper()
	gdb, _, err := db.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.SQL(gdb).Close()
	for _, table := range tables {
		var n int64
		if err := gdb.Table(table).Count(&n).Error; err != nil || n != 0 {
			t.Fatalf("%d rows left in %s (%v)", n, table, err)
		}
	}
}

// TestBenchRequests runs the photo submission bench small: its figures are
// printed and it leaves no resident, request or category behind.
func TestBenchRequests(t *testing.T) {
	dsn := dbtest.EmptyDSN(t)
	var out strings.Builder
	if err := run(context.Background(), []string{"bench", "requests", "--residents", "3", "--concurrency", "2"}, benchEnv(dsn), nil, &out, io.Discard); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	benchHasFigures(t, out.String(), "photo_submit_ms", "photo_baseline_ms", "photo_heap_peak_mib", "photo_submit_ratio")
	t.Log(out.String())
	benchLeftNothing(t, dsn, "requests", "request_photos", "residents")
}
