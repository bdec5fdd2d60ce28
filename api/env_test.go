package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"

	"github.com/futian/ifutian/app"
	"github.com/futian/ifutian/auth"
	"github.com/futian/ifutian/enterprises"
	"github.com/futian/ifutian/internal/clock"
	"github.com/futian/ifutian/internal/dbtest"
	"github.com/futian/ifutian/internal/pii"
	"github.com/futian/ifutian/internal/ratelimit"
	"github.com/futian/ifutian/notify"
	"github.com/futian/ifutian/points"
	"github.com/futian/ifutian/requests"
	"github.com/futian/ifutian/residents"
	"github.com/futian/ifutian/staff"
	"github.com/futian/ifutian/storage"
	"github.com/futian/ifutian/surveys"
	"github.com/futian/ifutian/wechat"
)

// fakeWeChat is the one fake WeChat of this test binary: the SDK's HTTP
// client is process-global, so tests share it and must not change its
// faults in parallel.
var fakeWeChat *wechat.Fake

func TestMain(m *testing.M) {
	var stop func(context.Context) error
	var err error
	fakeWeChat, _, stop, err = wechat.StartLocalFake(2 * time.Second)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := dbtest.Main(m)
	writeContractSeen()
	stop(context.Background())
	os.Exit(code)
}

// env is one API over real services on a fresh database.
type env struct {
	t           testing.TB
	db          *gorm.DB
	srv         *Server
	auth        *auth.Service
	residents   *residents.Service
	staff       *staff.Service
	points      *points.Service
	enterprises *enterprises.Service
	notify      *notify.Service
	surveys     *surveys.Service
	requests    *requests.Service
	storeDir    string // where the requests' photos are stored
	dept        int64  // a department every staffer made by staffer() belongs to
	// clock is every service's clock: real time until a test sets or
	// moves it.
	clock *clock.Adjustable
}

var appSeq atomic.Int64

func newEnv(t testing.TB) *env {
	t.Helper()
	return newEnvWith(t, func(*Config) {})
}

// newEnvWith builds an env after letting the test adjust the Config.
func newEnvWith(t testing.TB, adjust func(*Config)) *env {
	t.Helper()
	return newEnvOn(t, dbtest.Open(t), adjust)
}

// newEnvOn builds an env over gdb, a migrated, empty database.
func newEnvOn(t testing.TB, gdb *gorm.DB, adjust func(*Config)) *env {
	t.Helper()
	return newEnvDeps(t, gdb, func(*app.Deps) {}, adjust)
}

// newEnvDeps builds an env over gdb after letting the test adjust the
// services' Deps, then the Config.
func newEnvDeps(t testing.TB, gdb *gorm.DB, adjustDeps func(*app.Deps), adjust func(*Config)) *env {
	t.Helper()
	box, err := pii.New(bytes.Repeat([]byte{7}, pii.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	regions, err := residents.LoadRegions()
	if err != nil {
		t.Fatal(err)
	}
	storeDir := t.TempDir()
	store, err := storage.NewLocal(storeDir)
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock.Adjustable{}
	deps := app.Deps{DB: gdb, Box: box, Regions: regions, ResidentTokenTTL: time.Hour, StaffTokenTTL: time.Hour, Store: store,
		BcryptCost: bcrypt.MinCost, Now: clk.Now}
	adjustDeps(&deps)
	svc := app.New(deps)
	// On MySQL the tables are emptied between tests, the migration's rows too.
	if err := svc.Requests.SeedCategories(context.Background()); err != nil {
		t.Fatal(err)
	}
	e := &env{
		t: t, db: gdb, auth: svc.Auth, residents: svc.Residents, staff: svc.Staff, points: svc.Points,
		enterprises: svc.Enterprises, notify: svc.Notify, surveys: svc.Surveys, requests: svc.Requests, storeDir: storeDir,
		clock: clk,
	}
	// Each env gets its own WeChat app ID so access tokens never mix.
	client := wechat.New(wechat.Config{AppID: "wxtest" + strconv.FormatInt(appSeq.Add(1), 10), AppSecret: "test-secret"})
	cfg := Config{
		Services: svc, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), WeChat: client,
		Limiter: ratelimit.NewMemory(), Metrics: prometheus.NewRegistry(),
		Ready: func(ctx context.Context) error { return nil }, PushToken: testPushToken,
	}
	adjust(&cfg)
	e.srv, err = New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	d, err := e.staff.CreateDepartment(context.Background(), "测试部门"+strconv.FormatInt(appSeq.Add(1), 10))
	if err != nil {
		t.Fatal(err)
	}
	e.dept = d.ID
	return e
}

// do sends a request through the real router and checks the exchange
// against the served OpenAPI document. body is JSON-encoded unless it is a
// string or []byte; headers are name, value pairs.
func (e *env) do(method, path, token string, body any, headers ...string) *httptest.ResponseRecorder {
	e.t.Helper()
	var raw []byte
	switch b := body.(type) {
	case nil:
	case string:
		raw = []byte(b)
	case []byte:
		raw = b
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		raw = j
	}
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(raw)
	}
	req := httptest.NewRequest(method, path, r)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	check := req.Clone(context.Background())
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, req)
	// Every exchange is checked against the served OpenAPI document
	// (contract_test.go); Errorf, as tests call do from many goroutines.
	if msg := checkContract(check, raw, rec); msg != "" {
		e.t.Errorf("contract: %s", msg)
	}
	return rec
}

