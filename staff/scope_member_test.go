package staff

import (
	"context"
	"errors"
	"slices"
	"testing"
)

// TestCreateWithinScope: a member creates members only inside their own
// scope, and a refusal names the field at fault.
func TestCreateWithinScope(t *testing.T) {
	ctx := context.Background()
	s := newService(t)
	d, _ := s.CreateDepartment(ctx, "区民政局")
	other, _ := s.CreateDepartment(ctx, "区住建局")
	admin, err := s.Create(ctx, nil, NewMember{Username: "dadmin", Password: "password-123", DepartmentID: &d.ID, Roles: []Role{DeptAdmin}}, anyStreet)
	if err != nil {
		t.Fatal(err)
	}
	streetAdmin, err := s.Create(ctx, nil, NewMember{Username: "sadmin", Password: "password-123", DepartmentID: &d.ID, Roles: []Role{DeptAdmin}, Streets: []string{"华富街道", "莲花街道"}}, anyStreet)
	if err != nil {
		t.Fatal(err)
	}
	super, err := s.Create(ctx, nil, NewMember{Username: "root", Password: "password-123", Roles: []Role{Superadmin}}, anyStreet)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		actor *Member
		n     NewMember
		want  error
		field string
	}{
		{"OwnDepartmentAnyStreets", admin, NewMember{DepartmentID: &d.ID, Roles: []Role{Editor}, Streets: []string{"香蜜湖街道"}}, nil, ""},
		{"OwnDepartmentAuditor", admin, NewMember{DepartmentID: &d.ID, Roles: []Role{Auditor}}, nil, ""},
		{"FewerStreets", streetAdmin, NewMember{DepartmentID: &d.ID, Roles: []Role{Editor}, Streets: []string{"莲花街道"}}, nil, ""},
		{"SuperadminAnything", super, NewMember{DepartmentID: &other.ID, Roles: []Role{DeptAdmin}}, nil, ""},
		{"SuperadminDistrictAuditor", super, NewMember{Roles: []Role{Auditor}}, nil, ""},
		{"ErrDistrictAuditor", admin, NewMember{Roles: []Role{Auditor}}, ErrOutsideDepartment, "department_id"},
		{"SuperadminDispatcher", super, NewMember{Roles: []Role{Dispatcher}}, nil, ""},
		{"SuperadminDispatcherAuditor", super, NewMember{Roles: []Role{Dispatcher, Auditor}, Streets: []string{"华富街道"}}, nil, ""},
		{"ErrAdminDispatcher", admin, NewMember{Roles: []Role{Dispatcher}}, ErrOutsideDepartment, "department_id"},
		{"ErrOtherDepartment", admin, NewMember{DepartmentID: &other.ID, Roles: []Role{Editor}}, ErrOutsideDepartment, "department_id"},
		{"ErrEveryStreet", streetAdmin, NewMember{DepartmentID: &d.ID, Roles: []Role{Editor}}, ErrStreetNotGrantable, "streets"},
		{"ErrOtherStreet", streetAdmin, NewMember{DepartmentID: &d.ID, Roles: []Role{Editor}, Streets: []string{"莲花街道", "香蜜湖街道"}}, ErrStreetNotGrantable, "streets"},
		{"ErrGrantSuperadmin", admin, NewMember{DepartmentID: &d.ID, Roles: []Role{Superadmin}}, ErrRoleNotGrantable, "roles"},
		{"ErrGrantDeptAdmin", streetAdmin, NewMember{DepartmentID: &d.ID, Roles: []Role{Editor, DeptAdmin}, Streets: []string{"华富街道"}}, ErrRoleNotGrantable, "roles"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.n.Username, tc.n.Password = "u_"+lower(tc.name), "password-123"
			before, _ := s.Count(ctx)
			_, err := s.Create(ctx, tc.actor, tc.n, anyStreet)
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, tc.want) || !isOutOfScope(err, tc.field) {
				t.Fatalf("err=%v, want %v naming %s", err, tc.want, tc.field)
			}
			if after, _ := s.Count(ctx); after != before {
				t.Fatalf("staff=%d, want %d", after, before)
			}
		})
	}
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// TestFindAuditScope: an auditor reads the entries of the members whose
// reach lies within their own scope; district auditors and superadmins
// read everything, nobody else anything.
func TestFindAuditScope(t *testing.T) {
	ctx := context.Background()
	s := newService(t)
	d1, _ := s.CreateDepartment(ctx, "区民政局")
	d2, _ := s.CreateDepartment(ctx, "区住建局")
	mk := func(name string, dept *int64, roles []Role, streets ...string) *Member {
		t.Helper()
		m, err := s.Create(ctx, nil, NewMember{Username: name, Password: "password-123", DepartmentID: dept, Roles: roles, Streets: streets}, anyStreet)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	var (
		aud1       = mk("aud1", &d1.ID, []Role{Auditor})
		aud1Huafu  = mk("aud1_huafu", &d1.ID, []Role{Auditor}, "华富街道")
		ed1        = mk("ed1", &d1.ID, []Role{Editor})
		ed1Huafu   = mk("ed1_huafu", &d1.ID, []Role{Editor}, "华富街道")
		ed1Gone    = mk("ed1_gone", &d1.ID, []Role{Editor})
		ed2        = mk("ed2", &d2.ID, []Role{Editor})
		ed2Huafu   = mk("ed2_huafu", &d2.ID, []Role{Editor}, "华富街道")
		root       = mk("root", nil, []Role{Superadmin})
		district   = mk("district_aud", nil, []Role{Auditor})
		districtHF = mk("district_aud_huafu", nil, []Role{Auditor}, "华富街道")
	)
	all := []*Member{aud1, aud1Huafu, ed1, ed1Huafu, ed1Gone, ed2, ed2Huafu, root, district, districtHF}
	for _, m := range all {
		if err := s.Audit(ctx, AuditEntry{ActorID: m.ID, Actor: m.Username, Action: "POST /x", IP: "10.0.0.1"}); err != nil {
			t.Fatal(err)
		}
	}
	// A disabled member's past entries stay with their department.
	s.db.Model(&Member{}).Where("id = ?", ed1Gone.ID).Update("disabled", true)
	names := func(ms ...*Member) []string {
		var out []string
		for _, m := range ms {
			out = append(out, m.Username)
		}
		slices.Sort(out)
		return out
	}
	for _, tc := range []struct {
		name string
		by   Scope
		want []string
	}{
		{"DepartmentAuditor", aud1.Scope(), names(aud1, aud1Huafu, ed1, ed1Huafu, ed1Gone)},
		{"StreetAuditor", aud1Huafu.Scope(), names(aud1Huafu, ed1Huafu)},
		{"DistrictAuditor", district.Scope(), names(all...)},
		{"Superadmin", root.Scope(), names(all...)},
		{"DistrictStreetAuditor", districtHF.Scope(), names(aud1Huafu, ed1Huafu, ed2Huafu, districtHF)},
		{"Nobody", (*Member)(nil).Scope(), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			es, _, err := s.FindAudit(ctx, tc.by, AuditFilter{Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range es {
				got = append(got, e.Actor)
			}
			slices.Sort(got)
			if !slices.Equal(got, tc.want) {
				t.Fatalf("entries of %v, want %v", got, tc.want)
			}
		})
	}
	t.Run("PagesStayInScope", func(t *testing.T) {
		var got []string
		f := AuditFilter{Limit: 2}
		for {
			es, next, err := s.FindAudit(ctx, aud1.Scope(), f)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range es {
				got = append(got, e.Actor)
			}
			if next == 0 {
				break
			}
			f.Before = next
		}
		slices.Sort(got)
		if want := names(aud1, aud1Huafu, ed1, ed1Huafu, ed1Gone); !slices.Equal(got, want) {
			t.Fatalf("paged entries of %v, want %v", got, want)
		}
	})
}
