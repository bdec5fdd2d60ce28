package points

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/futian/ifutian/internal/stats"
	"github.com/futian/ifutian/residents"
	"github.com/futian/ifutian/staff"
)

// RepairStats counts the repairs (学法修复) of deductions in actor's scope
// (their departments' deductions of residents on their streets) by month
// (district time), department and rule, between start and end: started by
// the month of their first attempt, completed (with the points restored
// and the deductions repaired) by the month of their repair. Rows are not
// suppressed here: People carries the distinct residents of each row for
// stats.Suppress, which the caller applies to every subject at once.
func (s *Service) RepairStats(ctx context.Context, actor *staff.Member, start, end time.Time) ([]stats.RepairRow, error) {
	q := s.db.WithContext(ctx).Table("point_repairs p").
		Select("p.resident_id, p.department_id, COALESCE(d.name, '') AS department, p.rule_code, p.started_at, p.repaired_at, p.restored, p.status").
		Joins(residents.Join("r", "p.resident_id")).
		Joins("LEFT JOIN departments d ON d.id = p.department_id").
		Where("(p.started_at >= ? AND p.started_at < ?) OR (p.repaired_at >= ? AND p.repaired_at < ?)", start.UTC(), end.UTC(), start.UTC(), end.UTC())
	q = actor.Scope().Filter(q, staff.Columns{Street: residents.StreetColumn("r"), Department: "p.department_id"})
	rows, err := q.Rows()
	if err != nil {
		return nil, fmt.Errorf("repair stats: %w", err)
	}
	defer rows.Close()
	type key struct {
		month string
		dept  int64 // 0: district-wide
		rule  string
	}
	type acc struct {
		row    stats.RepairRow
		people map[int64]bool
	}
	by := map[key]*acc{}
	get := func(t time.Time, dept *int64, name, rule string) *acc {
		k := key{stats.Month(t), 0, rule}
		if dept != nil {
			k.dept = *dept
		}
		a := by[k]
		if a == nil {
			a = &acc{row: stats.RepairRow{Month: k.month, DepartmentID: dept, Department: name, Subject: stats.SubjectPoints, Rule: rule},
				people: map[int64]bool{}}
			by[k] = a
		}
		return a
	}
	in := func(t *time.Time) bool { return t != nil && !t.Before(start) && t.Before(end) }
	for rows.Next() {
		var r struct {
			ResidentID   int64
			DepartmentID *int64
			Department   string
			RuleCode     string
			StartedAt    *time.Time
			RepairedAt   *time.Time
			Restored     int64
			Status       RepairStatus
		}
		if err := s.db.ScanRows(rows, &r); err != nil {
			return nil, fmt.Errorf("repair stats: %w", err)
		}
		if in(r.StartedAt) {
			a := get(*r.StartedAt, r.DepartmentID, r.Department, r.RuleCode)
			a.row.Started++
			a.people[r.ResidentID] = true
		}
		if in(r.RepairedAt) && r.Status == RepairRepaired {
			a := get(*r.RepairedAt, r.DepartmentID, r.Department, r.RuleCode)
			a.row.Completed++
			a.row.RecordsRepaired++
			a.row.PointsRestored += r.Restored
			a.people[r.ResidentID] = true
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("repair stats: %w", err)
	}
	out := make([]stats.RepairRow, 0, len(by))
	for _, a := range by {
		a.row.People = int64(len(a.people))
		out = append(out, a.row)
	}
	slices.SortFunc(out, func(a, b stats.RepairRow) int {
		return strings.Compare(a.Month+"\x00"+a.Department+"\x00"+a.Rule, b.Month+"\x00"+b.Department+"\x00"+b.Rule)
	})
	return out, nil
}
