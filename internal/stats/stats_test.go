package stats

import (
	"testing"
	"time"
)

func TestSuppress(t *testing.T) {
	rows := []RepairRow{
		{Rule: "none", People: 0},
		{Rule: "one", People: 1},
		{Rule: "four", People: 4, Started: 40, Completed: 4},
		{Rule: "five", People: 5},
		{Rule: "many", People: 120},
		{Rule: "four-again", People: 4},
	}
	for _, c := range []struct {
		name string
		in   []RepairRow
		want []string
	}{
		{"mixed", rows, []string{"five", "many"}},
		{"none", nil, nil},
		{"all below", rows[:3], nil},
		{"boundary", []RepairRow{{Rule: "a", People: MinPeople - 1}, {Rule: "b", People: MinPeople}}, []string{"b"}},
	} {
		got := Suppress(c.in, func(r RepairRow) int64 { return r.People })
		if len(got) != len(c.want) {
			t.Fatalf("%s: got %v, want %v", c.name, got, c.want)
		}
		for i := range got {
			if got[i].Rule != c.want[i] {
				t.Errorf("%s: row %d is %s, want %s", c.name, i, got[i].Rule, c.want[i])
			}
		}
	}
}

func TestMonthRange(t *testing.T) {
	for _, c := range []struct {
		from, to   string
		start, end string // UTC
		bad        []string
	}{
		{"2026-01", "2026-12", "2025-12-31T16:00:00Z", "2026-12-31T16:00:00Z", nil},
		{"2026-12", "2026-12", "2026-11-30T16:00:00Z", "2026-12-31T16:00:00Z", nil},
		{"2026-13", "2026-12", "", "", []string{"from"}},
		{"2026-01", "x", "", "", []string{"to"}},
		{"2026-05", "2026-04", "", "", []string{"to"}},
		{"2023-01", "2025-12", "2022-12-31T16:00:00Z", "2025-12-31T16:00:00Z", nil},
		{"2023-01", "2026-01", "", "", []string{"to"}}, // 37 months
	} {
		s, e, err := MonthRange(c.from, c.to)
		if len(c.bad) > 0 {
			if err == nil {
				t.Errorf("%s–%s: no error", c.from, c.to)
			}
			continue
		}
		if err != nil || s.Format(time.RFC3339) != c.start || e.Format(time.RFC3339) != c.end {
			t.Errorf("%s–%s: %v %v %v", c.from, c.to, s, e, err)
		}
	}
}
