package requests_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/futian/ifutian/app"
	"github.com/futian/ifutian/internal/dbtest"
	"github.com/futian/ifutian/internal/district"
	"github.com/futian/ifutian/internal/pii"
	"github.com/futian/ifutian/requests"
	"github.com/futian/ifutian/residents"
	"github.com/futian/ifutian/staff"
	"github.com/futian/ifutian/storage"
)

// env is the wired services on a fresh database, with a settable clock.
type env struct {
	t     *testing.T
	ctx   context.Context
	svc   *app.Services
	req   *requests.Service
	store *storage.Local
	deps  app.Deps
	now   time.Time
}

var seq atomic.Int64

func newEnv(t *testing.T) *env {
	t.Helper()
	gdb := dbtest.Open(t)
	box, err := pii.New(bytes.Repeat([]byte{7}, pii.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	regions, err := residents.LoadRegions()
	if err != nil {
		t.Fatal(err)
	}
	store, err := storage.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	// Monday 2 November 2026, 10:00 in Futian.
	e := &env{t: t, ctx: context.Background(), store: store, now: time.Date(2026, 11, 2, 10, 0, 0, 0, district.Zone)}
	e.deps = app.Deps{DB: gdb, Box: box, Regions: regions, ResidentTokenTTL: time.Hour, StaffTokenTTL: time.Hour, Store: store,
		BcryptCost: bcrypt.MinCost, Now: func() time.Time { return e.now }}
	svc := app.New(e.deps)
	e.svc, e.req = svc, svc.Requests
	if err := svc.Requests.SeedCategories(e.ctx); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) department(name string) int64 {
	e.t.Helper()
	d, err := e.svc.Staff.CreateDepartment(e.ctx, name+strconv.FormatInt(seq.Add(1), 10))
	if err != nil {
		e.t.Fatal(err)
	}
	return d.ID
}

func (e *env) member(dept *int64, roles []staff.Role, streets ...string) *staff.Member {
	e.t.Helper()
	m, err := e.svc.Staff.Create(e.ctx, nil, staff.NewMember{
		Username: "member" + strconv.FormatInt(seq.Add(1), 10), Password: "password-123456",
		DepartmentID: dept, Roles: roles, Streets: streets,
	}, func(string) bool { return true })
	if err != nil {
		e.t.Fatal(err)
	}
	return m
}

func (e *env) resident(name string) int64 {
	e.t.Helper()
	r, _, err := e.svc.Residents.Login(e.ctx, "openid_"+name+strconv.FormatInt(seq.Add(1), 10), "")
	if err != nil {
		e.t.Fatal(err)
	}
	return r.ID
}

func (e *env) route(category, street string, dept int64) {
	e.t.Helper()
	if _, err := e.req.SaveRoute(e.ctx, requests.Route{Category: category, Street: street, DepartmentID: dept}); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) submit(resident int64, category, street string) *requests.View {
	e.t.Helper()
	v, _, err := e.req.Submit(e.ctx, resident, requests.NewRequest{
		ClientKey: "k" + strconv.FormatInt(seq.Add(1), 10), Category: category,
		Description: "路灯不亮", Street: street,
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return v
}

// must returns v, or fails the test (by panicking, which fails it too)
// when err is not nil.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func toJSON(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// runJobs runs the job queue until no job is due (what serve's workers do
// within seconds).
func (e *env) runJobs() {
	e.t.Helper()
	for range 100 {
		n, err := e.svc.Jobs.Work(e.ctx)
		if err != nil {
			e.t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
}
