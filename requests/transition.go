package requests

import (
	"slices"
	"time"

	"github.com/futian/ifutian/internal/apperr"
)

// Request statuses. A request is at a unit (a department or a street
// office: its lead, department_id) or at the district's dispatch centre
// (分拨中心), which places what the responsibility list cannot and decides
// what units send back.
const (
	StatusDispatching = "dispatching" // 待分拨: at the centre, no unit yet (the list placed it nowhere, or its return was approved without a new unit)
	StatusSubmitted   = "submitted"   // routed by the responsibility list to a unit, waiting for it to sign for it
	StatusDispatched  = "dispatched"  // 已派单: dispatched by the centre, waiting for the unit to sign for it
	StatusTransferred = "transferred" // moved to another unit, waiting for it to sign for it
	StatusReturned    = "returned"    // 退单待审: the unit sent it back; the centre re-dispatches it or refuses the return
	StatusSigned      = "signed"      // 已签收: the unit signed for it, not yet accepted
	StatusAccepted    = "accepted"    // the unit's desk took it on (also after a reopen)
	StatusInProgress  = "in_progress" // being handled
	StatusAnswered    = "answered"    // answered; the resident may rate it for RatingWindow
	StatusCallback    = "callback"    // 待回访: rated 不满意 (or sampled); the centre calls the resident back before 办结
	StatusClosed      = "closed"      // 办结: rated, called back, or not rated within RatingWindow
)

// Statuses lists every status in the order of a request's life.
var Statuses = []string{StatusDispatching, StatusSubmitted, StatusDispatched, StatusTransferred, StatusReturned,
	StatusSigned, StatusAccepted, StatusInProgress, StatusAnswered, StatusCallback, StatusClosed}

// awaitingSign are the statuses of a request at a unit that has not signed
// for it yet.
var awaitingSign = []string{StatusSubmitted, StatusDispatched, StatusTransferred}

// atUnit are the statuses of a request a unit is working on: signed for or
// to be signed for, not answered, not sent back.
var atUnit = []string{StatusSubmitted, StatusDispatched, StatusTransferred, StatusSigned, StatusAccepted, StatusInProgress}

// Actions: what happens to a request, as its history records it (at most
// 16 characters: the column's width).
const (
	ActSubmit         = "submitted"
	ActDispatch       = "dispatched"     // the centre sends it to a unit (派单)
	ActSign           = "signed"         // the unit signs for it (签收)
	ActReturn         = "returned"       // the unit sends it back to the centre (退单)
	ActRefuseReturn   = "return_refused" // the centre refuses a return: back to the unit
	ActAccept         = "accepted"
	ActTransfer       = "transferred"
	ActStart          = "started"
	ActAskExtension   = "ext_asked"    // the unit asks for more working days (延期申请)
	ActApproveExt     = "ext_approved" // the centre approves: the deadline moves
	ActRefuseExt      = "ext_refused"  // the centre refuses: the deadline stays
	ActUrge           = "urged"        // 催办 (the centre, or the system a working day before the deadline)
	ActSupervise      = "supervised"   // 督办函 sent to the unit
	ActAnswerSupervis = "sup_answered" // the unit's head answered a supervision letter
	ActAnswer         = "answered"
	ActRate           = "rated"
	ActCallback       = "called_back" // the centre called the resident back (回访)
	ActRedo           = "redone"      // 重办: 不满意 after the call-back, back to the same unit
	ActReopen         = "reopened"
	ActClose          = "closed"
	ActEscalate       = "escalated"
)

// Who acts.
const (
	ByResident = "resident"
	ByStaff    = "staff"  // the unit the request is at
	ByCentre   = "centre" // the dispatch centre
	BySystem   = "system"
)

// RatingWindow is how long after an answer the resident may rate it; then
// the request closes by itself.
const RatingWindow = 7 * 24 * time.Hour

// LowRating is the highest rating that may reopen a request, and that
// counts as 不满意: such a rating is called back before the request closes.
const LowRating = 2

// MaxReopens is how many times a resident may reopen one request.
const MaxReopens = 1

// MaxRedone is how many times a call-back may send one request back to its
// unit (重办); after that 不满意 closes it.
const MaxRedone = 1

// Call-back results.
const (
	CallbackSatisfied   = "satisfied"
	CallbackUnsatisfied = "unsatisfied"
)

// MaxExtensionDays is the most working days one extension may ask for.
const MaxExtensionDays = 30

// ErrWrongState is a transition the request's status does not allow.
var ErrWrongState = apperr.New(apperr.Conflict, "诉求当前状态不允许此操作")

// ErrStale is a transition decided on a version that has changed since:
// someone else acted on the request first.
var ErrStale = apperr.New(apperr.Conflict, "诉求已被他人处理，请刷新后重试")

// ErrRatingClosed is a rating after RatingWindow.
var ErrRatingClosed = apperr.New(apperr.Conflict, "已超过评价期限（答复后 7 天）")

// ErrReopenUsed is a second reopen.
var ErrReopenUsed = apperr.New(apperr.Conflict, "每件诉求只能重新办理一次")

// ErrReturnsUsed is a return by a unit that has sent the request back as
// often as the centre allows.
var ErrReturnsUsed = apperr.New(apperr.Conflict, "本单位退回该诉求的次数已达上限，请办理")

// ErrExtensionPending is a second extension asked while one waits.
var ErrExtensionPending = apperr.New(apperr.Conflict, "已有延期申请待审批")

