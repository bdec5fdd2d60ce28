package activities_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"

	"github.com/futian/ifutian/activities"
	"github.com/futian/ifutian/app"
	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/dbtest"
	"github.com/futian/ifutian/internal/pii"
	"github.com/futian/ifutian/points"
	"github.com/futian/ifutian/residents"
	"github.com/futian/ifutian/staff"
)

var ctx = context.Background()

// world is the services over a fresh database, a department with an
// editor and a points rule, and a clock the services read.
type world struct {
	t      testing.TB
	db     *gorm.DB
	svc    *app.Services
	dept   int64
	editor *staff.Member
	rule   string

	mu  sync.Mutex
	now time.Time
}

func newWorld(t testing.TB) *world {
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
	w := &world{t: t, db: gdb, now: time.Now().UTC().Truncate(time.Second)}
	w.svc = app.New(app.Deps{DB: gdb, Box: box, Regions: regions, ResidentTokenTTL: time.Hour, StaffTokenTTL: time.Hour,
		MemberCodeKey: bytes.Repeat([]byte{9}, residents.MemberCodeKeySize), BcryptCost: bcrypt.MinCost, Now: w.clock})
	d, err := w.svc.Staff.CreateDepartment(ctx, "社区服务中心")
	if err != nil {
		t.Fatal(err)
	}
	w.dept = d.ID
	w.editor = w.member("editor1", []staff.Role{staff.Editor})
	w.rule = "volunteer_act"
	if _, _, err := w.svc.Points.SaveRule(ctx, nil, points.Rule{
		Code: w.rule, Name: "志愿服务", Points: 10, DepartmentID: &w.dept, Expiry: points.ExpiryNever,
	}); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *world) clock() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.now
}

// at sets the clock.
func (w *world) at(t time.Time) {
	w.mu.Lock()
	w.now = t
	w.mu.Unlock()
}

func (w *world) member(name string, roles []staff.Role, streets ...string) *staff.Member {
	w.t.Helper()
	m, err := w.svc.Staff.Create(ctx, nil, staff.NewMember{
		Username: name, Password: "password-123456", DepartmentID: &w.dept, Roles: roles, Streets: streets,
	}, func(string) bool { return true })
	if err != nil {
		w.t.Fatal(err)
	}
	return m
}

// residents makes n residents of a street (in one statement, for rushes).
func (w *world) residents(n int, street string) []int64 {
	w.t.Helper()
	now := time.Now().UTC()
	ids := make([]int64, 0, n)
	for i := range n {
		r := struct {
			ID        int64
			Nickname  string
			Street    string
			CreatedAt time.Time
			UpdatedAt time.Time
		}{Nickname: fmt.Sprintf("居民%d", i), Street: street, CreatedAt: now, UpdatedAt: now}
		if err := w.db.Table("residents").Create(&r).Error; err != nil {
			w.t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	return ids
}

// activity creates and publishes an activity starting in a day, lasting
// three hours and crediting two.
func (w *world) activity(adjust func(*activities.Input)) *activities.Activity {
	w.t.Helper()
	start := w.clock().Add(24 * time.Hour)
	in := activities.Input{
		Kind: activities.KindVolunteer, Title: "华富社区环境整治", Place: "华富街道华富社区广场", Street: "华富街道",
		StartsAt: start, EndsAt: start.Add(3 * time.Hour), Capacity: 50, Waitlist: true, PointsRule: w.rule, Hours: 2,
	}
	if adjust != nil {
		adjust(&in)
	}
	a, err := w.svc.Activities.Create(ctx, w.editor, in)
	if err != nil {
		w.t.Fatal(err)
	}
	if a, err = w.svc.Activities.Publish(ctx, w.editor, a.ID); err != nil {
		w.t.Fatal(err)
	}
	return a
}

// counts returns an activity's counters and its sign-ups by status.
func (w *world) counts(id int64) (confirmed, waiting int, byStatus map[string]int) {
	w.t.Helper()
	var a activities.Activity
	if err := w.db.Take(&a, id).Error; err != nil {
		w.t.Fatal(err)
	}
	var rows []struct {
		Status string
		N      int
	}
	if err := w.db.Table("activity_signups").Select("status, COUNT(*) AS n").Where("activity_id = ?", id).Group("status").Scan(&rows).Error; err != nil {
		w.t.Fatal(err)
	}
	byStatus = map[string]int{}
	for _, r := range rows {
		byStatus[r.Status] = r.N
	}
	return a.Confirmed, a.Waiting, byStatus
}

func mustReconcile(t testing.TB, s *points.Service) {
	t.Helper()
	bad, _, err := s.Reconcile(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range bad {
		t.Error(m)
	}
}

// fieldOf returns the field an apperr.Error names ("" if none or several).
func fieldOf(err error) string {
	var ae *apperr.Error
	if !errors.As(err, &ae) || len(ae.Fields) != 1 {
		return ""
	}
	for f := range ae.Fields {
		return f
	}
	return ""
}

// detail returns an apperr.Error's details.reason.
func detail(err error) string {
	var ae *apperr.Error
	if !errors.As(err, &ae) {
		return ""
	}
	s, _ := ae.Details["reason"].(string)
	return s
}

// pointsRule is a rule of dept granting 10 points, at most dailyCap a day.
func pointsRule(code string, dept int64, dailyCap int) points.Rule {
	return points.Rule{Code: code, Name: "限次规则", Points: 10, DailyCap: dailyCap, DepartmentID: &dept, Expiry: points.ExpiryNever}
}
