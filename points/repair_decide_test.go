package points

import (
	"errors"
	"testing"
	"time"
)

func TestRestoredPoints(t *testing.T) {
	for _, c := range []struct {
		deducted int64
		share    int
		want     int64
	}{
		{10, 50, 5},
		{5, 50, 3}, // 2.5 rounds half up
		{3, 50, 2}, // 1.5 → 2
		{1, 49, 0}, // 0.49 → 0: nothing to restore, not repairable
		{1, 50, 1}, // 0.5 → 1
		{7, 30, 2}, // 2.1 → 2
		{9, 30, 3}, // 2.7 → 3
		{10, 100, 10},
		{10, 150, 10}, // never more than deducted
		{10, 0, 0},
		{0, 50, 0},
		{10000, 33, 3300},
	} {
		if got := RestoredPoints(c.deducted, c.share); got != c.want {
			t.Errorf("RestoredPoints(%d, %d) = %d, want %d", c.deducted, c.share, got, c.want)
		}
	}
}

func TestDecideRepairStart(t *testing.T) {
	now := time.Date(2026, 12, 8, 2, 0, 0, 0, time.UTC)
	base := repairFacts{Status: RepairNone, Points: 5, Deadline: now.Add(time.Hour), Now: now}
	with := func(f func(*repairFacts)) repairFacts { c := base; f(&c); return c }
	for _, c := range []struct {
		name string
		f    repairFacts
		want error
	}{
		{"offered", base, nil},
		{"started: another attempt", with(func(f *repairFacts) { f.Status = RepairStarted }), nil},
		{"repaired", with(func(f *repairFacts) { f.Status = RepairRepaired }), ErrRepairDone},
		{"passed after an upheld appeal", with(func(f *repairFacts) { f.Status = RepairPassed }), ErrRepairDone},
		{"at the deadline", with(func(f *repairFacts) { f.Deadline = now }), ErrRepairWindowClosed},
		{"after the deadline", with(func(f *repairFacts) { f.Deadline = now.Add(-time.Second) }), ErrRepairWindowClosed},
		{"appeal pending", with(func(f *repairFacts) { f.Appeal = AppealPending }), ErrRepairUnderAppeal},
		{"appeal upheld", with(func(f *repairFacts) { f.Appeal = AppealApproved }), ErrRepairAppealUpheld},
		{"appeal rejected", with(func(f *repairFacts) { f.Appeal = AppealRejected }), nil},
		{"nothing to restore", with(func(f *repairFacts) { f.Points = 0 }), ErrNotRepairable},
		{"repaired and late", with(func(f *repairFacts) { f.Status = RepairRepaired; f.Deadline = now }), ErrRepairDone},
	} {
		if got := decideRepairStart(c.f); !errors.Is(got, c.want) && got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
}

func TestDecideRestore(t *testing.T) {
	now := time.Date(2026, 12, 8, 2, 0, 0, 0, time.UTC)
	base := repairFacts{Status: RepairStarted, Points: 5, Deadline: now.Add(time.Hour), Now: now}
	with := func(f func(*repairFacts)) repairFacts { c := base; f(&c); return c }
	for _, c := range []struct {
		name       string
		f          repairFacts
		passedAt   time.Time
		restore    int64
		status     RepairStatus
		nothingErr bool
	}{
		{"passed in time", base, now, 5, RepairRepaired, false},
		{"passed the last instant", base, now.Add(time.Hour - time.Nanosecond), 5, RepairRepaired, false},
		{"passed at the deadline", base, now.Add(time.Hour), 0, RepairStarted, true},
		{"already repaired: once", with(func(f *repairFacts) { f.Status = RepairRepaired }), now, 0, RepairRepaired, false},
		{"upheld appeal: nothing", with(func(f *repairFacts) { f.Appeal = AppealApproved }), now, 0, RepairPassed, false},
		{"pending appeal: restored", with(func(f *repairFacts) { f.Appeal = AppealPending }), now, 5, RepairRepaired, false},
		{"rejected appeal: restored", with(func(f *repairFacts) { f.Appeal = AppealRejected }), now, 5, RepairRepaired, false},
		{"nothing to restore", with(func(f *repairFacts) { f.Points = 0 }), now, 0, RepairStarted, true},
	} {
		restore, status, err := decideRestore(c.f, c.passedAt)
		if restore != c.restore || status != c.status || (err != nil) != c.nothingErr {
			t.Errorf("%s: got %d %s %v, want %d %s (error %v)", c.name, restore, status, err, c.restore, c.status, c.nothingErr)
		}
	}
}

func TestAppealAndRepair(t *testing.T) {
	if appealReversal(10, 5) != 5 || appealReversal(10, 0) != 10 || appealReversal(10, 10) != 0 || appealReversal(3, 5) != 0 {
		t.Fatal("appealReversal gives back a point twice")
	}
	for s, want := range map[RepairStatus]error{RepairNone: nil, RepairStarted: nil, RepairPassed: nil, RepairRepaired: ErrAppealAfterRepair} {
		if got := decideAppealOnRepair(s); got != want {
			t.Errorf("appeal on %s: %v, want %v", s, got, want)
		}
	}
}
