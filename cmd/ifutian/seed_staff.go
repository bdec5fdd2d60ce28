package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/futian/ifutian/staff"
)

// demoStaff loads the staff side of seed --demo: a second department, a
// street's own department admin and reviewer, a district auditor and a
// member demo_admin created and then disabled (with their audit entries),
// so the staff, department and audit screens have something to show.
// Every account's password is demoPassword. Running it twice changes
// nothing.
func (a *instance) demoStaff(ctx context.Context, out io.Writer) error {
	huafu, err := departmentID(ctx, a.Staff, "福田区华富街道办事处")
	if err != nil {
		return err
	}
	accounts := []struct {
		username string
		dept     *int64
		roles    []staff.Role
		streets  []string
	}{
		{"demo_huafu_admin", &huafu, []staff.Role{staff.DeptAdmin}, []string{"华富街道"}},
		{"demo_huafu_reviewer", &huafu, []staff.Role{staff.Reviewer, staff.Editor}, []string{"华富街道"}},
		{"demo_district_auditor", nil, []staff.Role{staff.Auditor}, nil},
	}
	for _, acc := range accounts {
		_, err := a.Staff.Create(ctx, nil, staff.NewMember{
			Username: acc.username, Password: demoPassword, DepartmentID: acc.dept, Roles: acc.roles, Streets: acc.streets,
		}, a.Residents.Regions().IsStreet)
		if err != nil && !errors.Is(err, staff.ErrUsernameTaken) {
			return fmt.Errorf("demo staff %s: %w", acc.username, err)
		}
	}

	// demo_admin hires demo_former and lets them go, as the console would:
	// recorded in the audit log under demo_admin (a seed has no request,
	// so the entries say they come from it).
	admin, err := a.Staff.Authenticate(ctx, "demo_admin", demoPassword)
	if err != nil {
		return fmt.Errorf("demo staff: demo_admin: %w", err)
	}
	former, err := a.Staff.Create(ctx, admin, staff.NewMember{
		Username: "demo_former", Password: demoPassword, DepartmentID: admin.Scope().Department(), Roles: []staff.Role{staff.Editor},
	}, a.Residents.Regions().IsStreet)
	if errors.Is(err, staff.ErrUsernameTaken) {
		fmt.Fprintf(out, "demo staff: 福田区华富街道办事处 with demo_huafu_admin and demo_huafu_reviewer, district auditor demo_district_auditor (password %q)\n", demoPassword)
		return nil
	}
	if err != nil {
		return fmt.Errorf("demo staff demo_former: %w", err)
	}
	if _, err := a.Staff.SetDisabled(ctx, admin, former.ID, true); err != nil {
		return fmt.Errorf("demo staff demo_former: %w", err)
	}
	id := strconv.FormatInt(former.ID, 10)
	for _, e := range []staff.AuditEntry{
		{Action: "POST /api/v1/admin/staff", TargetKind: "staff", TargetID: id, Detail: "seed --demo: staff " + id + " demo_former"},
		{Action: "POST /api/v1/admin/staff/:id/disable", TargetKind: "staff", TargetID: id, Detail: "seed --demo: disabled"},
	} {
		e.ActorID, e.Actor = admin.ID, admin.Username
		if err := a.Staff.Audit(ctx, e); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "demo staff: 福田区华富街道办事处 with demo_huafu_admin and demo_huafu_reviewer, district auditor demo_district_auditor, demo_former disabled by demo_admin (password %q)\n", demoPassword)
	return nil
}
