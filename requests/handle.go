package requests

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/futian/ifutian/enterprises"
	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/internal/text"
	"github.com/futian/ifutian/points"
	"github.com/futian/ifutian/staff"
)

// change is one transition to apply: who asks, what, and what else the
// write sets (fill may add columns and complete the event).
type change struct {
	ev      event
	version int64 // the version the caller saw; 0 = the one loaded
	actorID int64
	// scope, for a member's change, is the member's: the answer shows the
	// call-back number when it covers the request after the change.
	scope *staff.Scope
	fill  func(r *Request, upd map[string]any, e *Event) error
	// more, if not nil, completes the facts from other tables (returns,
	// extensions) in the transaction.
	more func(tx *gorm.DB, r *Request, f *facts) error
	// after, if not nil, writes what else the change makes (a return, an
	// extension, an assignment) in the transaction, after the request and
	// its event.
	after func(tx *gorm.DB, r *Request, e *Event) error
	// keepVersion: the change moves no status (催办, 督办), so an officer
	// acting meanwhile is not refused.
	keepVersion bool
}

// apply loads a request with find, decides ch on it and writes the outcome
// guarded by the version it was decided on: a request changed meanwhile
// (or a stale version from the caller) is ErrStale, so of two officers
// answering at once one wins and the other gets 409.
func (s *Service) apply(ctx context.Context, find func(tx *gorm.DB) (*Request, error), ch change) (*Request, error) {
	var out *Request
	err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		r, err := find(tx)
		if err != nil {
			return err
		}
		if ch.version != 0 && ch.version != r.Version {
			return ErrStale
		}
		f := facts{Status: r.Status, Reopened: r.Reopened, Redone: r.Redone, AnsweredAt: r.AnsweredAt, HasUnit: r.DepartmentID != nil}
		if ch.more != nil {
			if err := ch.more(tx, r, &f); err != nil {
				return err
			}
		}
		next, err := decide(f, ch.ev)
		if err != nil {
			return err
		}
		now := ch.ev.Now
		upd := map[string]any{"status": next, "version": r.Version + 1, "updated_at": now}
		if ch.keepVersion {
			upd["version"] = r.Version
		}
		e := &Event{RequestID: r.ID, Action: Action(ch.ev.Action), ActorID: ch.actorID, CreatedAt: now}
		if ch.fill != nil {
			if err := ch.fill(r, upd, e); err != nil {
				return err
			}
		}
		res := tx.Model(&Request{}).Where("id = ? AND version = ?", r.ID, r.Version).Updates(upd)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 && ch.keepVersion {
			// MySQL counts changed rows: a change that keeps the version
			// may change nothing else of the row (the same second).
			var n int64
			if err := tx.Model(&Request{}).Where("id = ? AND version = ?", r.ID, r.Version).Count(&n).Error; err != nil {
				return err
			}
			res.RowsAffected = n
		}
		if res.RowsAffected != 1 {
			return ErrStale
		}
		if err := tx.Create(e).Error; err != nil {
			return err
		}
		if ch.after != nil {
			if err := ch.after(tx, r, e); err != nil {
				return err
			}
		}
		out, err = load(tx, r.ID)
		if err != nil {
			return err
		}
		detail := "request " + strconv.FormatInt(r.ID, 10) + " " + string(e.Action)
		if ch.showsContact(out) {
			detail += ", contact shown" // the answer is a read of personal data too
		}
		staff.AuditDetail(ctx, detail)
		return enqueueSettle(tx, out)
	})
	if err != nil {
		if apperr.CodeOf(err) != "" {
			return nil, err
		}
		return nil, fmt.Errorf("%s request: %w", ch.ev.Action, err)
	}
	return out, nil
}

// showsContact reports whether the answer to ch shows r's call-back
// number: to a member whose scope covers r as changed (as FindForStaff
// would), not after a transfer out of it.
func (ch change) showsContact(r *Request) bool {
	return ch.scope != nil && len(r.ContactEnc) > 0 && ch.scope.Covers(r.DepartmentID, r.Street)
}