// resident logs in through the fake WeChat as mock:<name> and returns the
// token and resident ID.
func (e *env) resident(name string) (string, int64) {
	e.t.Helper()
	rec := e.do("POST", "/api/v1/auth/wechat-login", "", map[string]string{"code": "mock:" + name})
	wantStatus(e.t, rec, http.StatusOK)
	var out struct {
		Token    string `json:"token"`
		Resident struct {
			ID string `json:"id"`
		} `json:"resident"`
	}
	decode(e.t, rec, &out)
	id, _ := strconv.ParseInt(out.Resident.ID, 10, 64)
	return out.Token, id
}

// staffer creates a staff member of e.dept with the given roles (and
// optional street scope) and returns a token and the member.
func (e *env) staffer(roles []staff.Role, streets ...string) (string, *staff.Member) {
	e.t.Helper()
	n := staff.NewMember{
		Username: "staff" + strconv.FormatInt(appSeq.Add(1), 10), Password: "password-123456",
		Roles: roles, Streets: streets,
	}
	if !containsRole(roles, staff.Superadmin) && !containsRole(roles, staff.Dispatcher) {
		n.DepartmentID = &e.dept // the dispatch centre's accounts have none
	}
	m, err := e.staff.Create(context.Background(), nil, n, func(string) bool { return true })
	if err != nil {
		e.t.Fatal(err)
	}
	token, _, err := e.auth.Issue(context.Background(), auth.Staff, m.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return token, m
}

// otherDepartment returns a department other than e.dept.
func (e *env) otherDepartment() int64 {
	e.t.Helper()
	d, err := e.staff.CreateDepartment(context.Background(), "其他部门"+strconv.FormatInt(appSeq.Add(1), 10))
	if err != nil {
		e.t.Fatal(err)
	}
	return d.ID
}

func containsRole(rs []staff.Role, r staff.Role) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}

// count returns the number of rows in a table.
func (e *env) count(table string) int64 {
	e.t.Helper()
	var n int64
	if err := e.db.Table(table).Count(&n).Error; err != nil {
		e.t.Fatal(err)
	}
	return n
}

func wantStatus(t testing.TB, rec *httptest.ResponseRecorder, status int) {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status=%d, want %d; body: %s", rec.Code, status, rec.Body.String())
	}
}

// wantError checks the contract's error shape: status, code and, when
// field is not empty, that details.fields names it.
func wantError(t testing.TB, rec *httptest.ResponseRecorder, status int, code, field string) {
	t.Helper()
	wantStatus(t, rec, status)
	var body struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
			Details struct {
				Fields map[string]string `json:"fields"`
			} `json:"details"`
		} `json:"error"`
	}
	decode(t, rec, &body)
	if body.Error.Code != code {
		t.Fatalf("error code=%q, want %q; body: %s", body.Error.Code, code, rec.Body.String())
	}
	if body.Error.Message == "" {
		t.Fatalf("error without message: %s", rec.Body.String())
	}
	if field != "" {
		if _, ok := body.Error.Details.Fields[field]; !ok {
			t.Fatalf("details.fields=%v, want it to name %q", body.Error.Details.Fields, field)
		}
	}
}

func decode(t testing.TB, rec *httptest.ResponseRecorder, dst any) {
	t.Helper()
	if err := json.Unmarshal(rec.Body.Bytes(), dst); err != nil {
		t.Fatalf("decode %s: %v", rec.Body.String(), err)
	}
}

// runJobs runs the job queue until no job is due (what serve's workers do
// within seconds).
func (e *env) runJobs() {
	e.t.Helper()
	for range 100 {
		n, err := e.srv.Jobs.Work(context.Background())
		if err != nil {
			e.t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
}

// queued counts the queued jobs of kind.
func (e *env) queued(kind string) int64 {
	e.t.Helper()
	var n int64
	if err := e.db.Table("jobs").Where("kind = ? AND status = ?", kind, "queued").Count(&n).Error; err != nil {
		e.t.Fatal(err)
	}
	return n
}

// longTokens gives an env tokens that outlive the days a test moves the
// services' clock on.
func longTokens(d *app.Deps) {
	d.ResidentTokenTTL, d.StaffTokenTTL = 365*24*time.Hour, 365*24*time.Hour
}
