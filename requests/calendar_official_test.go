package requests

import (
	"strings"
	"testing"
	"time"
)

func TestOfficialHolidays2026(t *testing.T) {
	cal := Calendar{}
	for _, h := range OfficialHolidays {
		if _, why := checkDay(h); why != "" {
			t.Fatalf("official day %s (%s): %s", h.Day, h.Kind, why)
		}
		cal[h.Day] = string(h.Kind)
	}
	for day, want := range map[string]bool{
		"2026-01-01 09:00": false, // 元旦, Thursday
		"2026-01-02 09:00": false, // Friday off
		"2026-01-04 09:00": true,  // Sunday worked
		"2026-02-14 09:00": true,  // Saturday worked
		"2026-02-23 09:00": false, // Monday, last day of 春节
		"2026-02-24 09:00": true,
		"2026-02-28 09:00": true, // Saturday worked
		"2026-04-06 09:00": false,
		"2026-05-05 09:00": false,
		"2026-05-09 09:00": true,
		"2026-06-19 09:00": false,
		"2026-09-20 09:00": true,
		"2026-09-25 09:00": false,
		"2026-10-07 09:00": false,
		"2026-10-08 09:00": true,
		"2026-10-10 09:00": true,
	} {
		if got := cal.IsWorkingDay(at(day)); got != want {
			t.Errorf("IsWorkingDay(%s) = %v, want %v", day, got, want)
		}
	}
	// A request made on Wednesday 30 September with 3 working days: 10-08,
	// 10-09, Saturday 10-10 (worked); due when 10-10 ends.
	if got := cal.Deadline(at("2026-09-30 10:00"), 3); !got.Equal(at("2026-10-11 00:00")) {
		t.Errorf("Deadline = %s", got)
	}
}

func TestCheckDay(t *testing.T) {
	for _, tc := range []struct {
		h   Holiday
		why string // "" = kept
	}{
		{Holiday{Day: "2026-10-01", Kind: KindHoliday, Name: "国庆节"}, ""},
		{Holiday{Day: "2026-10-03", Kind: KindHoliday, Name: "国庆节"}, ""}, // a Saturday off: named
		{Holiday{Day: "2026-10-10", Kind: KindWorkday}, ""},              // Saturday worked
		{Holiday{Day: "2026-10-09", Kind: KindWorkday}, "工作日本来就上班"},      // a Friday
		{Holiday{Day: "2026-02-30", Kind: KindHoliday}, "日期无效"},
		{Holiday{Day: "1999-01-01", Kind: KindHoliday}, "日期无效"},
		{Holiday{Day: "2026-10-01", Kind: "off"}, "类型须为"},
	} {
		_, why := checkDay(tc.h)
		if (tc.why == "") != (why == "") || !strings.HasPrefix(why, tc.why) {
			t.Errorf("checkDay(%+v) = %q, want %q", tc.h, why, tc.why)
		}
	}
}

func TestICSKind(t *testing.T) {
	for _, tc := range []struct{ summary, kind, name string }{
		{"元旦", KindHoliday, "元旦"},
		{"春节（休）", KindHoliday, "春节"},
		{"春节 (休)", KindHoliday, "春节"},
		{"补班", KindWorkday, "补班"},
		{"春节调休上班", KindWorkday, "春节调休上班"},
		{"国庆节[班]", KindWorkday, "国庆节"},
		{"", KindHoliday, ""},
	} {
		kind, name := icsKind(tc.summary)
		if kind != tc.kind || name != tc.name {
			t.Errorf("icsKind(%q) = %q, %q; want %q, %q", tc.summary, kind, name, tc.kind, tc.name)
		}
	}
}

func TestParseICS(t *testing.T) {
	const file = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//CN\r\n" +
		"BEGIN:VEVENT\r\nUID:1\r\nDTSTART;VALUE=DATE:20270101\r\nDTEND;VALUE=DATE:20270104\r\nSUMMARY:元旦（休）\r\nEND:VEVENT\r\n" +
		"BEGIN:VEVENT\r\nUID:2\r\nDTSTART;VALUE=DATE:20270207\r\nSUMMARY:春节调休\r\n 上班\r\nEND:VEVENT\r\n" +
		"BEGIN:VEVENT\r\nUID:3\r\nDTSTART:20270301T090000Z\r\nDTEND:20270301T100000Z\r\nSUMMARY:会议\r\nEND:VEVENT\r\n" +
		"BEGIN:VEVENT\r\nUID:4\r\nDTSTART:20270405\r\nSUMMARY:清明节\\, 休\r\nEND:VEVENT\r\n" +
		"END:VCALENDAR\r\n"
	hs, err := ParseICS(strings.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, h := range hs {
		got = append(got, h.Day+" "+string(h.Kind)+" "+h.Name)
	}
	want := []string{
		"2027-01-01 holiday 元旦", "2027-01-02 holiday 元旦", "2027-01-03 holiday 元旦",
		"2027-02-07 workday 春节调休上班", "2027-04-05 holiday 清明节, 休",
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("ParseICS = %q, want %q", got, want)
	}
	for _, bad := range []string{"", "hello", "BEGIN:VEVENT\r\nEND:VEVENT"} {
		if _, err := ParseICS(strings.NewReader(bad)); err == nil {
			t.Errorf("ParseICS(%q) accepted", bad)
		}
	}
}

func TestDeadlineText(t *testing.T) {
	now := at("2026-12-08 10:00")
	for _, tc := range []struct {
		deadline string
		want     string
	}{
		{"2026-12-15 00:00", "12月14日（周一）前办结"},
		{"2026-12-15 09:30", "12月15日（周二）前办结"},
		{"2027-01-05 00:00", "2027年1月4日（周一）前办结"},
	} {
		if got := DeadlineText(at(tc.deadline), now); got != tc.want {
			t.Errorf("DeadlineText(%s) = %q, want %q", tc.deadline, got, tc.want)
		}
	}
	// A UTC deadline is read in district time.
	if got := DeadlineText(time.Date(2026, 12, 14, 16, 0, 0, 0, time.UTC), now); got != "12月14日（周一）前办结" {
		t.Errorf("UTC deadline = %q", got)
	}
}