func (s *Service) staffChange(ctx context.Context, m *staff.Member, id int64, ch change) (*StaffView, error) {
	sc := m.Scope()
	ch.ev.By, ch.ev.Now, ch.actorID, ch.scope = ByStaff, s.clock(), m.ID, &sc
	r, err := s.apply(ctx, func(tx *gorm.DB) (*Request, error) { return inScope(tx, sc, id) }, ch)
	if err != nil {
		return nil, err
	}
	show := ch.showsContact(r)
	s.settleNow(ctx, r)
	// The view is built without the scope: after a transfer the request is
	// another department's, but this answer still shows what was done.
	r, err = load(s.db.WithContext(ctx), r.ID)
	if err != nil {
		return nil, err
	}
	vs, err := s.buildViews(ctx, []Request{*r}, true)
	if err != nil {
		return nil, err
	}
	// The contact shows as in FindForStaff; the transition's audit entry
	// records the read (apply).
	if show {
		if err := s.openContact(&vs[0], r); err != nil {
			return nil, err
		}
	}
	return &vs[0], nil
}

// Accept takes a request on at its department's desk; the resident gets an
// acceptance notice. version is the version the officer saw. Returns
// ErrNotFound outside the member's scope, ErrStale for a stale version,
// ErrWrongState if it is not waiting for acceptance.
func (s *Service) Accept(ctx context.Context, m *staff.Member, id, version int64) (*StaffView, error) {
	return s.staffChange(ctx, m, id, change{ev: event{Action: ActAccept}, version: version,
		fill: func(r *Request, upd map[string]any, e *Event) error {
			if r.AcceptedAt == nil {
				upd["accepted_at"] = e.CreatedAt
			}
			if r.SignedAt == nil {
				upd["signed_at"] = e.CreatedAt // accepting signs for it too
			}
			e.ToDepartmentID = r.DepartmentID
			return nil
		},
		after: func(tx *gorm.DB, r *Request, e *Event) error { return signAssignment(tx, r.ID, e.CreatedAt) }})
}

// Start marks an accepted request as being handled.
func (s *Service) Start(ctx context.Context, m *staff.Member, id, version int64) (*StaffView, error) {
	return s.staffChange(ctx, m, id, change{ev: event{Action: ActStart}, version: version})
}

// Transfer moves a request to another department, with a reason the
// history shows. The deadline stays (首办负责制: the clock keeps running);
// the request waits for the new department to accept it. Returns an
// invalid_argument error naming department_id or reason.
func (s *Service) Transfer(ctx context.Context, m *staff.Member, id, version, to int64, reason string) (*StaffView, error) {
	reason = strings.TrimSpace(reason)
	f := map[string]string{}
	if c := utf8.RuneCountInString(reason); text.Blank(reason) || c > MaxReason {
		f["reason"] = "须为 1–" + strconv.Itoa(MaxReason) + " 个字"
	}
	names, err := s.departmentNames(ctx, []int64{to})
	if err != nil {
		return nil, err
	}
	if _, ok := names[to]; !ok {
		f["department_id"] = "部门不存在"
	}
	if err := apperr.Fields(f); err != nil {
		return nil, err
	}
	cal, err := s.Calendar(ctx)
	if err != nil {
		return nil, err
	}
	var signBy time.Time
	return s.staffChange(ctx, m, id, change{ev: event{Action: ActTransfer}, version: version,
		fill: func(r *Request, upd map[string]any, e *Event) error {
			if r.DepartmentID != nil && *r.DepartmentID == to {
				return apperr.Field("department_id", "已在该部门")
			}
			hours, err := s.signHours(ctx, r.Category)
			if err != nil {
				return err
			}
			signBy = cal.AddWorkingHours(e.CreatedAt, hours)
			// The assisting unit was the old lead's: the new one asks anew.
			arrive(upd, to, nil, e.CreatedAt, signBy)
			e.FromDepartmentID, e.ToDepartmentID, e.Reason = r.DepartmentID, &to, reason
			return nil
		},
		after: func(tx *gorm.DB, r *Request, e *Event) error {
			if err := leaveAssignment(tx, r.ID, e.CreatedAt, false); err != nil {
				return err
			}
			return openAssignment(tx, r, to, e.CreatedAt, signBy)
		}})
}

