package requests

import (
	"errors"
	"testing"
	"time"

	"github.com/futian/ifutian/internal/apperr"
)

func TestDecide(t *testing.T) {
	now := time.Date(2026, 11, 10, 8, 0, 0, 0, time.UTC)
	answered := now.Add(-24 * time.Hour)
	old := now.Add(-8 * 24 * time.Hour)
	for _, tc := range []struct {
		name string
		f    facts
		ev   event
		want string
		err  error // or code
	}{
		{"accept new", facts{Status: StatusSubmitted}, event{Action: ActAccept, By: ByStaff}, StatusAccepted, nil},
		{"accept transferred", facts{Status: StatusTransferred}, event{Action: ActAccept, By: ByStaff}, StatusAccepted, nil},
		{"accept twice", facts{Status: StatusAccepted}, event{Action: ActAccept, By: ByStaff}, "", ErrWrongState},
		{"resident cannot accept", facts{Status: StatusSubmitted}, event{Action: ActAccept, By: ByResident}, "", ErrWrongState},
		{"transfer new", facts{Status: StatusSubmitted}, event{Action: ActTransfer, By: ByStaff}, StatusTransferred, nil},
		{"transfer in progress", facts{Status: StatusInProgress}, event{Action: ActTransfer, By: ByStaff}, StatusTransferred, nil},
		{"transfer answered", facts{Status: StatusAnswered}, event{Action: ActTransfer, By: ByStaff}, "", ErrWrongState},
		{"start", facts{Status: StatusAccepted}, event{Action: ActStart, By: ByStaff}, StatusInProgress, nil},
		{"start before accept", facts{Status: StatusSubmitted}, event{Action: ActStart, By: ByStaff}, "", ErrWrongState},
		{"answer accepted", facts{Status: StatusAccepted}, event{Action: ActAnswer, By: ByStaff}, StatusAnswered, nil},
		{"answer in progress", facts{Status: StatusInProgress}, event{Action: ActAnswer, By: ByStaff}, StatusAnswered, nil},
		{"answer before accept", facts{Status: StatusSubmitted}, event{Action: ActAnswer, By: ByStaff}, "", ErrWrongState},
		{"answer twice", facts{Status: StatusAnswered, AnsweredAt: &answered}, event{Action: ActAnswer, By: ByStaff}, "", ErrWrongState},
		{"rate", facts{Status: StatusAnswered, AnsweredAt: &answered}, event{Action: ActRate, By: ByResident, Rating: 5, Now: now}, StatusClosed, nil},
		{"rate low without reopen: called back", facts{Status: StatusAnswered, AnsweredAt: &answered}, event{Action: ActRate, By: ByResident, Rating: 1, Now: now}, StatusCallback, nil},
		{"rate low and reopen", facts{Status: StatusAnswered, AnsweredAt: &answered}, event{Action: ActRate, By: ByResident, Rating: 2, Reopen: true, Now: now}, StatusAccepted, nil},
		{"reopen twice", facts{Status: StatusAnswered, AnsweredAt: &answered, Reopened: 1}, event{Action: ActRate, By: ByResident, Rating: 1, Reopen: true, Now: now}, "", ErrReopenUsed},
		{"reopen with a good rating", facts{Status: StatusAnswered, AnsweredAt: &answered}, event{Action: ActRate, By: ByResident, Rating: 3, Reopen: true, Now: now}, "", errInvalid},
		{"rate twice", facts{Status: StatusClosed, AnsweredAt: &answered}, event{Action: ActRate, By: ByResident, Rating: 4, Now: now}, "", ErrWrongState},
		{"rate before answer", facts{Status: StatusAccepted}, event{Action: ActRate, By: ByResident, Rating: 4, Now: now}, "", ErrWrongState},
		{"rate out of range", facts{Status: StatusAnswered, AnsweredAt: &answered}, event{Action: ActRate, By: ByResident, Rating: 6, Now: now}, "", errInvalid},
		{"rate zero", facts{Status: StatusAnswered, AnsweredAt: &answered}, event{Action: ActRate, By: ByResident, Rating: 0, Now: now}, "", errInvalid},
		{"rate too late", facts{Status: StatusAnswered, AnsweredAt: &old}, event{Action: ActRate, By: ByResident, Rating: 4, Now: now}, "", ErrRatingClosed},
		{"rate on the last second", facts{Status: StatusAnswered, AnsweredAt: ptr(now.Add(-RatingWindow))}, event{Action: ActRate, By: ByResident, Rating: 4, Now: now}, StatusClosed, nil},
		{"staff cannot rate", facts{Status: StatusAnswered, AnsweredAt: &answered}, event{Action: ActRate, By: ByStaff, Rating: 4, Now: now}, "", ErrWrongState},
		{"close after the window", facts{Status: StatusAnswered, AnsweredAt: &old}, event{Action: ActClose, By: BySystem, Now: now}, StatusClosed, nil},
		{"close inside the window", facts{Status: StatusAnswered, AnsweredAt: &answered}, event{Action: ActClose, By: BySystem, Now: now}, "", ErrWrongState},
		{"close unanswered", facts{Status: StatusAccepted}, event{Action: ActClose, By: BySystem, Now: now}, "", ErrWrongState},
		{"unknown action", facts{Status: StatusSubmitted}, event{Action: "delete", By: ByStaff}, "", ErrWrongState},
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

var errInvalid = errors.New("any invalid_argument")

func ptr[T any](v T) *T { return &v }
