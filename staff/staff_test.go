package staff

import (
	"context"
	"errors"
	"sync"
	"testing"

	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/dbtest"
)

func anyStreet(string) bool { return true }

func newService(t *testing.T) *Service { return newServiceOn(dbtest.Open(t)) }

func newServiceOn(gdb *gorm.DB) *Service {
	return New(Deps{DB: gdb, BcryptCost: bcrypt.MinCost})
}

func TestPolicy(t *testing.T) {
	for p := range Policy {
		if !(&Member{Roles: []Role{Superadmin}}).Can(p) {
			t.Fatalf("superadmin lacks %s", p)
		}
	}
	if (&Member{Roles: []Role{Editor}}).Can(ReviewNotices) {
		t.Fatal("editor may review")
	}
	if !(&Member{Roles: []Role{Reviewer}}).Can(ReviewNotices) {
		t.Fatal("reviewer may not review")
	}
	for _, r := range Roles {
		m := &Member{Roles: []Role{r}}
		if r != Superadmin && m.Can(ManageJobs) {
			t.Fatalf("%s may retry or cancel jobs", r)
		}
		if got, want := m.Can(ReadJobs), r == Superadmin || r == Auditor; got != want {
			t.Fatalf("%s reads jobs: %v, want %v", r, got, want)
		}
	}
	// The dispatch centre (issue 25): district-wide, dispatching and
	// reading requests, editing the responsibility list, not a unit's desk.
	centre := &Member{Roles: []Role{Dispatcher}}
	if !centre.Can(DispatchRequests) || !centre.Can(ManageDuties) || !centre.Can(ReadRequests) ||
		centre.Can(HandleRequests) || centre.Can(AnswerSupervision) || centre.Can(ManageRequests) || !centre.Scope().District() {
		t.Fatal("dispatcher's permissions or scope wrong")
	}
	for _, r := range Roles {
		if r != Superadmin && r != Dispatcher && (&Member{Roles: []Role{r}}).Can(DispatchRequests) {
			t.Fatalf("%s may dispatch", r)
		}
	}
	if (&Member{Roles: []Role{Superadmin}, Disabled: true}).Can(ReadAudit) {
		t.Fatal("disabled account holds permissions")
	}
	scoped := (&Member{Roles: []Role{Editor}, Streets: []string{"华富街道"}}).Scope()
	if !scoped.CoversStreet("华富街道") || scoped.CoversStreet("莲花街道") {
		t.Fatal("street scope wrong")
	}
	if !(&Member{Roles: []Role{Editor}}).Scope().CoversStreet("莲花街道") {
		t.Fatal("unscoped member does not cover every street")
	}
}

func TestCreate(t *testing.T) {
	ctx := context.Background()
	s := newService(t)
	d, err := s.CreateDepartment(ctx, "区民政局")
	if err != nil {
		t.Fatal(err)
	}
	other, _ := s.CreateDepartment(ctx, "区住建局")
	deptAdmin, err := s.Create(ctx, nil, NewMember{Username: "dadmin", Password: "password-123", DepartmentID: &d.ID, Roles: []Role{DeptAdmin}, Streets: []string{"华富街道"}}, anyStreet)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("OK", func(t *testing.T) {
		_, err := s.Create(ctx, deptAdmin, NewMember{Username: "ed1", Password: "password-123", DepartmentID: &d.ID, Roles: []Role{Editor}, Streets: []string{"华富街道"}}, anyStreet)
		if err != nil {
			t.Fatal(err)
		}
	})
	// A dispatcher has no department; one with a department, or an editor
	// without one, is refused naming department_id.
	for _, n := range []NewMember{
		{Username: "disp1", Password: "password-123", DepartmentID: &d.ID, Roles: []Role{Dispatcher}},
		{Username: "disp2", Password: "password-123", Roles: []Role{Dispatcher, Editor}},
	} {
		var ae *apperr.Error
		if _, err := s.Create(ctx, nil, n, anyStreet); !errors.As(err, &ae) || ae.Fields["department_id"] == "" {
			t.Fatalf("%s: err=%v, want invalid_argument naming department_id", n.Username, err)
		}
	}
	for name, tc := range map[string]struct {
		n    NewMember
		want error
	}{
		"ErrOtherDepartment": {NewMember{Username: "ed2", Password: "password-123", DepartmentID: &other.ID, Roles: []Role{Editor}, Streets: []string{"华富街道"}}, ErrOutsideDepartment},
		"ErrGrantDeptAdmin":  {NewMember{Username: "ed3", Password: "password-123", DepartmentID: &d.ID, Roles: []Role{DeptAdmin}, Streets: []string{"华富街道"}}, ErrRoleNotGrantable},
		"ErrWidenStreets":    {NewMember{Username: "ed4", Password: "password-123", DepartmentID: &d.ID, Roles: []Role{Editor}}, ErrStreetNotGrantable},
		"ErrOtherStreet":     {NewMember{Username: "ed5", Password: "password-123", DepartmentID: &d.ID, Roles: []Role{Editor}, Streets: []string{"莲花街道"}}, ErrStreetNotGrantable},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := s.Create(ctx, deptAdmin, tc.n, anyStreet); !errors.Is(err, tc.want) {
				t.Fatalf("err=%v, want %v", err, tc.want)
			}
		})
	}
}

func TestAuthenticate(t *testing.T) {
	ctx := context.Background()
	s := newService(t)
	if ok, err := s.Bootstrap(ctx, "first-password"); !ok || err != nil {
		t.Fatalf("Bootstrap=%v, %v", ok, err)
	}
	if ok, _ := s.Bootstrap(ctx, "second-password"); ok {
		t.Fatal("bootstrapped twice")
	}
	if _, err := s.Authenticate(ctx, "ADMIN", "first-password"); err != nil {
		t.Fatalf("login: %v", err)
	}
	for _, tc := range [][2]string{{"admin", "second-password"}, {"nobody", "first-password"}} {
		if _, err := s.Authenticate(ctx, tc[0], tc[1]); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("Authenticate(%q)=%v", tc[0], err)
		}
	}
	s.db.Model(&Member{}).Where("username = ?", "admin").Update("disabled", true)
	if _, err := s.Authenticate(ctx, "admin", "first-password"); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("disabled account logged in: %v", err)
	}
}

// TestAuditConcurrent: many concurrent audits all land, each once.
func TestAuditConcurrent(t *testing.T) {
	s := newService(t)
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Go(func() {
			if err := s.Audit(context.Background(), AuditEntry{ActorID: int64(i + 1), Actor: "a", Action: "x"}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	var n, distinct int64
	s.db.Model(&AuditEntry{}).Count(&n)
	s.db.Model(&AuditEntry{}).Distinct("actor_id").Count(&distinct)
	if n != 200 || distinct != 200 {
		t.Fatalf("entries=%d distinct actors=%d, want 200 each", n, distinct)
	}
}

// TestRoleNames: every role has its Chinese name, each its own.
func TestRoleNames(t *testing.T) {
	seen := map[string]Role{}
	for _, r := range Roles {
		n := r.Name()
		if n == string(r) || n == "" {
			t.Errorf("role %s has no name", r)
		}
		if o, dup := seen[n]; dup {
			t.Errorf("roles %s and %s are both %s", o, r, n)
		}
		seen[n] = r
	}
	if Role("king").Name() != "king" {
		t.Error("an unknown role is not its code")
	}
}
