package activities

import (
	"errors"
	"testing"
	"time"
)

func TestDecideAttendance(t *testing.T) {
	start := time.Date(2026, 12, 5, 1, 0, 0, 0, time.UTC)
	a := &Activity{Status: Published, StartsAt: start, EndsAt: start.Add(3 * time.Hour)}
	in := start.Add(-10 * time.Minute)
	confirmed := &Signup{Status: Confirmed}
	waiting := &Signup{Status: Waiting}
	withdrawn := &Signup{Status: Withdrawn}
	checkedIn := &Signup{Status: Confirmed, CheckedInAt: &in}
	checkedOut := &Signup{Status: Confirmed, CheckedInAt: &in, CheckedOutAt: &in}
	during := start.Add(time.Hour)
	cases := []struct {
		name   string
		a      *Activity
		sg     *Signup
		action Action
		now    time.Time
		walkIn bool
		want   step
		err    error
	}{
		{"CheckIn", a, confirmed, CheckIn, during, false, stepCheckIn, nil},
		{"CheckInAtOpening", a, confirmed, CheckIn, start.Add(-CheckinOpens), false, stepCheckIn, nil},
		{"ErrCheckInTooEarly", a, confirmed, CheckIn, start.Add(-CheckinOpens - time.Second), false, 0, ErrOutsideWindow},
		{"ErrCheckInAtEnd", a, confirmed, CheckIn, a.EndsAt, false, 0, ErrOutsideWindow},
		{"CheckInAgain", a, checkedIn, CheckIn, during, false, stepRepeat, nil},
		{"CheckInAgainAfterEnd", a, checkedIn, CheckIn, a.EndsAt.Add(time.Hour), false, stepRepeat, nil},
		{"ErrNotSignedUp", a, nil, CheckIn, during, false, 0, ErrNotSignedUp},
		{"ErrWithdrawn", a, withdrawn, CheckIn, during, false, 0, ErrNotSignedUp},
		{"ErrWaiting", a, waiting, CheckIn, during, false, 0, ErrStillWaiting},
		{"WalkIn", a, nil, CheckIn, during, true, stepWalkIn, nil},
		{"WalkInFromWaiting", a, waiting, CheckIn, during, true, stepWalkIn, nil},
		{"WalkInAfterWithdrawing", a, withdrawn, CheckIn, during, true, stepWalkIn, nil},
		{"ErrWalkInOutsideWindow", a, nil, CheckIn, a.EndsAt, true, 0, ErrOutsideWindow},
		{"CheckOut", a, checkedIn, CheckOut, during, false, stepCheckOut, nil},
		{"CheckOutAtStart", a, checkedIn, CheckOut, start, false, stepCheckOut, nil},
		{"ErrCheckOutBeforeStart", a, checkedIn, CheckOut, start.Add(-time.Second), false, 0, ErrNotStarted},
		{"CheckOutAgainBeforeStart", a, checkedOut, CheckOut, start.Add(-time.Minute), false, stepRepeat, nil},
		{"CheckOutInGrace", a, checkedIn, CheckOut, a.EndsAt.Add(CheckoutGrace - time.Second), false, stepCheckOut, nil},
		{"ErrCheckOutAfterGrace", a, checkedIn, CheckOut, a.EndsAt.Add(CheckoutGrace), false, 0, ErrOutsideWindow},
		{"CheckOutAgain", a, checkedOut, CheckOut, a.EndsAt.Add(time.Hour), false, stepRepeat, nil},
		{"ErrCheckOutNotIn", a, confirmed, CheckOut, during, false, 0, ErrNotCheckedIn},
		{"ErrCheckOutNoSignup", a, nil, CheckOut, during, true, 0, ErrNotCheckedIn},
		{"ErrCancelled", &Activity{Status: Cancelled, StartsAt: start, EndsAt: a.EndsAt}, checkedIn, CheckOut, during, false, 0, ErrCancelled},
		{"ErrDraft", &Activity{Status: Draft, StartsAt: start, EndsAt: a.EndsAt}, confirmed, CheckIn, during, false, 0, ErrNotFound},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := decideAttendance(attendFacts{a: c.a, sg: c.sg, action: c.action, now: c.now, walkIn: c.walkIn})
			if !errors.Is(err, c.err) || (c.err == nil && err != nil) || got != c.want {
				t.Fatalf("decideAttendance = %v, %v; want %v, %v", got, err, c.want, c.err)
			}
		})
	}
}

