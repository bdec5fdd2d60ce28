package district

import (
	"testing"
	"time"
)

func TestBoundaries(t *testing.T) {
	// 2026-03-31 17:30 UTC is already 1 April 01:30 in Futian.
	now := time.Date(2026, 3, 31, 17, 30, 0, 0, time.UTC)
	if got, want := Date(now), "2026-04-01"; got != want {
		t.Fatalf("Date=%s, want %s", got, want)
	}
	if got, want := DayStart(now), time.Date(2026, 3, 31, 16, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Fatalf("DayStart=%v, want %v", got, want)
	}
	if got, want := MonthStart(now), time.Date(2026, 3, 31, 16, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Fatalf("MonthStart=%v, want %v", got, want)
	}
	d, err := ParseDate("2026-04-01")
	if err != nil || !d.Equal(DayStart(now)) {
		t.Fatalf("ParseDate=%v, %v", d, err)
	}
	if _, err := ParseDate("01/04/2026"); err == nil {
		t.Fatal("bad date accepted")
	}
}
