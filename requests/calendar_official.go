package requests

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/internal/district"
	"github.com/futian/ifutian/staff"
)

// The official calendar: working days follow the State Council's holiday
// arrangement (国务院办公厅关于部分节假日安排的通知), published each
// November for the next year: the holidays, some of them on weekdays, and
// the make-up working days (调休上班) on weekends. A plain `ifutian seed`
// loads the published years (OfficialHolidays); staff keep later years in
// the console, day by day or from an .ics file (ImportHolidays).

// span marks the days from..to (inclusive, "2006-01-02") with kind.
func span(from, to, kind, name string) []Holiday {
	start, err := time.Parse(time.DateOnly, from)
	if err != nil {
		panic(err)
	}
	end, err := time.Parse(time.DateOnly, to)
	if err != nil {
		panic(err)
	}
	var out []Holiday
	for d := start; !d.After(end); d = d.AddDate(0, 0, 1) {
		out = append(out, Holiday{Day: d.Format(time.DateOnly), Kind: HolidayKind(kind), Name: name})
	}
	return out
}

func concat(parts ...[]Holiday) []Holiday {
	var out []Holiday
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// OfficialHolidays is the published arrangement of each year the seed
// knows: 2026 from 国务院办公厅关于2026年部分节假日安排的通知 (4 November
// 2025). Every day off is marked (weekend days too, so the calendar names
// them), and every weekend day worked.
var OfficialHolidays = concat(
	span("2026-01-01", "2026-01-03", KindHoliday, "元旦"),
	span("2026-01-04", "2026-01-04", KindWorkday, "元旦调休上班"),
	span("2026-02-14", "2026-02-14", KindWorkday, "春节调休上班"),
	span("2026-02-15", "2026-02-23", KindHoliday, "春节"),
	span("2026-02-28", "2026-02-28", KindWorkday, "春节调休上班"),
	span("2026-04-04", "2026-04-06", KindHoliday, "清明节"),
	span("2026-05-01", "2026-05-05", KindHoliday, "劳动节"),
	span("2026-05-09", "2026-05-09", KindWorkday, "劳动节调休上班"),
	span("2026-06-19", "2026-06-21", KindHoliday, "端午节"),
	span("2026-09-20", "2026-09-20", KindWorkday, "国庆节调休上班"),
	span("2026-09-25", "2026-09-27", KindHoliday, "中秋节"),
	span("2026-10-01", "2026-10-07", KindHoliday, "国庆节"),
	span("2026-10-10", "2026-10-10", KindWorkday, "国庆节调休上班"),
)

// SeedCalendar adds the official arrangement's days that are not marked
// yet, leaving days staff marked alone (for `ifutian seed`; idempotent).
// It returns how many days it added.
func (s *Service) SeedCalendar(ctx context.Context) (int, error) {
	now := s.clock()
	hs := make([]Holiday, len(OfficialHolidays))
	for i, h := range OfficialHolidays {
		h.CreatedAt = now
		hs[i] = h
	}
	res := s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&hs)
	if res.Error != nil {
		return 0, fmt.Errorf("seed calendar: %w", res.Error)
	}
	return int(res.RowsAffected), nil
}

// checkDay is the decision on one day of an import: the kind to store, or
// why the day is left out. A make-up working day must fall on a weekend
// and a holiday is any day; an unknown kind is refused. It is pure.
func checkDay(h Holiday) (Holiday, string) {
	d, err := time.Parse(time.DateOnly, h.Day)
	if err != nil || d.Format(time.DateOnly) != h.Day || d.Year() < 2000 || d.Year() > 2100 {
		return h, "日期无效"
	}
	h.Name = strings.TrimSpace(h.Name)
	if utf8.RuneCountInString(h.Name) > 32 {
		h.Name = string([]rune(h.Name)[:32])
	}
	weekend := d.Weekday() == time.Saturday || d.Weekday() == time.Sunday
	switch h.Kind {
	case KindHoliday:
		return h, ""
	case KindWorkday:
		if !weekend {
			return h, "工作日本来就上班，无需标记调休上班"
		}
		return h, ""
	}
	return h, "类型须为 holiday 或 workday"
}

// ImportResult is what an import of holiday days did.
type ImportResult struct {
	Added   int              `json:"added"`   // days newly marked
	Changed int              `json:"changed"` // days marked before, now of another kind or name
	Kept    int              `json:"kept"`    // days already marked so
	Removed int              `json:"removed"` // days of the file's years unmarked (replace)
	Skipped []SkippedHoliday `json:"skipped"` // days left out, with why
	Years   []int            `json:"years"`   // the years the file covers
}

