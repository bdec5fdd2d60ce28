package requests

import (
	"time"

	"github.com/futian/ifutian/internal/district"
)

// Day kinds of the holiday calendar.
const (
	KindHoliday = "holiday" // a weekday off (法定节假日)
	KindWorkday = "workday" // a weekend day worked (调休)
)

// Calendar is the district's holiday calendar: a district date
// ("2006-01-02") marked as a holiday or as a make-up working day. Every
// other Monday to Friday is a working day, every Saturday and Sunday not.
type Calendar map[string]string

// IsWorkingDay reports whether the district date of t is a working day.
func (c Calendar) IsWorkingDay(t time.Time) bool {
	switch c[district.Date(t)] {
	case KindHoliday:
		return false
	case KindWorkday:
		return true
	}
	wd := t.In(district.Zone).Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// Deadline is the end (midnight, district time) of the days-th working day
// after the day of start: a request made on a Friday with 2 working days is
// due when the following Tuesday ends, or Wednesday if Monday is a holiday.
// The day of start itself never counts, whenever in it start falls. days
// below 1 counts as 1.
func (c Calendar) Deadline(start time.Time, days int) time.Time {
	days = max(days, 1)
	day := district.DayStart(start).In(district.Zone)
	for days > 0 {
		day = day.AddDate(0, 0, 1)
		if c.IsWorkingDay(day) {
			days--
		}
	}
	return day.AddDate(0, 0, 1).UTC()
}

// WorkingDaysBetween counts the working days whose whole day lies after
// the day of from and ends no later than to: how many working days have
// passed since from.
func (c Calendar) WorkingDaysBetween(from, to time.Time) int {
	n := 0
	day := district.DayStart(from).In(district.Zone)
	for {
		day = day.AddDate(0, 0, 1)
		if day.AddDate(0, 0, 1).After(to) {
			return n
		}
		if c.IsWorkingDay(day) {
			n++
		}
	}
}
