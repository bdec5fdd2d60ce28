package notify

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/points/deductsql"
	"github.com/futian/ifutian/staff"
)

// CheckReach checks the streets an audience reaches against scope by: the
// audience's streets and the streets of its communities; an audience that
// names neither reaches every street. It returns permission_denied naming
// audience.streets or audience.communities when the audience reaches
// beyond by's streets.
func CheckReach(by staff.Scope, a Audience, r StreetRegions) error {
	if len(a.Communities) == 0 || len(a.Streets) > 0 {
		if err := by.CheckReach("audience.streets", a.Streets); err != nil {
			return err
		}
	}
	if len(a.Communities) == 0 {
		return nil
	}
	streets := make([]string, len(a.Communities))
	for i, c := range a.Communities {
		if r != nil {
			streets[i] = r.StreetOf(c) // "" for an unknown community: covered by no street scope
		}
	}
	return by.CheckReach("audience.communities", streets)
}

// visible reports whether notice n is within scope by: a notice of a
// department by owns (a district-wide one, the district's), whose audience
// stays within by's streets. Any other notice answers as a missing one.
func visible(by staff.Scope, n *Notice, r StreetRegions) bool {
	return by.OwnsDepartment(n.DepartmentID) && CheckReach(by, n.Audience, r) == nil
}

// CheckRules checks the deduction rules an audience names against scope
// by: each must exist (else invalid_argument naming
// audience.deducted_under_rules) and belong to a department by may use, or
// be district-wide (else permission_denied naming it). Who was deducted
// under another department's rule is that department's to know.
func CheckRules(ctx context.Context, gdb *gorm.DB, by staff.Scope, a Audience) error {
	if len(a.DeductedUnderRules) == 0 {
		return nil
	}
	const field = "audience.deducted_under_rules"
	var rules []struct {
		Code         string
		DepartmentID *int64
	}
	sql, args := deductsql.RuleDepartments(a.DeductedUnderRules)
	if err := gdb.WithContext(ctx).Raw(sql, args...).Scan(&rules).Error; err != nil {
		return fmt.Errorf("audience rules: %w", err)
	}
	departments := make(map[string]*int64, len(rules))
	for _, r := range rules {
		departments[r.Code] = r.DepartmentID
	}
	for _, code := range a.DeductedUnderRules {
		dept, ok := departments[code]
		if !ok {
			return apperr.Field(field, fmt.Sprintf("没有规则 %q", code))
		}
		if !by.MayUse(dept) {
			return staff.OutOfScope(field, "规则「"+code+"」属于其他部门")
		}
	}
	return nil
}