// Answer is a department's answer to a request.
type Answer struct {
	Version int64
	Text    string
	// Verified says the department found the request true: it may then
	// grant the resident points under PointsRule (once per request) and,
	// for a request about an enterprise, record a complaint against it
	// (ComplaintUSCC) through the credit-record path.
	Verified      bool
	PointsRule    string
	ComplaintUSCC string
	// KnowledgeID is a knowledge entry the answer quotes (published and
	// valid), shown to the resident as the answer's reference; nil: none.
	KnowledgeID *int64
}

// Answer answers an accepted request. The resident gets a notice and may
// rate the answer within RatingWindow. A verified answer's points rule must
// be one the request's department may use (403 naming points_rule), and a
// complaint needs the credit.write permission and the enterprise in the
// member's streets (403 naming complaint_uscc). Returns ErrNotFound outside
// the member's scope, ErrStale for a stale version.
func (s *Service) Answer(ctx context.Context, m *staff.Member, id int64, a Answer) (*StaffView, error) {
	a.Text = strings.TrimSpace(a.Text)
	a.PointsRule = strings.TrimSpace(a.PointsRule)
	a.ComplaintUSCC = strings.ToUpper(strings.TrimSpace(a.ComplaintUSCC))
	f := map[string]string{}
	if c := utf8.RuneCountInString(a.Text); text.Blank(a.Text) || c > MaxAnswer {
		f["answer"] = "须为 1–" + strconv.Itoa(MaxAnswer) + " 个字"
	}
	if !a.Verified && a.PointsRule != "" {
		f["points_rule"] = "只有核实属实的诉求可以奖励积分"
	}
	if !a.Verified && a.ComplaintUSCC != "" {
		f["complaint_uscc"] = "只有核实属实的诉求可以记录投诉"
	}
	if err := apperr.Fields(f); err != nil {
		return nil, err
	}
	if err := s.checkQuote(ctx, a.KnowledgeID); err != nil {
		return nil, err
	}
	sc := m.Scope()
	// The request's department is checked again in the transaction; this
	// read only lets the rule and the enterprise be checked before it.
	r, err := inScope(s.db.WithContext(ctx), sc, id)
	if err != nil {
		return nil, err
	}
	if a.PointsRule != "" {
		if _, err := s.points.UsableRule(ctx, staff.DepartmentScope(r.DepartmentID), a.PointsRule); err != nil {
			return nil, ruleError(err)
		}
	}
	if a.ComplaintUSCC != "" {
		if !m.Can(staff.WriteCredit) {
			return nil, staff.OutOfScope("complaint_uscc", "记录企业投诉需要信用记录权限")
		}
		e, err := s.enterprises.FindByUSCC(ctx, a.ComplaintUSCC)
		if errors.Is(err, enterprises.ErrNotFound) {
			return nil, apperr.Field("complaint_uscc", "企业不存在")
		}
		if ae := (*apperr.Error)(nil); errors.As(err, &ae) && ae.Code == apperr.Invalid {
			return nil, apperr.Field("complaint_uscc", "统一社会信用代码无效")
		}
		if err != nil {
			return nil, err
		}
		if !sc.CoversStreet(e.Street) {
			return nil, staff.OutOfScope("complaint_uscc", "该企业不在您负责的街道内")
		}
		a.ComplaintUSCC = e.USCC
	}
	return s.staffChange(ctx, m, id, change{ev: event{Action: ActAnswer}, version: a.Version,
		fill: func(r *Request, upd map[string]any, e *Event) error {
			upd["answered_at"], upd["answered_by"], upd["answer"], upd["verified"] = e.CreatedAt, m.ID, a.Text, a.Verified
			upd["answer_noticed_at"] = nil
			if r.PointsOutcome == "" || r.PointsOutcome == outcomePending {
				upd["points_rule"] = a.PointsRule
				upd["points_outcome"] = ""
				if a.PointsRule != "" {
					upd["points_outcome"] = outcomePending
				}
			}
			if r.CreditRecordID == nil {
				upd["complaint_uscc"] = a.ComplaintUSCC
			}
			upd["knowledge_id"] = a.KnowledgeID
			e.ToDepartmentID = r.DepartmentID
			return nil
		}})
}

