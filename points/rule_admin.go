package points

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/internal/patch"
	"github.com/futian/ifutian/staff"
)

// ManagedRule is a rule as the console lists it: Active when it is in its
// validity window now, Editable when the caller may change it (their
// department's rule; a district-wide rule for a superadmin only).
type ManagedRule struct {
	Rule
	Active   bool `json:"active" doc:"in its validity window now"`
	Editable bool `json:"editable" doc:"the caller may change it: their department's rule; a district-wide rule for a superadmin only"`
}

// ManagedRuleFilter selects rules for FindManagedRules. Zero fields do not
// filter.
type ManagedRuleFilter struct {
	Active *bool  // in the validity window now (true) or not (false: ended or not yet begun)
	Q      string // a substring of the code or name
	After  int64  // cursor: rules with a greater ID
	Limit  int
}

// FindManagedRules lists every rule actor may award under or manage — their
// departments' and the district-wide ones (every rule for a superadmin) —
// inactive ones included unless filtered, by ID, with their department's
// name, and the cursor of the next page (0 on the last).
func (s *Service) FindManagedRules(ctx context.Context, actor *staff.Member, f ManagedRuleFilter) ([]ManagedRule, int64, error) {
	f.Q = strings.TrimSpace(f.Q)
	sc := actor.Scope()
	now := s.now().UTC()
	gdb := s.db.WithContext(ctx)
	q := gdb.Table("point_rules r").
		Select("r.*, COALESCE(d.name, '') AS department").
		Joins("LEFT JOIN departments d ON d.id = r.department_id").
		Where("r.id > ?", f.After)
	if !sc.District() {
		// Usable: the scope's own (Filter) or district-wide.
		own := sc.Filter(gdb.Session(&gorm.Session{NewDB: true}), staff.Columns{Department: "r.department_id"})
		q = q.Where(gdb.Session(&gorm.Session{NewDB: true}).Where("r.department_id IS NULL").Or(own))
	}
	if f.Q != "" {
		like := db.Contains(f.Q)
		q = q.Where("(r.code LIKE ? ESCAPE '!' OR r.name LIKE ? ESCAPE '!')", like, like)
	}
	if f.Active != nil {
		active := "(r.valid_from IS NULL OR r.valid_from <= ?) AND (r.valid_until IS NULL OR r.valid_until > ?)"
		if *f.Active {
			q = q.Where(active, now, now)
		} else {
			q = q.Where("NOT ("+active+")", now, now)
		}
	}
	var rs []ManagedRule
	if err := q.Order("r.id").Limit(f.Limit + 1).Scan(&rs).Error; err != nil {
		return nil, 0, fmt.Errorf("find rules: %w", err)
	}
	for i := range rs {
		rs[i].Active = rs[i].activeAt(now)
		rs[i].Editable = sc.OwnsDepartment(rs[i].DepartmentID)
	}
	return pageOf(rs, f.Limit, func(r ManagedRule) int64 { return r.ID })
}

// RulePatch changes a rule; nil fields (and times left out) are left
// alone, a time set to null is cleared. The code and the department never
// change. Its limits are RuleInput's (Validate checks the rule it makes).
type RulePatch struct {
	Name        *string               `json:"name" binding:"omitempty,max=64" example:"志愿服务"`
	Description *string               `json:"description" binding:"omitempty,max=500"`
	Points      *int                  `json:"points" binding:"omitempty,min=1,max=10000" example:"20"`
	DailyCap    *int                  `json:"daily_cap" binding:"omitempty,min=0,max=1000" example:"1"`
	MonthlyCap  *int                  `json:"monthly_cap" binding:"omitempty,min=0,max=10000" example:"8"`
	Expiry      *Expiry               `json:"expiry"`
	ExpiryDays  *int                  `json:"expiry_days" binding:"omitempty,min=0,max=3650" doc:"with expiry days: 1–3650"`
	ValidFrom   patch.Null[time.Time] `json:"valid_from" doc:"null clears it"`
	ValidUntil  patch.Null[time.Time] `json:"valid_until" doc:"null clears it" example:"2026-12-31T16:00:00Z"`
	Repair      *RepairCourse         `json:"repair" doc:"a deduction rule's repair course (学法修复), replaced whole; deductions recorded before keep the terms they were told"`
}

// UpdateRule edits rule id on behalf of actor as a new version (awards
// made before keep the version they used) and returns it. Returns
// ErrNotFound for a rule actor may not use (another department's), as for
// a missing one, ErrRuleOwned for a district-wide rule actor may use but
// not change, and an invalid_argument naming each bad field.
func (s *Service) UpdateRule(ctx context.Context, actor *staff.Member, id int64, p RulePatch) (*ManagedRule, error) {
	sc := actor.Scope()
	var r Rule
	err := s.transact(ctx, func(tx *gorm.DB) error {
		var old []Rule
		if err := tx.Raw("SELECT * FROM point_rules WHERE id = ?"+s.forUpdate, id).Scan(&old).Error; err != nil {
			return err
		}
		if len(old) == 0 || !sc.MayUse(old[0].DepartmentID) {
			return ErrNotFound
		}
		if !sc.OwnsDepartment(old[0].DepartmentID) {
			return ErrRuleOwned
		}
		r = old[0]
		set := func(dst *int, v *int) {
			if v != nil {
				*dst = *v
			}
		}
		if p.Name != nil {
			r.Name = strings.TrimSpace(*p.Name)
		}
		if p.Description != nil {
			r.Description = *p.Description
		}
		set(&r.Points, p.Points)
		set(&r.DailyCap, p.DailyCap)
		set(&r.MonthlyCap, p.MonthlyCap)
		set(&r.ExpiryDays, p.ExpiryDays)
		if p.Expiry != nil {
			r.Expiry = *p.Expiry
		}
		if p.ValidFrom.Set {
			r.ValidFrom = utc(p.ValidFrom.Value)
		}
		if p.ValidUntil.Set {
			r.ValidUntil = utc(p.ValidUntil.Value)
		}
		if p.Repair != nil {
			r.Repair = *p.Repair
		}
		if err := r.Validate(); err != nil {
			return err
		}
		if sameRule(r, old[0]) {
			return nil // nothing changes: no new version
		}
		r.Version++
		staff.AuditChanges(ctx, old[0], r)
		return s.writeRule(ctx, tx, actor, &r, s.now().UTC())
	})
	if err != nil {
		return nil, rewardError("update rule", err)
	}
	s.mu.Lock()
	delete(s.rules, r.Code)
	s.mu.Unlock()
	now := s.now().UTC()
	rs, _, err := s.FindManagedRules(ctx, actor, ManagedRuleFilter{After: id - 1, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 || rs[0].ID != id {
		return &ManagedRule{Rule: r, Active: r.activeAt(now), Editable: true}, nil
	}
	return &rs[0], nil
}

// sameRule reports whether a and b have the same editable fields.
func sameRule(a, b Rule) bool {
	return a.Name == b.Name && a.Description == b.Description && a.Points == b.Points && a.DailyCap == b.DailyCap &&
		a.MonthlyCap == b.MonthlyCap && a.Expiry == b.Expiry && a.ExpiryDays == b.ExpiryDays &&
		sameTime(a.ValidFrom, b.ValidFrom) && sameTime(a.ValidUntil, b.ValidUntil) && a.Repair == b.Repair
}

func sameTime(a, b *time.Time) bool {
	return (a == nil) == (b == nil) && (a == nil || a.Equal(*b))
}

// utc is t in UTC (nil stays nil).
func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
