// Package stats is what the statistics of several modules share: the rule
// that no published count rests on fewer than MinPeople people (Suppress),
// months as the dashboards filter them, and the rows of the 法治
// dashboard's repair statistics (学法修复 of residents' deductions and 信用修复
// of enterprises' records), which points and enterprises each produce.
package stats

import (
	"time"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/district"
)

// MinPeople is the fewest distinct people a published row may count:
// a row counting fewer is left out, so no row points at a few people.
const MinPeople = 5

// Suppress returns the rows counting at least MinPeople distinct people
// (people(row)), in their order; the others are left out whole (not
// zeroed: a zero would say "none", which is not true either).
func Suppress[T any](rows []T, people func(T) int64) []T {
	out := make([]T, 0, len(rows))
	for _, r := range rows {
		if people(r) >= MinPeople {
			out = append(out, r)
		}
	}
	return out
}

// Subject is what a repair statistic counts.
type Subject string

// The subjects of repair statistics.
const (
	SubjectPoints Subject = "points" // residents' deductions repaired by a quiz (学法修复)
	SubjectCredit Subject = "credit" // enterprises' credit records repaired (信用修复)
)

// Enum lists the subjects.
func (Subject) Enum() []string { return []string{string(SubjectPoints), string(SubjectCredit)} }

// RepairRow is one row of the repair statistics: by month (district time),
// department, subject and rule. Started counts repairs started in the
// month, the others those completed in it. People is the distinct people
// the row counts (started or completed), which Suppress reads; it is not
// published.
type RepairRow struct {
	Month           string  `json:"month" doc:"YYYY-MM, district time" example:"2026-12"`
	DepartmentID    *int64  `json:"department_id,string" doc:"the department whose deductions or records these are; null: district-wide"`
	Department      string  `json:"department" doc:"its name; \"\" for district-wide"`
	Subject         Subject `json:"subject"`
	Rule            string  `json:"rule" doc:"points: the deduction rule's code; credit: the record's kind"`
	Started         int64   `json:"started" doc:"repairs started in the month"`
	Completed       int64   `json:"completed" doc:"repairs completed in the month"`
	PointsRestored  int64   `json:"points_restored" doc:"points: points restored by the repairs completed in the month; credit: 0"`
	RecordsRepaired int64   `json:"records_repaired" doc:"deductions or records repaired in the month"`
	People          int64   `json:"-"`
}

// MaxMonths is the longest range of months a statistic covers.
const MaxMonths = 36

// MonthRange reads a range of months, YYYY-MM each, to its start and end
// (exclusive) in UTC, as district months begin. Errors name from or to.
func MonthRange(from, to string) (start, end time.Time, err error) {
	f := map[string]string{}
	a, errA := time.ParseInLocation("2006-01", from, district.Zone)
	if errA != nil {
		f["from"] = "须为年月，如 2026-01"
	}
	b, errB := time.ParseInLocation("2006-01", to, district.Zone)
	if errB != nil {
		f["to"] = "须为年月，如 2026-12"
	}
	if len(f) == 0 {
		switch months := (b.Year()-a.Year())*12 + int(b.Month()-a.Month()); {
		case months < 0:
			f["to"] = "不能早于 from"
		case months >= MaxMonths:
			f["to"] = "最多统计 36 个月"
		}
	}
	if err := apperr.Fields(f); err != nil {
		return time.Time{}, time.Time{}, err
	}
	return a.UTC(), b.AddDate(0, 1, 0).UTC(), nil
}

// Month is the district month of t, YYYY-MM.
func Month(t time.Time) string { return t.In(district.Zone).Format("2006-01") }
