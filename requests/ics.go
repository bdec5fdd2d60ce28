package requests

import (
	"bufio"
	"io"
	"strings"
	"time"

	"github.com/futian/ifutian/internal/apperr"
)

// MaxICSBytes is the largest .ics file an import reads.
const MaxICSBytes = 1 << 20

// ParseICS reads the all-day events of an iCalendar file (RFC 5545: the
// VEVENTs' DTSTART and DTEND as dates, SUMMARY) as holiday days: every day
// from DTSTART up to DTEND (exclusive; one day without DTEND), each a
// make-up working day when its summary says so (上班, 补班, 班) and a
// holiday otherwise. Timed events are left out: a calendar of holidays has
// none. Only the subset such calendars use is read: folded lines, escaped
// text, properties with parameters. Returns an invalid_argument error
// naming file for something that is not such a calendar.
func ParseICS(r io.Reader) ([]Holiday, error) {
	sc := bufio.NewScanner(io.LimitReader(r, MaxICSBytes+1))
	sc.Buffer(make([]byte, 64<<10), MaxICSBytes+1)
	var lines []string
	size := 0
	for sc.Scan() {
		l := strings.TrimRight(sc.Text(), "\r")
		size += len(sc.Bytes()) + 1
		if size > MaxICSBytes {
			return nil, apperr.Field("file", "文件不能大于 1 MiB")
		}
		if (strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\t")) && len(lines) > 0 {
			lines[len(lines)-1] += l[1:] // unfold
			continue
		}
		lines = append(lines, l)
	}
	if err := sc.Err(); err != nil {
		return nil, apperr.Field("file", "无法读取文件")
	}
	if len(lines) == 0 || !strings.EqualFold(strings.TrimPrefix(lines[0], "\ufeff"), "BEGIN:VCALENDAR") {
		return nil, apperr.Field("file", "不是 iCalendar（.ics）文件")
	}
	var out []Holiday
	var ev *icsEvent
	for _, l := range lines {
		name, params, value := icsProperty(l)
		switch {
		case name == "BEGIN" && strings.EqualFold(value, "VEVENT"):
			ev = &icsEvent{}
		case name == "END" && strings.EqualFold(value, "VEVENT") && ev != nil:
			out = append(out, ev.days()...)
			if len(out) > MaxImportDays {
				return nil, apperr.Field("file", "节假日天数过多")
			}
			ev = nil
		case ev == nil:
		case name == "DTSTART":
			ev.start, ev.startOK = icsDate(params, value)
		case name == "DTEND":
			ev.end, ev.endOK = icsDate(params, value)
		case name == "SUMMARY":
			ev.summary = icsText(value)
		}
	}
	return out, nil
}

type icsEvent struct {
	start, end     time.Time
	startOK, endOK bool
	summary        string
}

// days are the event's days, if it is an all-day event.
func (e *icsEvent) days() []Holiday {
	if !e.startOK {
		return nil
	}
	end := e.start.AddDate(0, 0, 1)
	if e.endOK && e.end.After(e.start) {
		end = e.end
	}
	if end.Sub(e.start) > 60*24*time.Hour {
		end = e.start.AddDate(0, 0, 60) // no holiday is this long: a misread file
	}
	kind, name := icsKind(e.summary)
	var out []Holiday
	for d := e.start; d.Before(end); d = d.AddDate(0, 0, 1) {
		out = append(out, Holiday{Day: d.Format(time.DateOnly), Kind: HolidayKind(kind), Name: name})
	}
	return out
}

// icsKind tells a day's kind from its event's summary: a make-up working
// day says 班 (上班, 补班, 调休上班), anything else is a day off. The name
// is the summary without the markers calendars add (（休）, [班]). It is
// pure.
func icsKind(summary string) (kind, name string) {
	s := strings.TrimSpace(summary)
	kind = KindHoliday
	if strings.Contains(s, "班") {
		kind = KindWorkday
	}
	for _, cut := range []string{"（休）", "(休)", "[休]", "（班）", "(班)", "[班]"} {
		s = strings.ReplaceAll(s, cut, "")
	}
	return kind, strings.TrimSpace(s)
}

// icsProperty splits a content line into its name, parameters and value.
func icsProperty(l string) (name, params, value string) {
	i := strings.IndexByte(l, ':')
	if i < 0 {
		return strings.ToUpper(l), "", ""
	}
	head, value := l[:i], l[i+1:]
	if j := strings.IndexByte(head, ';'); j >= 0 {
		head, params = head[:j], head[j+1:]
	}
	return strings.ToUpper(strings.TrimSpace(head)), strings.ToUpper(params), strings.TrimSpace(value)
}

// icsDate reads a DATE value (VALUE=DATE, or a bare 8-digit date); a
// DATE-TIME is no all-day event.
func icsDate(params, value string) (time.Time, bool) {
	if strings.Contains(params, "VALUE=DATE-TIME") || len(value) != 8 {
		return time.Time{}, false
	}
	t, err := time.Parse("20060102", value)
	return t, err == nil
}

// icsText undoes TEXT escaping.
func icsText(v string) string {
	r := strings.NewReplacer(`\n`, " ", `\N`, " ", `\,`, ",", `\;`, ";", `\\`, `\`)
	return r.Replace(v)
}