// ruleError names points_rule in the points module's rule errors.
func ruleError(err error) error {
	switch {
	case errors.Is(err, points.ErrRuleForbidden):
		return staff.OutOfScope("points_rule", "该积分规则属于其他部门")
	case errors.Is(err, points.ErrRuleNotFound), errors.Is(err, points.ErrRuleInactive):
		return apperr.Field("points_rule", err.(*apperr.Error).Fields["rule_code"])
	}
	return err
}

// Points outcomes of a verified answer.
const (
	outcomePending = "pending"
	outcomeGranted = "granted"
)

// Rate records the resident's rating (1–5) of the answer, with an optional
// comment, within RatingWindow. With reopen and a rating of at most
// LowRating the request goes back to its department once, with a new
// deadline; otherwise it closes. Returns ErrNotFound for another
// resident's request, ErrWrongState if it is not answered (or already
// rated), ErrRatingClosed after the window, ErrReopenUsed for a second
// reopen.
func (s *Service) Rate(ctx context.Context, residentID, id int64, rating int, comment string, reopen bool) (*View, error) {
	comment = strings.TrimSpace(comment)
	if utf8.RuneCountInString(comment) > MaxRatingComment {
		return nil, apperr.Field("comment", "不能多于 "+strconv.Itoa(MaxRatingComment)+" 个字")
	}
	if rating < 1 || rating > 5 {
		return nil, apperr.Field("rating", "须为 1–5")
	}
	cal, err := s.Calendar(ctx)
	if err != nil {
		return nil, err
	}
	set, err := s.Settings(ctx)
	if err != nil {
		return nil, err
	}
	now := s.clock()
	_, err = s.apply(ctx, func(tx *gorm.DB) (*Request, error) {
		r, err := load(tx, id)
		if err == nil && r.ResidentID != residentID {
			err = ErrNotFound
		}
		return r, err
	}, change{ev: event{Action: ActRate, By: ByResident, Rating: rating, Reopen: reopen, Now: now,
		// The sample of satisfied ratings called back: the same requests
		// whoever rates, drawn by number.
		Sampled: rating > LowRating && int(id%100) < set.CallbackSample},
		fill: func(r *Request, upd map[string]any, e *Event) error {
			upd["rating"], upd["rating_comment"], upd["rated_at"] = rating, comment, now
			e.Reason = strconv.Itoa(rating)
			if upd["status"] == StatusClosed {
				upd["closed_at"] = now
				return nil
			}
			if upd["status"] == StatusCallback {
				return nil // the centre calls back before 办结
			}
			// Reopened: back to the department, with a new deadline.
			cat, err := s.category(ctx, s.db, r.Category)
			if err != nil {
				return err
			}
			days := 5
			if cat != nil {
				days = cat.DeadlineDays
			}
			upd["reopened"], upd["deadline_at"], upd["arrived_at"] = r.Reopened+1, cal.Deadline(now, days), now
			e.Action, e.ToDepartmentID = ActReopen, r.DepartmentID
			return nil
		}})
	if err != nil {
		return nil, err
	}
	return s.residentView(ctx, residentID, id)
}