// SkippedHoliday is a day an import left out.
type SkippedHoliday struct {
	Day    string `json:"day"`
	Reason string `json:"reason"`
}

// MaxImportDays is how many days one import may mark.
const MaxImportDays = 1000

// ImportHolidays marks the days of hs (parsed from an .ics file by
// ParseICS, or typed) in one transaction. With replace, the days already
// marked in the years hs covers that hs does not name are unmarked first,
// so a year's corrected arrangement replaces the old one. Deadlines
// already set are kept; new ones count the days. Returns an
// invalid_argument error naming file when nothing is left to import.
func (s *Service) ImportHolidays(ctx context.Context, hs []Holiday, replace bool) (*ImportResult, error) {
	res := &ImportResult{Skipped: []SkippedHoliday{}, Years: []int{}}
	if len(hs) > MaxImportDays {
		return nil, apperr.Field("file", "至多 "+strconv.Itoa(MaxImportDays)+" 天")
	}
	keep := map[string]Holiday{}
	years := map[int]bool{}
	for _, h := range hs {
		h, why := checkDay(h)
		if why != "" {
			res.Skipped = append(res.Skipped, SkippedHoliday{Day: h.Day, Reason: why})
			continue
		}
		keep[h.Day] = h
		y, _ := strconv.Atoi(h.Day[:4])
		if !years[y] {
			years[y] = true
			res.Years = append(res.Years, y)
		}
	}
	if len(keep) == 0 {
		return nil, apperr.Field("file", "文件中没有可导入的节假日或调休上班日")
	}
	now := s.clock()
	err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		*res = ImportResult{Skipped: res.Skipped, Years: res.Years}
		var old []Holiday
		q := tx.Where("1 = 0")
		for y := range years {
			q = q.Or("day >= ? AND day <= ?", fmt.Sprintf("%04d-01-01", y), fmt.Sprintf("%04d-12-31", y))
		}
		if err := tx.Where(q).Find(&old).Error; err != nil {
			return err
		}
		had := map[string]Holiday{}
		for _, h := range old {
			had[h.Day] = h
			if _, ok := keep[h.Day]; !ok && replace {
				if err := tx.Where("day = ?", h.Day).Delete(&Holiday{}).Error; err != nil {
					return err
				}
				res.Removed++
			}
		}
		for _, h := range keep {
			prev, ok := had[h.Day]
			switch {
			case !ok:
				res.Added++
			case prev.Kind == h.Kind && prev.Name == h.Name:
				res.Kept++
				continue
			default:
				res.Changed++
			}
			h.CreatedAt = now
			err := tx.Clauses(clause.OnConflict{
				Columns:   []clause.Column{{Name: "day"}},
				DoUpdates: clause.AssignmentColumns([]string{"kind", "name"}),
			}).Create(&h).Error
			if err != nil {
				return err
			}
		}
		staff.AuditTarget(ctx, "holidays", yearsText(res.Years))
		staff.AuditDetail(ctx, fmt.Sprintf("import: %d added, %d changed, %d removed, %d skipped", res.Added, res.Changed, res.Removed, len(res.Skipped)))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("import holidays: %w", err)
	}
	return res, nil
}

func yearsText(ys []int) string {
	parts := make([]string, len(ys))
	for i, y := range ys {
		parts[i] = strconv.Itoa(y)
	}
	return strings.Join(parts, ",")
}

// weekdayNames are the days of the week as people say them.
var weekdayNames = [...]string{"周日", "周一", "周二", "周三", "周四", "周五", "周六"}

// DeadlineDay is the last day of a deadline as people say it: a deadline
// is the midnight that ends its last day, so 2026-12-15 00:00 reads
// "12月14日（周一）". The year is said when it is not now's year.
func DeadlineDay(deadline, now time.Time) string {
	last := deadline.Add(-time.Nanosecond).In(district.Zone)
	s := fmt.Sprintf("%d月%d日（%s）", int(last.Month()), last.Day(), weekdayNames[last.Weekday()])
	if last.Year() != now.In(district.Zone).Year() {
		s = strconv.Itoa(last.Year()) + "年" + s
	}
	return s
}

// DeadlineText is a request's deadline as fixed texts and the views say
// it: "12月14日（周一）前办结".
func DeadlineText(deadline, now time.Time) string {
	return DeadlineDay(deadline, now) + "前办结"
}
