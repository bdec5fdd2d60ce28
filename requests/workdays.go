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

// HolidayKind is what a marked day is, as staff give it: KindHoliday or
// KindWorkday.
type HolidayKind string

// Enum lists the day kinds (check.Enumer).
func (HolidayKind) Enum() []string { return []string{KindHoliday, KindWorkday} }

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

// Working hours: 09:00–18:00 district time on working days. A category's
// sign-for limit counts these hours (WorkdayHours is one working day).
const (
	WorkStartHour = 9
	WorkEndHour   = 18
	WorkdayHours  = WorkEndHour - WorkStartHour
)

// AddWorkingHours is the moment hours working hours after start: time
// outside working hours does not count, so a request dispatched on a
// Friday at 17:00 with 9 hours is due on Monday at 17:00 (Tuesday if
// Monday is a holiday). hours below 1 counts as 1.
func (c Calendar) AddWorkingHours(start time.Time, hours int) time.Time {
	left := time.Duration(max(hours, 1)) * time.Hour
	t := start.In(district.Zone)
	for {
		day := district.DayStart(t).In(district.Zone)
		open, close := day.Add(WorkStartHour*time.Hour), day.Add(WorkEndHour*time.Hour)
		if c.IsWorkingDay(day) && t.Before(close) {
			if t.Before(open) {
				t = open
			}
			if avail := close.Sub(t); left <= avail {
				return t.Add(left).UTC()
			}
			left -= close.Sub(t)
		}
		t = day.AddDate(0, 0, 1)
	}
}