func TestPresentMinutes(t *testing.T) {
	start := time.Date(2026, 12, 5, 1, 0, 0, 0, time.UTC)
	a := &Activity{StartsAt: start, EndsAt: start.Add(3 * time.Hour), CreditMinutes: 120}
	cases := []struct {
		name    string
		in, out time.Time
		want    int64
	}{
		{"WholeActivity", start.Add(-20 * time.Minute), start.Add(4 * time.Hour), 180},
		{"HourAndAHalf", start.Add(30 * time.Minute), start.Add(2 * time.Hour), 90},
		{"RoundedToQuarter", start, start.Add(52 * time.Minute), 45},
		{"RoundedUp", start, start.Add(53 * time.Minute), 60},
		{"LeftBeforeStart", start.Add(-20 * time.Minute), start.Add(-time.Minute), 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := presentMinutes(a, c.in, c.out); got != c.want {
				t.Fatalf("presentMinutes = %d, want %d", got, c.want)
			}
		})
	}
}

func TestPointsMinimum(t *testing.T) {
	cases := []struct {
		name   string
		credit int64
		want   int64
	}{
		{"TwoHours", 120, 60},
		{"NoHours", 0, 15},
		{"QuarterHour", 15, 15},
		{"HalfRoundedUp", 45, 30},
		{"TenMinutes", 10, 15},
		{"Day", 24 * 60, 12 * 60},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := pointsMinimum(&Activity{CreditMinutes: c.credit}); got != c.want {
				t.Fatalf("pointsMinimum(%d) = %d, want %d", c.credit, got, c.want)
			}
		})
	}
}

func TestEarned(t *testing.T) {
	start := time.Date(2026, 12, 5, 1, 0, 0, 0, time.UTC)
	a := &Activity{StartsAt: start, EndsAt: start.Add(3 * time.Hour), CreditMinutes: 120, PointsRule: "r"}
	noHours := &Activity{StartsAt: start, EndsAt: start.Add(3 * time.Hour), PointsRule: "r"}
	noRule := &Activity{StartsAt: start, EndsAt: start.Add(3 * time.Hour), CreditMinutes: 120}
	early := start.Add(-25 * time.Minute)
	cases := []struct {
		name    string
		a       *Activity
		in, out time.Time
		want    earning
	}{
		{"NothingAtTheStart", a, early, start, earning{0, false}},
		{"NothingBelowAQuarter", a, early, start.Add(7 * time.Minute), earning{0, false}},
		{"QuarterNoPoints", a, early, start.Add(20 * time.Minute), earning{15, false}},
		{"JustBelowHalf", a, start, start.Add(52 * time.Minute), earning{45, false}},
		{"HalfEarnsPoints", a, start, start.Add(53 * time.Minute), earning{60, true}},
		{"WholeCappedAtCredit", a, early, start.Add(3 * time.Hour), earning{120, true}},
		{"LateArrival", a, start.Add(2 * time.Hour), start.Add(3*time.Hour + 20*time.Minute), earning{60, true}},
		{"NoHoursQuarterEarnsPoints", noHours, start, start.Add(15 * time.Minute), earning{0, true}},
		{"NoHoursNothingPresent", noHours, early, start.Add(5 * time.Minute), earning{0, false}},
		{"NoRuleNoPoints", noRule, start, start.Add(3 * time.Hour), earning{120, false}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := earned(c.a, c.in, c.out); got != c.want {
				t.Fatalf("earned = %+v, want %+v", got, c.want)
			}
		})
	}
	if got, want := scheduled(a), (earning{120, true}); got != want {
		t.Fatalf("scheduled = %+v, want %+v", got, want)
	}
}

func TestDecideAdjustment(t *testing.T) {
	const limit = 180 // a three-hour activity
	cases := []struct {
		name        string
		total, mins int64
		want        adjustOutcome
		err         bool
	}{
		{"AddWithin", 0, 120, adjustApply, false},
		{"AddUpToTheLength", 120, 60, adjustApply, false},
		{"ErrNoneBeyond", 120, 61, adjustPending, false},
		{"FourDaysForThreeHours", 0, 24 * 60, adjustPending, false},
		{"AlreadyBeyondAddMore", 240, 15, adjustPending, false},
		{"TakeOffWhenBeyond", 240, -60, adjustApply, false},
		{"TakeOffToZero", 90, -90, adjustApply, false},
		{"ErrBelowZero", 90, -105, 0, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := decideAdjustment(c.total, c.mins, limit)
			if (err != nil) != c.err || got != c.want {
				t.Fatalf("decideAdjustment(%d, %d) = %v, %v; want %v, error %v", c.total, c.mins, got, err, c.want, c.err)
			}
		})
	}
}
