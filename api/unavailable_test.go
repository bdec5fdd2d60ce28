package api

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	mysqldriver "github.com/go-sql-driver/mysql"
	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/internal/dbtest"
	"github.com/futian/ifutian/staff"
)

// wantUnavailable checks the answer the mini program retries: 503
// upstream_unavailable with a Retry-After of 1–5 seconds.
func wantUnavailable(t testing.TB, rec *httptest.ResponseRecorder) {
	t.Helper()
	wantError(t, rec, http.StatusServiceUnavailable, "upstream_unavailable", "")
	if n, err := strconv.Atoi(rec.Header().Get("Retry-After")); err != nil || n < 1 || n > 5 {
		t.Fatalf("Retry-After=%q, want 1–5 seconds", rec.Header().Get("Retry-After"))
	}
}

// privateDB opens a connection pool of its own to the test database, so
// that a test may close or cut it; through proxy, when not empty, on MySQL.
func privateDB(t *testing.T, proxy func(addr string) string) *gorm.DB {
	t.Helper()
	shared := dbtest.Open(t)
	if db.DialectOf(shared) == db.SQLite {
		if proxy != nil {
			t.Skip("the database is a file")
		}
		return shared // dbtest's SQLite pool is the test's own
	}
	dsn, _ := strings.CutPrefix(dbtest.DSN(t), "mysql:")
	cfg, err := mysqldriver.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	if proxy != nil {
		cfg.Addr = proxy(cfg.Addr)
		cfg.Timeout = time.Second
	}
	gdb, _, err := db.Open(context.Background(), "mysql:"+cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.SQL(gdb).Close() })
	return gdb
}

// TestDatabaseClosed: with the database gone, requests that need it answer
// 503 upstream_unavailable with Retry-After (they answered 500 internal,
// which the mini program shows as an error instead of retrying).
func TestDatabaseClosed(t *testing.T) {
	gdb := privateDB(t, nil)
	e := newEnvOn(t, gdb, func(c *Config) {
		c.Ready = func(ctx context.Context) error { return db.SQL(gdb).PingContext(ctx) }
	})
	officer, _ := e.staffer([]staff.Role{staff.PointsOfficer})
	half, _ := e.staffer([]staff.Role{staff.PointsOfficer})
	resident, rid := e.resident("downtime")
	fresh, _ := e.resident("downtime-2")
	wantStatus(t, e.do("POST", "/api/v1/admin/points/rules", officer, map[string]any{"code": "volunteer", "name": "志愿服务", "points": 5}), http.StatusCreated)
	// half's token is verified and cached, its account is not.
	wantStatus(t, e.do("GET", "/api/v1/me", half, nil), http.StatusForbidden)
	wantStatus(t, e.do("GET", "/api/v1/me", resident, nil), http.StatusOK)

	if err := db.SQL(gdb).Close(); err != nil {
		t.Fatal(err)
	}
	award := map[string]any{"resident_id": strconv.FormatInt(rid, 10), "rule_code": "volunteer", "external_id": "down-1"}
	t.Run("Award", func(t *testing.T) { wantUnavailable(t, e.do("POST", "/api/v1/admin/points/awards", officer, award)) })
	t.Run("StaffAccount", func(t *testing.T) { wantUnavailable(t, e.do("POST", "/api/v1/admin/points/awards", half, award)) })
	t.Run("Token", func(t *testing.T) { wantUnavailable(t, e.do("GET", "/api/v1/me", fresh, nil)) })
	t.Run("Read", func(t *testing.T) { wantUnavailable(t, e.do("GET", "/api/v1/points/account", resident, nil)) })
	t.Run("Login", func(t *testing.T) {
		wantUnavailable(t, e.do("POST", "/api/v1/auth/wechat-login", "", map[string]string{"code": "mock:downtime"}))
	})
	t.Run("Readyz", func(t *testing.T) { wantUnavailable(t, e.do("GET", "/readyz", "", nil)) })
}

// cutProxy forwards TCP connections to a target until it is cut: then it
// closes every connection and refuses new ones, until restored.
type cutProxy struct {
	target, addr string
	mu           sync.Mutex
	ln           net.Listener
	conns        map[net.Conn]bool
}

