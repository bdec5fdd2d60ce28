package residents

import (
	"context"
	"errors"
	"testing"

	"github.com/futian/ifutian/staff"
)

func TestFindForStaff(t *testing.T) {
	ctx := context.Background()
	s := newService(t)
	huafu, _, err := s.Login(ctx, "openid-huafu", "")
	if err != nil {
		t.Fatal(err)
	}
	street := "华富街道"
	if _, err := s.Update(ctx, huafu.ID, Patch{Street: &street}); err != nil {
		t.Fatal(err)
	}
	nowhere, _, err := s.Login(ctx, "openid-nowhere", "")
	if err != nil {
		t.Fatal(err)
	}
	dept := int64(1)
	for _, tc := range []struct {
		name string
		by   *staff.Member
		id   int64
		ok   bool
	}{
		{"Unscoped", &staff.Member{Roles: []staff.Role{staff.PointsOfficer}, DepartmentID: &dept}, huafu.ID, true},
		{"UnscopedNoStreet", &staff.Member{Roles: []staff.Role{staff.PointsOfficer}, DepartmentID: &dept}, nowhere.ID, true},
		{"SameStreet", &staff.Member{Roles: []staff.Role{staff.PointsOfficer}, DepartmentID: &dept, Streets: []string{street}}, huafu.ID, true},
		{"ErrOtherStreet", &staff.Member{Roles: []staff.Role{staff.PointsOfficer}, DepartmentID: &dept, Streets: []string{"莲花街道"}}, huafu.ID, false},
		{"ErrNoStreet", &staff.Member{Roles: []staff.Role{staff.PointsOfficer}, DepartmentID: &dept, Streets: []string{street}}, nowhere.ID, false},
		{"ErrDisabled", &staff.Member{Roles: []staff.Role{staff.Superadmin}, Disabled: true}, huafu.ID, false},
		{"ErrUnknown", &staff.Member{Roles: []staff.Role{staff.Superadmin}}, huafu.ID + 100, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := s.FindForStaff(ctx, tc.by.Scope(), tc.id)
			if tc.ok && (err != nil || r.ID != tc.id) {
				t.Fatalf("FindForStaff=%v, %v; want resident %d", r, err, tc.id)
			}
			if !tc.ok && !errors.Is(err, ErrNotFound) {
				t.Fatalf("FindForStaff err=%v, want ErrNotFound", err)
			}
		})
	}
}
