package requests

import (
	"testing"
	"time"

	"github.com/futian/ifutian/internal/district"
)

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, district.Zone)
	if err != nil {
		panic(err)
	}
	return t
}

func TestDeadline(t *testing.T) {
	// 2026-10-01 (Thursday) to 10-07 is the National Day holiday in this
	// calendar, with Sunday 10-11 a make-up working day.
	cal := Calendar{
		"2026-10-01": KindHoliday, "2026-10-02": KindHoliday, "2026-10-05": KindHoliday,
		"2026-10-06": KindHoliday, "2026-10-07": KindHoliday, "2026-10-11": KindWorkday,
	}
	for _, tc := range []struct {
		name  string
		start string
		days  int
		want  string // the deadline's district time
	}{
		{"weekday", "2026-11-02 10:00", 1, "2026-11-04 00:00"},                 // Mon → end of Tue
		{"late in the day", "2026-11-02 23:59", 1, "2026-11-04 00:00"},         // same
		{"across a weekend", "2026-11-06 09:00", 2, "2026-11-11 00:00"},        // Fri → Mon, Tue
		{"made on a Saturday", "2026-11-07 09:00", 1, "2026-11-10 00:00"},      // Sat → Mon
		{"made on a Sunday", "2026-11-08 09:00", 5, "2026-11-14 00:00"},        // Sun → Mon..Fri
		{"across a holiday", "2026-09-30 09:00", 1, "2026-10-09 00:00"},        // Wed → Thu 10-08
		{"holiday and make-up day", "2026-09-30 09:00", 3, "2026-10-12 00:00"}, // 10-08, 10-09, Sun 10-11
		{"made on a holiday", "2026-10-01 12:00", 2, "2026-10-10 00:00"},       // 10-08, 10-09
		{"zero days counts as one", "2026-11-02 10:00", 0, "2026-11-04 00:00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := cal.Deadline(at(tc.start), tc.days)
			if w := at(tc.want); !got.Equal(w) {
				t.Fatalf("Deadline(%s, %d) = %s, want %s", tc.start, tc.days, got.In(district.Zone).Format("2006-01-02 15:04 Mon"), tc.want)
			}
			if got.Location() != time.UTC {
				t.Fatalf("Deadline returned %v, want UTC", got.Location())
			}
		})
	}
}

func TestIsWorkingDay(t *testing.T) {
	cal := Calendar{"2026-10-01": KindHoliday, "2026-10-11": KindWorkday}
	for day, want := range map[string]bool{
		"2026-11-02 00:00": true,  // Monday
		"2026-11-07 12:00": false, // Saturday
		"2026-11-08 23:59": false, // Sunday
		"2026-10-01 09:00": false, // holiday on a Thursday
		"2026-10-11 09:00": true,  // make-up Sunday
	} {
		if got := cal.IsWorkingDay(at(day)); got != want {
			t.Errorf("IsWorkingDay(%s) = %v, want %v", day, got, want)
		}
	}
	// A UTC time late on Sunday is Monday in the district.
	if !cal.IsWorkingDay(time.Date(2026, 11, 8, 17, 0, 0, 0, time.UTC)) {
		t.Error("Sunday 17:00 UTC is Monday 01:00 in Futian, a working day")
	}
}

func TestWorkingDaysBetween(t *testing.T) {
	cal := Calendar{"2026-11-10": KindHoliday}
	for _, tc := range []struct {
		from, to string
		want     int
	}{
		{"2026-11-02 10:00", "2026-11-02 23:00", 0},
		{"2026-11-02 10:00", "2026-11-03 23:00", 0}, // Tuesday not over yet
		{"2026-11-02 10:00", "2026-11-04 00:00", 1},
		{"2026-11-06 10:00", "2026-11-09 12:00", 0}, // Fri → the weekend is no working day
		{"2026-11-06 10:00", "2026-11-10 00:00", 1}, // Monday over
		{"2026-11-06 10:00", "2026-11-11 00:00", 1}, // Tuesday a holiday
	} {
		if got := cal.WorkingDaysBetween(at(tc.from), at(tc.to)); got != tc.want {
			t.Errorf("WorkingDaysBetween(%s, %s) = %d, want %d", tc.from, tc.to, got, tc.want)
		}
	}
}
