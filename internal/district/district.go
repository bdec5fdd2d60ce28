// Package district holds Futian's time zone and the calendar boundaries
// every module counts "per day" and "per month" in. Times are stored in
// UTC; days begin at midnight in the district.
package district

import "time"

// Zone is Asia/Shanghai: UTC+8 all year (China has no daylight saving), fixed
// so that no time zone database is needed on the host.
var Zone = time.FixedZone("Asia/Shanghai", 8*60*60)

// Date is t's calendar date in the district, "2006-01-02".
func Date(t time.Time) string { return t.In(Zone).Format(time.DateOnly) }

// DayStart is midnight of t's district day, in UTC.
func DayStart(t time.Time) time.Time {
	l := t.In(Zone)
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, Zone).UTC()
}

// MonthStart is midnight of the first day of t's district month, in UTC.
func MonthStart(t time.Time) time.Time {
	l := t.In(Zone)
	return time.Date(l.Year(), l.Month(), 1, 0, 0, 0, 0, Zone).UTC()
}

// ParseDate parses a "2006-01-02" district date into its midnight, in UTC.
func ParseDate(v string) (time.Time, error) {
	d, err := time.ParseInLocation(time.DateOnly, v, Zone)
	return d.UTC(), err
}
