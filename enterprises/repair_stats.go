package enterprises

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/futian/ifutian/internal/stats"
	"github.com/futian/ifutian/staff"
)

// RepairStats counts the credit repairs (信用修复, the 法治 dashboard) within scope (of its departments'
// records about enterprises of its streets, as the review queue lists
// them) started or approved in [from, to), by month, department and record
// kind, ordered by month, department and kind: Started counts repairs
// begun in the month (a member passed the course), Completed those approved
// in it, RecordsRepaired the distinct records they repaired, and People the
// distinct enterprises of the row, for the caller's stats.Suppress. Counts
// only: nothing names an enterprise.
func (s *Service) RepairStats(ctx context.Context, sc staff.Scope, from, to time.Time) ([]stats.RepairRow, error) {
	var rows []struct {
		ID             int64
		CreditRecordID int64
		EnterpriseID   int64
		DepartmentID   *int64
		Department     *string
		Kind           string
		Status         RepairStatus
		CreatedAt      time.Time
		DecidedAt      *time.Time
	}
	q := s.db.WithContext(ctx).Table("credit_repairs AS r").
		Select("r.id, r.credit_record_id, r.enterprise_id, r.department_id, d.name AS department, r.kind, r.status, r.created_at, r.decided_at").
		Joins("JOIN enterprises e ON e.id = r.enterprise_id").
		Joins("LEFT JOIN departments d ON d.id = r.department_id").
		Where("((r.created_at >= ? AND r.created_at < ?) OR (r.status = ? AND r.decided_at >= ? AND r.decided_at < ?))",
			from.UTC(), to.UTC(), RepairApproved, from.UTC(), to.UTC())
	q = sc.Filter(q, staff.Columns{Street: "e.street", Department: "r.department_id"})
	if err := q.Order("r.id").Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("repair stats: %w", err)
	}
	type key struct {
		month string
		dept  int64
		kind  string
	}
	type acc struct {
		stat        stats.RepairRow
		records     map[int64]bool
		enterprises map[int64]bool
	}
	groups := map[key]*acc{}
	get := func(t time.Time, dept *int64, name *string, kind string) *acc {
		k := key{stats.Month(t), deptKey(dept), kind}
		a := groups[k]
		if a == nil {
			a = &acc{stat: stats.RepairRow{Month: k.month, DepartmentID: dept, Subject: stats.SubjectCredit, Rule: kind}, records: map[int64]bool{}, enterprises: map[int64]bool{}}
			if name != nil {
				a.stat.Department = *name
			}
			groups[k] = a
		}
		return a
	}
	in := func(t time.Time) bool { return !t.Before(from) && t.Before(to) }
	for _, r := range rows {
		if in(r.CreatedAt) {
			a := get(r.CreatedAt, r.DepartmentID, r.Department, r.Kind)
			a.stat.Started++
			a.enterprises[r.EnterpriseID] = true
		}
		if r.Status == RepairApproved && r.DecidedAt != nil && in(*r.DecidedAt) {
			a := get(*r.DecidedAt, r.DepartmentID, r.Department, r.Kind)
			a.stat.Completed++
			a.records[r.CreditRecordID] = true
			a.enterprises[r.EnterpriseID] = true
		}
	}
	out := make([]stats.RepairRow, 0, len(groups))
	for _, a := range groups {
		a.stat.RecordsRepaired = int64(len(a.records))
		a.stat.People = int64(len(a.enterprises))
		out = append(out, a.stat)
	}
	slices.SortFunc(out, func(x, y stats.RepairRow) int {
		return cmp.Or(cmp.Compare(x.Month, y.Month), cmp.Compare(deptKey(x.DepartmentID), deptKey(y.DepartmentID)), cmp.Compare(x.Rule, y.Rule))
	})
	return out, nil
}