func startCutProxy(t *testing.T, target string) *cutProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{target: target, addr: ln.Addr().String(), ln: ln, conns: map[net.Conn]bool{}}
	go p.serve(ln)
	t.Cleanup(p.cut)
	return p
}

func (p *cutProxy) serve(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go p.pipe(c)
	}
}

func (p *cutProxy) pipe(c net.Conn) {
	u, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	if p.ln == nil { // cut meanwhile
		p.mu.Unlock()
		c.Close()
		u.Close()
		return
	}
	p.conns[c], p.conns[u] = true, true
	p.mu.Unlock()
	go func() { io.Copy(u, c); u.Close() }()
	io.Copy(c, u)
	c.Close()
}

func (p *cutProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
}

func (p *cutProxy) restore(t *testing.T) {
	t.Helper()
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go p.serve(ln)
}

// TestDatabaseCut: a stream of awards while the connection to MariaDB is
// cut gets only 201/200 or 503 with Retry-After, never 500; once it is
// back, retrying every refused award grants each exactly once.
func TestDatabaseCut(t *testing.T) {
	var proxy *cutProxy
	gdb := privateDB(t, func(addr string) string {
		proxy = startCutProxy(t, addr)
		return proxy.addr
	})
	e := newEnvOn(t, gdb, func(*Config) {})
	officer, _ := e.staffer([]staff.Role{staff.PointsOfficer})
	wantStatus(t, e.do("POST", "/api/v1/admin/points/rules", officer, map[string]any{"code": "volunteer", "name": "志愿服务", "points": 1}), http.StatusCreated)
	var rids []int64
	for i := range 4 {
		_, rid := e.resident(fmt.Sprintf("cut-%d", i))
		rids = append(rids, rid)
	}
	award := func(rid int64, ext string) *httptest.ResponseRecorder {
		return e.do("POST", "/api/v1/admin/points/awards", officer, map[string]any{
			"resident_id": strconv.FormatInt(rid, 10), "rule_code": "volunteer", "external_id": ext})
	}
	const perClient = 40
	var (
		mu      sync.Mutex
		refused []string // "rid/ext" of the awards answered 503
		wg      sync.WaitGroup
	)
	for c, rid := range rids {
		wg.Go(func() {
			for i := range perClient {
				if c == 0 && i == perClient/4 {
					proxy.cut()
				}
				ext := fmt.Sprintf("cut-%d-%d", c, i)
				rec := award(rid, ext)
				switch rec.Code {
				case http.StatusCreated, http.StatusOK:
				case http.StatusServiceUnavailable:
					if ra, err := strconv.Atoi(rec.Header().Get("Retry-After")); err != nil || ra < 1 || ra > 5 {
						t.Errorf("503 with Retry-After %q", rec.Header().Get("Retry-After"))
					}
					mu.Lock()
					refused = append(refused, fmt.Sprint(rid, "/", ext))
					mu.Unlock()
				default:
					t.Errorf("award during the cut: %d %s", rec.Code, rec.Body.String())
				}
			}
		})
	}
	wg.Wait()
	if len(refused) == 0 {
		t.Fatal("no award was refused: the cut did not happen")
	}
	proxy.restore(t)
	for _, r := range refused {
		var rid int64
		var ext string
		fmt.Sscanf(strings.Replace(r, "/", " ", 1), "%d %s", &rid, &ext)
		for try := 0; ; try++ {
			rec := award(rid, ext)
			if rec.Code == http.StatusCreated || rec.Code == http.StatusOK {
				break
			}
			if rec.Code != http.StatusServiceUnavailable || try == 100 {
				t.Fatalf("retry of %s after the restore: %d %s", r, rec.Code, rec.Body.String())
			}
			time.Sleep(100 * time.Millisecond) // the pool reconnects
		}
	}
	var grants, distinct int64
	if err := gdb.Raw("SELECT COUNT(*), COUNT(DISTINCT external_id) FROM point_transactions WHERE rule_code = 'volunteer'").Row().Scan(&grants, &distinct); err != nil {
		t.Fatal(err)
	}
	if want := int64(len(rids) * perClient); grants != want || distinct != want {
		t.Fatalf("%d grants of %d awards (%d distinct), want each once", grants, want, distinct)
	}
}
