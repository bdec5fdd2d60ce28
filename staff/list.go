package staff

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/futian/ifutian/internal/apperr"
)

// MemberFilter selects staff members for Find; zero fields match all.
type MemberFilter struct {
	DepartmentID int64  // members of this department
	Role         Role   // members holding this role
	Street       string // members limited to this street (among others)
	Query        string // part of the username
	Disabled     *bool  // disabled (true) or active (false) members only
	After        int64  // cursor: members with a larger ID
	Limit        int
}

// Validate checks the filter: invalid_argument naming role or page_size.
func (f *MemberFilter) Validate() error {
	fields := map[string]string{}
	if f.Role != "" && !slices.Contains(Roles, f.Role) {
		fields["role"] = fmt.Sprintf("未知角色 %q", f.Role)
	}
	if f.Limit <= 0 || f.Limit > 100 {
		fields["page_size"] = "须在 1–100 之间"
	}
	return apperr.Fields(fields)
}

func (f *MemberFilter) match(m *Member) bool {
	return (f.Role == "" || m.Has(f.Role)) &&
		(f.Street == "" || slices.Contains(m.Streets, f.Street)) &&
		(f.Query == "" || strings.Contains(m.Username, f.Query))
}

// Find lists the members matching f that the scope by may manage or see
// (those whose reach, disabled or not, lies within it, as for the audit
// log: a department admin sees their department's members, a superadmin
// everyone), by ascending ID, and the cursor of the next page (0 on the
// last). Returns invalid_argument naming role or page_size for a bad
// filter.
func (s *Service) Find(ctx context.Context, by Scope, f MemberFilter) ([]Member, int64, error) {
	if err := f.Validate(); err != nil {
		return nil, 0, err
	}
	f.Query = NormalizeUsername(f.Query)
	var out []Member
	// Roles and streets are JSON columns and the reach is judged in Go, so
	// a page is filled batch by batch (staff accounts are few).
	const batch = 500
	for after := f.After; len(out) <= f.Limit; {
		q := by.Filter(s.db.WithContext(ctx).Model(&Member{}), Columns{Department: "department_id"}).Where("id > ?", after)
		if f.DepartmentID != 0 {
			q = q.Where("department_id = ?", f.DepartmentID)
		}
		if f.Disabled != nil {
			q = q.Where("disabled = ?", *f.Disabled)
		}
		var ms []Member
		if err := q.Order("id").Limit(batch).Find(&ms).Error; err != nil {
			return nil, 0, fmt.Errorf("find staff: %w", err)
		}
		for i := range ms {
			if reach(ms[i]).Within(by) && f.match(&ms[i]) {
				out = append(out, ms[i])
			}
		}
		if len(ms) < batch {
			break
		}
		after = ms[len(ms)-1].ID
	}
	var next int64
	if len(out) > f.Limit {
		out = out[:f.Limit]
		next = out[len(out)-1].ID
	}
	return out, next, nil
}

// CountFound counts the members Find lists for f and by over all pages (staff
// accounts are few: it reads them as Find does, in batches).
func (s *Service) CountFound(ctx context.Context, by Scope, f MemberFilter) (int64, error) {
	var n int64
	f.After, f.Limit = 0, 100
	for {
		ms, next, err := s.Find(ctx, by, f)
		if err != nil {
			return 0, err
		}
		n += int64(len(ms))
		if next == 0 {
			return n, nil
		}
		f.After = next
	}
}
