package requests

import (
	"errors"
	"testing"
	"time"

	"github.com/futian/ifutian/internal/apperr"
)

// TestDecideFlow: the dispatch centre's and the units' transitions
// (issue 25): dispatch, sign-for, return and its refusal, extensions,
// 催办 and 督办, the call-back and 重办.
func TestDecideFlow(t *testing.T) {
	now := time.Date(2026, 11, 10, 8, 0, 0, 0, time.UTC)
	answered := now.Add(-24 * time.Hour)
	unit := func(status string) facts { return facts{Status: status, HasUnit: true, MaxReturns: 2} }
	with := func(f facts, edit func(*facts)) facts { edit(&f); return f }
	for _, tc := range []struct {
		name string
		f    facts
		ev   event
		want string
		err  error // or errInvalid
	}{
		// 派单
		{"dispatch from the centre's queue", facts{Status: StatusDispatching}, event{Action: ActDispatch, By: ByCentre}, StatusDispatched, nil},
		{"dispatch a returned request", unit(StatusReturned), event{Action: ActDispatch, By: ByCentre}, StatusDispatched, nil},
		{"a unit cannot dispatch", facts{Status: StatusDispatching}, event{Action: ActDispatch, By: ByStaff}, "", ErrWrongState},
		{"dispatch one at a unit", unit(StatusSigned), event{Action: ActDispatch, By: ByCentre}, "", ErrWrongState},
		// 签收
		{"sign a routed request", unit(StatusSubmitted), event{Action: ActSign, By: ByStaff}, StatusSigned, nil},
		{"sign a dispatched request", unit(StatusDispatched), event{Action: ActSign, By: ByStaff}, StatusSigned, nil},
		{"sign a transferred request", unit(StatusTransferred), event{Action: ActSign, By: ByStaff}, StatusSigned, nil},
		{"sign twice", unit(StatusSigned), event{Action: ActSign, By: ByStaff}, "", ErrWrongState},
		{"sign at the centre", facts{Status: StatusDispatching}, event{Action: ActSign, By: ByStaff}, "", ErrWrongState},
		{"the centre does not sign", unit(StatusDispatched), event{Action: ActSign, By: ByCentre}, "", ErrWrongState},
		{"accept signs too", unit(StatusDispatched), event{Action: ActAccept, By: ByStaff}, StatusAccepted, nil},
		{"accept after signing", unit(StatusSigned), event{Action: ActAccept, By: ByStaff}, StatusAccepted, nil},
		{"accept a returned request", unit(StatusReturned), event{Action: ActAccept, By: ByStaff}, "", ErrWrongState},
		// 退单
		{"return before signing", unit(StatusDispatched), event{Action: ActReturn, By: ByStaff}, StatusReturned, nil},
		{"return a routed request", unit(StatusSubmitted), event{Action: ActReturn, By: ByStaff}, StatusReturned, nil},
		{"return after signing", unit(StatusSigned), event{Action: ActReturn, By: ByStaff}, StatusReturned, nil},
		{"return once more", with(unit(StatusDispatched), func(f *facts) { f.UnitReturns = 1 }), event{Action: ActReturn, By: ByStaff}, StatusReturned, nil},
		{"return past the limit", with(unit(StatusDispatched), func(f *facts) { f.UnitReturns = 2 }), event{Action: ActReturn, By: ByStaff}, "", ErrReturnsUsed},
		{"no return when none are allowed", with(unit(StatusDispatched), func(f *facts) { f.MaxReturns = 0 }), event{Action: ActReturn, By: ByStaff}, "", ErrReturnsUsed},
		{"return after accepting", unit(StatusAccepted), event{Action: ActReturn, By: ByStaff}, "", ErrWrongState},
		{"return twice", unit(StatusReturned), event{Action: ActReturn, By: ByStaff}, "", ErrWrongState},
		{"the centre does not return", unit(StatusDispatched), event{Action: ActReturn, By: ByCentre}, "", ErrWrongState},
		{"refuse a return made before signing", with(unit(StatusReturned), func(f *facts) { f.ReturnFrom = StatusDispatched }), event{Action: ActRefuseReturn, By: ByCentre}, StatusDispatched, nil},
		{"refuse a return made after signing", with(unit(StatusReturned), func(f *facts) { f.ReturnFrom = StatusSigned }), event{Action: ActRefuseReturn, By: ByCentre}, StatusSigned, nil},
		{"a unit cannot refuse its return", unit(StatusReturned), event{Action: ActRefuseReturn, By: ByStaff}, "", ErrWrongState},
		{"refuse with no return", unit(StatusSigned), event{Action: ActRefuseReturn, By: ByCentre}, "", ErrWrongState},
		// 延期
		{"ask for an extension", unit(StatusAccepted), event{Action: ActAskExtension, By: ByStaff, Days: 3}, StatusAccepted, nil},
		{"ask while handling", unit(StatusInProgress), event{Action: ActAskExtension, By: ByStaff, Days: 30}, StatusInProgress, nil},
		{"ask for no days", unit(StatusAccepted), event{Action: ActAskExtension, By: ByStaff, Days: 0}, "", errInvalid},
		{"ask for too many days", unit(StatusAccepted), event{Action: ActAskExtension, By: ByStaff, Days: 31}, "", errInvalid},
		{"ask twice", with(unit(StatusAccepted), func(f *facts) { f.ExtensionPending = true }), event{Action: ActAskExtension, By: ByStaff, Days: 2}, "", ErrExtensionPending},
		{"ask before signing", unit(StatusDispatched), event{Action: ActAskExtension, By: ByStaff, Days: 2}, "", ErrWrongState},
		{"ask after answering", unit(StatusAnswered), event{Action: ActAskExtension, By: ByStaff, Days: 2}, "", ErrWrongState},
		{"approve", with(unit(StatusAccepted), func(f *facts) { f.ExtensionPending = true }), event{Action: ActApproveExt, By: ByCentre}, StatusAccepted, nil},
		{"refuse", with(unit(StatusInProgress), func(f *facts) { f.ExtensionPending = true }), event{Action: ActRefuseExt, By: ByCentre}, StatusInProgress, nil},
		{"approve nothing", unit(StatusAccepted), event{Action: ActApproveExt, By: ByCentre}, "", ErrNoExtension},
		{"a unit cannot approve", with(unit(StatusAccepted), func(f *facts) { f.ExtensionPending = true }), event{Action: ActApproveExt, By: ByStaff}, "", ErrWrongState},
		// 催办, 督办
		{"urge", unit(StatusAccepted), event{Action: ActUrge, By: ByCentre}, StatusAccepted, nil},
		{"urge unsigned", unit(StatusDispatched), event{Action: ActUrge, By: ByCentre}, StatusDispatched, nil},
		{"the system urges", unit(StatusInProgress), event{Action: ActUrge, By: BySystem}, StatusInProgress, nil},
		{"urge at the centre", facts{Status: StatusDispatching}, event{Action: ActUrge, By: ByCentre}, "", ErrWrongState},
		{"urge answered", unit(StatusAnswered), event{Action: ActUrge, By: ByCentre}, "", ErrWrongState},
		{"a unit cannot urge", unit(StatusAccepted), event{Action: ActUrge, By: ByStaff}, "", ErrWrongState},
		{"supervise", unit(StatusSigned), event{Action: ActSupervise, By: ByCentre}, StatusSigned, nil},
		{"supervise closed", unit(StatusClosed), event{Action: ActSupervise, By: ByCentre}, "", ErrWrongState},
		{"the system does not supervise", unit(StatusSigned), event{Action: ActSupervise, By: BySystem}, "", ErrWrongState},
		// 回访, 重办
		{"不满意 is called back", facts{Status: StatusAnswered, AnsweredAt: &answered}, event{Action: ActRate, By: ByResident, Rating: 2, Now: now}, StatusCallback, nil},
		{"a drawn satisfied rating is called back", facts{Status: StatusAnswered, AnsweredAt: &answered}, event{Action: ActRate, By: ByResident, Rating: 5, Sampled: true, Now: now}, StatusCallback, nil},
		{"a satisfied rating closes", facts{Status: StatusAnswered, AnsweredAt: &answered}, event{Action: ActRate, By: ByResident, Rating: 4, Now: now}, StatusClosed, nil},
		{"call back satisfied", unit(StatusCallback), event{Action: ActCallback, By: ByCentre, Result: CallbackSatisfied}, StatusClosed, nil},
		{"call back unsatisfied: 重办", unit(StatusCallback), event{Action: ActCallback, By: ByCentre, Result: CallbackUnsatisfied}, StatusAccepted, nil},
		{"unsatisfied after a 重办 closes", with(unit(StatusCallback), func(f *facts) { f.Redone = MaxRedone }), event{Action: ActCallback, By: ByCentre, Result: CallbackUnsatisfied}, StatusClosed, nil},
		{"call back with no result", unit(StatusCallback), event{Action: ActCallback, By: ByCentre, Result: "maybe"}, "", errInvalid},
		{"call back answered", unit(StatusAnswered), event{Action: ActCallback, By: ByCentre, Result: CallbackSatisfied}, "", ErrWrongState},
		{"a unit cannot call back", unit(StatusCallback), event{Action: ActCallback, By: ByStaff, Result: CallbackSatisfied}, "", ErrWrongState},
		{"the rating window closes none in call-back", unit(StatusCallback), event{Action: ActClose, By: BySystem, Now: now}, "", ErrWrongState},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := decide(tc.f, tc.ev)
			switch {
			case tc.err == errInvalid:
				if apperr.CodeOf(err) != apperr.Invalid {
					t.Fatalf("decide = %q, %v; want invalid_argument", got, err)
				}
			case !errors.Is(err, tc.err) && !(err == nil && tc.err == nil):
				t.Fatalf("decide = %q, %v; want error %v", got, err, tc.err)
			case got != tc.want:
				t.Fatalf("decide = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestDueForAutoUrge(t *testing.T) {
	cal := Calendar{"2026-11-16": KindHoliday}
	// Deadlines end a working day (midnight after it, district time).
	wed := at("2026-11-12 00:00") // end of Wednesday 11-11
	tue := at("2026-11-18 00:00") // end of Tuesday 11-17 (Monday 11-16 a holiday)
	for _, tc := range []struct {
		name     string
		now      string
		deadline time.Time
		urged    *time.Time
		want     bool
	}{
		{"two working days away", "2026-11-09 10:00", wed, nil, false},
		{"one working day away", "2026-11-10 10:00", wed, nil, true},
		{"on the last day", "2026-11-11 17:00", wed, nil, true},
		{"past the deadline", "2026-11-12 00:00", wed, nil, false},
		{"already urged for this deadline", "2026-11-10 10:00", wed, &wed, false},
		{"urged for an earlier deadline", "2026-11-10 10:00", wed, ptr(wed.Add(-48 * time.Hour)), true},
		{"a weekend and a holiday between", "2026-11-13 10:00", tue, nil, true},
		{"Thursday before", "2026-11-12 10:00", tue, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := dueForAutoUrge(cal, at(tc.now), tc.deadline, tc.urged); got != tc.want {
				t.Fatalf("dueForAutoUrge = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestAddWorkingHours(t *testing.T) {
	cal := Calendar{"2026-11-16": KindHoliday, "2026-11-22": KindWorkday}
	for _, tc := range []struct {
		name  string
		start string
		hours int
		want  string
	}{
		{"within a day", "2026-11-10 10:00", 2, "2026-11-10 12:00"},
		{"one working day", "2026-11-10 10:00", WorkdayHours, "2026-11-11 10:00"},
		{"before opening", "2026-11-10 07:30", 3, "2026-11-10 12:00"},
		{"after closing", "2026-11-10 20:00", 1, "2026-11-11 10:00"},
		{"to the closing minute", "2026-11-10 09:00", WorkdayHours, "2026-11-10 18:00"},
		{"over a weekend and a holiday", "2026-11-13 17:00", WorkdayHours, "2026-11-17 17:00"},
		{"a make-up Sunday counts", "2026-11-21 12:00", 2, "2026-11-22 11:00"},
		{"zero counts as one", "2026-11-10 10:00", 0, "2026-11-10 11:00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := cal.AddWorkingHours(at(tc.start), tc.hours); !got.Equal(at(tc.want)) {
				t.Fatalf("AddWorkingHours = %s, want %s", got.In(at(tc.want).Location()), tc.want)
			}
		})
	}
}