// ErrNoExtension is a decision with no extension waiting.
var ErrNoExtension = apperr.New(apperr.Conflict, "没有待审批的延期申请")

// event is one thing an actor asks to do to a request.
type event struct {
	Action  string // ActAccept … ActClose
	By      string // ByResident, ByStaff, ByCentre or BySystem
	Rating  int    // ActRate: 1–5
	Reopen  bool   // ActRate: the resident asks to reopen (rating ≤ LowRating)
	Sampled bool   // ActRate: a satisfied rating drawn for a call-back
	Result  string // ActCallback: CallbackSatisfied or CallbackUnsatisfied
	Days    int    // ActAskExtension: working days asked for
	Now     time.Time
}

// facts are what the decision needs of the request as loaded.
type facts struct {
	Status     string
	Reopened   int
	Redone     int
	AnsweredAt *time.Time
	// HasUnit: the request has a lead unit.
	HasUnit bool
	// ReturnFrom is the status the pending return was made from.
	ReturnFrom string
	// UnitReturns is how often its present unit has returned it, and
	// MaxReturns how often the centre allows.
	UnitReturns, MaxReturns int
	// ExtensionPending: an extension waits for the centre.
	ExtensionPending bool
}

// decide is the state machine: the status a request in f moves to on ev, or
// why it may not. Actions that change no status (an extension, 催办, 督办)
// return the status unchanged. It is pure.
func decide(f facts, ev event) (string, error) {
	allowed := func(by string, from ...string) bool {
		return ev.By == by && slices.Contains(from, f.Status)
	}
	switch ev.Action {
	case ActDispatch:
		if allowed(ByCentre, StatusDispatching, StatusReturned) {
			return StatusDispatched, nil
		}
	case ActSign:
		if allowed(ByStaff, awaitingSign...) {
			return StatusSigned, nil
		}
	case ActReturn:
		if !allowed(ByStaff, StatusSubmitted, StatusDispatched, StatusTransferred, StatusSigned) || !f.HasUnit {
			break
		}
		if f.UnitReturns >= f.MaxReturns {
			return "", ErrReturnsUsed
		}
		return StatusReturned, nil
	case ActRefuseReturn:
		if !allowed(ByCentre, StatusReturned) || !f.HasUnit {
			break
		}
		if f.ReturnFrom == StatusSigned {
			return StatusSigned, nil
		}
		return StatusDispatched, nil
	case ActAccept:
		if allowed(ByStaff, StatusSubmitted, StatusDispatched, StatusTransferred, StatusSigned) {
			return StatusAccepted, nil
		}
	case ActTransfer:
		if allowed(ByStaff, atUnit...) {
			return StatusTransferred, nil
		}
	case ActStart:
		if allowed(ByStaff, StatusAccepted) {
			return StatusInProgress, nil
		}
	case ActAskExtension:
		if !allowed(ByStaff, StatusSigned, StatusAccepted, StatusInProgress) {
			break
		}
		if ev.Days < 1 || ev.Days > MaxExtensionDays {
			return "", apperr.Field("days", "须为 1–30 个工作日")
		}
		if f.ExtensionPending {
			return "", ErrExtensionPending
		}
		return f.Status, nil
	case ActApproveExt, ActRefuseExt:
		if !allowed(ByCentre, atUnit...) {
			break
		}
		if !f.ExtensionPending {
			return "", ErrNoExtension
		}
		return f.Status, nil
	case ActUrge:
		if (allowed(ByCentre, atUnit...) || allowed(BySystem, atUnit...)) && f.HasUnit {
			return f.Status, nil
		}
	case ActSupervise:
		if allowed(ByCentre, atUnit...) && f.HasUnit {
			return f.Status, nil
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
			if ev.Rating <= LowRating || ev.Sampled {
				return StatusCallback, nil // 不满意 (or drawn): called back before 办结
			}
			return StatusClosed, nil
		}
		if ev.Rating > LowRating {
			return "", apperr.Field("reopen", "只有 1–2 分的评价可以要求重新办理")
		}
		if f.Reopened >= MaxReopens {
			return "", ErrReopenUsed
		}
		return StatusAccepted, nil
	case ActCallback:
		if !allowed(ByCentre, StatusCallback) {
			break
		}
		switch ev.Result {
		case CallbackSatisfied:
			return StatusClosed, nil
		case CallbackUnsatisfied:
			if f.Redone < MaxRedone && f.HasUnit {
				return StatusAccepted, nil // 重办 at the same unit
			}
			return StatusClosed, nil
		default:
			return "", apperr.Field("result", "须为 satisfied 或 unsatisfied")
		}
	case ActClose:
		if allowed(BySystem, StatusAnswered) && f.AnsweredAt != nil && !ev.Now.Before(f.AnsweredAt.Add(RatingWindow)) {
			return StatusClosed, nil
		}
	}
	return "", ErrWrongState
}

// dueForAutoUrge reports whether a request at a unit due at deadline is
// to be urged by the system at now: its deadline is one working day away
// (or less) and not past, and this deadline was not urged before
// (urgedFor is the deadline last urged; an extension gives a new one).
func dueForAutoUrge(cal Calendar, now, deadline time.Time, urgedFor *time.Time) bool {
	if !now.Before(deadline) || (urgedFor != nil && urgedFor.Equal(deadline)) {
		return false
	}
	return cal.WorkingDaysBetween(now, deadline) <= 1
}
