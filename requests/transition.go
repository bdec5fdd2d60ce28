package requests

import (
	"time"

	"github.com/futian/ifutian/internal/apperr"
)

// Request statuses.
const (
	StatusSubmitted   = "submitted"   // waiting for the routed department to accept it
	StatusTransferred = "transferred" // moved to another department, waiting for it to accept
	StatusAccepted    = "accepted"    // the department's desk took it on (also after a reopen)
	StatusInProgress  = "in_progress" // being handled
	StatusAnswered    = "answered"    // answered; the resident may rate it for RatingWindow
	StatusClosed      = "closed"      // rated, or not rated within RatingWindow
)

// Statuses lists every status in the order of a request's life.
var Statuses = []string{StatusSubmitted, StatusTransferred, StatusAccepted, StatusInProgress, StatusAnswered, StatusClosed}

// Actions: what happens to a request, as its history records it.
const (
	ActSubmit   = "submitted"
	ActAccept   = "accepted"
	ActTransfer = "transferred"
	ActStart    = "started"
	ActAnswer   = "answered"
	ActRate     = "rated"
	ActReopen   = "reopened"
	ActClose    = "closed"
	ActEscalate = "escalated"
)

// Who acts.
const (
	ByResident = "resident"
	ByStaff    = "staff"
	BySystem   = "system"
)

// RatingWindow is how long after an answer the resident may rate it; then
// the request closes by itself.
const RatingWindow = 7 * 24 * time.Hour

// LowRating is the highest rating that may reopen a request.
const LowRating = 2

// MaxReopens is how many times a resident may reopen one request.
const MaxReopens = 1

// ErrWrongState is a transition the request's status does not allow.
var ErrWrongState = apperr.New(apperr.Conflict, "诉求当前状态不允许此操作")

// ErrStale is a transition decided on a version that has changed since:
// someone else acted on the request first.
var ErrStale = apperr.New(apperr.Conflict, "诉求已被他人处理，请刷新后重试")

// ErrRatingClosed is a rating after RatingWindow.
var ErrRatingClosed = apperr.New(apperr.Conflict, "已超过评价期限（答复后 7 天）")

// ErrReopenUsed is a second reopen.
var ErrReopenUsed = apperr.New(apperr.Conflict, "每件诉求只能重新办理一次")

// event is one thing an actor asks to do to a request.
type event struct {
	Action string // ActAccept … ActClose
	By     string // ByResident, ByStaff or BySystem
	Rating int    // ActRate: 1–5
	Reopen bool   // ActRate: the resident asks to reopen (rating ≤ LowRating)
	Now    time.Time
}

// facts are what the decision needs of the request as loaded.
type facts struct {
	Status     string
	Reopened   int
	AnsweredAt *time.Time
}

// decide is the state machine: the status a request in f moves to on ev, or
// why it may not. It is pure.
func decide(f facts, ev event) (string, error) {
	allowed := func(by string, from ...string) bool {
		if ev.By != by {
			return false
		}
		for _, s := range from {
			if f.Status == s {
				return true
			}
		}
		return false
	}
	switch ev.Action {
	case ActAccept:
		if allowed(ByStaff, StatusSubmitted, StatusTransferred) {
			return StatusAccepted, nil
		}
	case ActTransfer:
		if allowed(ByStaff, StatusSubmitted, StatusTransferred, StatusAccepted, StatusInProgress) {
			return StatusTransferred, nil
		}
	case ActStart:
		if allowed(ByStaff, StatusAccepted) {
			return StatusInProgress, nil
		}
	case ActAnswer:
		if allowed(ByStaff, StatusAccepted, StatusInProgress) {
			return StatusAnswered, nil
		}
	case ActRate:
		if !allowed(ByResident, StatusAnswered) {
			break
		}
		if ev.Rating < 1 || ev.Rating > 5 {
			return "", apperr.Field("rating", "须为 1–5")
		}
		if f.AnsweredAt == nil || ev.Now.After(f.AnsweredAt.Add(RatingWindow)) {
			return "", ErrRatingClosed
		}
		if !ev.Reopen {
			return StatusClosed, nil
		}
		if ev.Rating > LowRating {
			return "", apperr.Field("reopen", "只有 1–2 分的评价可以要求重新办理")
		}
		if f.Reopened >= MaxReopens {
			return "", ErrReopenUsed
		}
		return StatusAccepted, nil
	case ActClose:
		if allowed(BySystem, StatusAnswered) && f.AnsweredAt != nil && !ev.Now.Before(f.AnsweredAt.Add(RatingWindow)) {
			return StatusClosed, nil
		}
	}
	return "", ErrWrongState
}
