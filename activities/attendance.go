package activities

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/internal/text"
	"github.com/futian/ifutian/residents"
	"github.com/futian/ifutian/staff"
)

// CheckinOpens is how long before its start an activity's check-in opens;
// it closes at the end.
const CheckinOpens = 30 * time.Minute

// CheckoutGrace is how long after its end check-out stays open. Then
// everyone still checked in is credited the scheduled hours (Settle).
const CheckoutGrace = 30 * time.Minute

// creditStep is what time present is rounded to at check-out.
const creditStep = 15 * time.Minute

// How attendance was recorded.
const (
	MethodVenueCode  = "venue_code"  // the resident scanned the venue's code
	MethodMemberCode = "member_code" // staff scanned the resident's member code
	MethodManual     = "manual"      // staff, by resident ID, with a reason
)

// attendFacts are what deciding an action at the venue depends on.
type attendFacts struct {
	a      *Activity
	sg     *Signup // the resident's sign-up, nil if none
	action Action
	now    time.Time
	// walkIn: the activity takes walk-ins, and the resident may be one
	// (in its audience, or checked in by staff).
	walkIn bool
}

// step is what an action at the venue comes to.
type step int

const (
	stepRepeat   step = iota // already done: nothing to write
	stepCheckIn              // a confirmed resident checks in
	stepWalkIn               // takes a place and checks in
	stepCheckOut             // checks out, and is credited
)

// decideAttendance decides an action at the venue. It is pure.
func decideAttendance(f attendFacts) (step, error) {
	a, sg, now := f.a, f.sg, f.now
	switch a.Status {
	case Draft:
		return 0, ErrNotFound
	case Cancelled:
		return 0, ErrCancelled
	}
	if f.action == CheckOut {
		switch {
		case sg == nil || sg.CheckedInAt == nil:
			return 0, ErrNotCheckedIn
		case sg.CheckedOutAt != nil:
			return stepRepeat, nil
		case now.Before(a.StartsAt):
			// Whoever checked in early and leaves before the start attended
			// nothing; refused, they stay checked in (a door volunteer
			// expects the check-out to count only once the activity runs).
			return 0, ErrNotStarted
		case !now.Before(a.EndsAt.Add(CheckoutGrace)):
			return 0, ErrOutsideWindow
		}
		return stepCheckOut, nil
	}
	switch {
	case sg != nil && sg.CheckedInAt != nil:
		return stepRepeat, nil
	case now.Before(a.StartsAt.Add(-CheckinOpens)) || !now.Before(a.EndsAt):
		return 0, ErrOutsideWindow
	case sg != nil && sg.Status == Confirmed:
		return stepCheckIn, nil
	case f.walkIn:
		return stepWalkIn, nil
	case sg != nil && sg.Status == Waiting:
		return 0, ErrStillWaiting
	}
	return 0, ErrNotSignedUp
}

// presentMinutes is the time present within the activity's schedule, to
// the nearest quarter hour.
func presentMinutes(a *Activity, in, out time.Time) int64 {
	from, to := in, out
	if from.Before(a.StartsAt) {
		from = a.StartsAt
	}
	if to.After(a.EndsAt) {
		to = a.EndsAt
	}
	if !to.After(from) {
		return 0
	}
	return int64(to.Sub(from).Round(creditStep) / time.Minute)
}

// earning is what an attendance earns: the minutes of volunteer hours
// credited and whether the activity's points are granted.
type earning struct {
	minutes int64
	points  bool
}

// Why a credited attendance earned no points (points_detail).
const detailTooShort = "attendance_too_short"

// pointsMinimum is the attendance that earns an activity's points: half
// the hours it credits, rounded up to the quarter hour, and never less
// than a quarter hour (also when it credits none).
func pointsMinimum(a *Activity) int64 {
	step := int64(creditStep / time.Minute)
	half := (a.CreditMinutes + 1) / 2
	return max(step, (half+step-1)/step*step)
}

// earned decides what a check-out at out of a resident checked in at in
// earns. It is pure. The hours are the time present, at most the hours the
// activity credits; the points, all of the rule's or none, need at least
// pointsMinimum present: a rule grants a fixed amount, and a resident who
// stayed a quarter of an hour of two has not earned it.
func earned(a *Activity, in, out time.Time) earning {
	present := presentMinutes(a, in, out)
	return earning{minutes: min(present, a.CreditMinutes), points: a.PointsRule != "" && present >= pointsMinimum(a)}
}

// scheduled is what those still checked in when check-out closes earn:
// the hours the activity credits, and its points.
func scheduled(a *Activity) earning {
	return earning{minutes: a.CreditMinutes, points: a.PointsRule != ""}
}

// mark is who recorded an action, how and why.
type mark struct {
	method Method
	by     *int64 // staff member; nil for the resident
	reason string
}

// attend records an action of a resident at an activity: it reads, decides
// and writes with a guard, reading again if the sign-up changed meanwhile
// (a second scan, a concurrent walk-in). A check-out credits the hours and
// grants the points. repeated reports an action already recorded.
func (s *Service) attend(ctx context.Context, id, residentID int64, action Action, mk mark) (*Activity, *Signup, bool, error) {
	gdb := s.db.WithContext(ctx)
	for range 4 {
		now := s.clock()
		a, err := s.load(gdb, id, false)
		if err != nil {
			return nil, nil, false, err
		}
		sg, err := findSignup(gdb, id, residentID)
		if err != nil {
			return nil, nil, false, err
		}
		walkIn := a.WalkIns
		if walkIn && mk.by == nil && action == CheckIn && (sg == nil || sg.Status != Confirmed) {
			if walkIn, err = s.inAudience(gdb, a, residentID, now); err != nil {
				return nil, nil, false, err
			}
		}
		st, err := decideAttendance(attendFacts{a: a, sg: sg, action: action, now: now, walkIn: walkIn})
		if err != nil {
			return nil, nil, false, err
		}
		credited := false
		switch st {
		case stepRepeat:
			if sg.PointsStatus == PointsPending {
				// A grant left pending by a failure: the repeat runs its job
				// now if it is due (idempotent; else the queue retries it).
				if s.grantNow(ctx, a, sg) {
					if sg, err = findSignup(gdb, id, residentID); err != nil {
						return nil, nil, false, err
					}
				}
			}
			return a, sg, true, nil
		case stepCheckIn:
			err = s.checkIn(gdb, sg, mk, now)
		case stepWalkIn:
			err = s.transact(ctx, func(tx *gorm.DB) error { return s.walkIn(tx, a, residentID, sg, mk, now) })
		case stepCheckOut:
			err = s.transact(ctx, func(tx *gorm.DB) error {
				if err := s.checkOut(tx, sg, mk, now); err != nil {
					return err
				}
				var err error
				credited, err = s.credit(tx, a, sg, earned(a, *sg.CheckedInAt, now), "签退", now)
				return err
			})
		}
		if errors.Is(err, errRaced) || db.IsDuplicate(err) {
			continue
		}
		if err != nil {
			return nil, nil, false, s.wrap("record attendance", err)
		}
		if sg, err = findSignup(gdb, id, residentID); err != nil {
			return nil, nil, false, err
		}
		if credited {
			// The check-out has committed with its grant's job: a grant
			// that fails now stays pending (the sign-up says so) and is
			// made by the queue's retries, not reported as a failed
			// check-out.
			if s.grantNow(ctx, a, sg) {
				if sg, err = findSignup(gdb, id, residentID); err != nil {
					return nil, nil, false, err
				}
			}
		}
		return a, sg, false, nil
	}
	return nil, nil, false, fmt.Errorf("record attendance: %w", errRaced)
}

// checkIn checks a confirmed resident in, with one guarded statement.
func (s *Service) checkIn(q *gorm.DB, sg *Signup, mk mark, now time.Time) error {
	res := q.Model(&Signup{}).Where("id = ? AND status = ? AND checked_in_at IS NULL", sg.ID, Confirmed).Updates(map[string]any{
		"checked_in_at": now, "checkin_method": mk.method, "checkin_by": mk.by, "checkin_reason": mk.reason, "updated_at": now,
	})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return errRaced
	}
	return nil
}

// walkIn takes a place for a resident at the door (from the waiting list,
// after cancelling, or with no sign-up) and checks them in, in tx.
func (s *Service) walkIn(tx *gorm.DB, a *Activity, residentID int64, sg *Signup, mk mark, now time.Time) error {
	counters := "confirmed = confirmed + 1"
	if sg != nil && sg.Status == Waiting {
		counters += ", waiting = waiting - 1"
	}
	res := tx.Exec("UPDATE activities SET "+counters+`, updated_at = ?
WHERE id = ? AND status = ? AND walk_ins = ? AND confirmed < capacity`, now, a.ID, Published, true)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return ErrFull
	}
	fields := map[string]any{
		"status": Confirmed, "walk_in": true, "checked_in_at": now, "checkin_method": mk.method, "checkin_by": mk.by,
		"checkin_reason": mk.reason, "updated_at": now,
	}
	if sg == nil {
		return tx.Create(&Signup{
			ActivityID: a.ID, ResidentID: residentID, Status: Confirmed, WalkIn: true, CheckedInAt: &now,
			CheckinMethod: mk.method, CheckinBy: mk.by, CheckinReason: mk.reason, CreatedAt: now, UpdatedAt: now,
		}).Error
	}
	res = tx.Model(&Signup{}).Where("id = ? AND status = ? AND checked_in_at IS NULL", sg.ID, sg.Status).Updates(fields)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return errRaced
	}
	return nil
}

// checkOut checks a resident out, guarded against a second check-out.
func (s *Service) checkOut(tx *gorm.DB, sg *Signup, mk mark, now time.Time) error {
	res := tx.Model(&Signup{}).Where("id = ? AND checked_in_at IS NOT NULL AND checked_out_at IS NULL", sg.ID).Updates(map[string]any{
		"checked_out_at": now, "checkout_method": mk.method, "checkout_by": mk.by, "checkout_reason": mk.reason, "updated_at": now,
	})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return errRaced
	}
	return nil
}

// Scan records what a resident's scan of a venue code says: a check-in or
// a check-out at its activity. A scan repeated changes nothing (repeated).
// The code must be current (see CodeWindow); check-in is open from
// CheckinOpens before the start to the end, to residents signed up or,
// for an activity taking walk-ins, in its audience while places remain.
func (s *Service) Scan(ctx context.Context, residentID int64, code string) (*MySignup, Action, bool, error) {
	now := s.clock()
	id, action, err := s.parseVenueCode(strings.TrimSpace(code), now)
	if err != nil {
		return nil, "", false, err
	}
	a, sg, repeated, err := s.attend(ctx, id, residentID, action, mark{method: MethodVenueCode})
	if err != nil {
		return nil, "", false, err
	}
	v, err := s.mySignup(s.db.WithContext(ctx), a, sg, s.clock())
	return v, action, repeated, err
}

// Who names the resident staff record attendance for: by member code, or
// by resident ID with a reason (a manual check-in).
type Who struct {
	MemberCode string
	ResidentID int64
	Reason     string
}

// resolve checks a Who and returns the resident and how they were named.
func (s *Service) resolve(ctx context.Context, w Who, by int64) (int64, mark, error) {
	w.MemberCode, w.Reason = strings.TrimSpace(w.MemberCode), strings.TrimSpace(w.Reason)
	switch {
	case w.MemberCode != "" && w.ResidentID != 0:
		return 0, mark{}, apperr.Field("member_code", "member_code 与 resident_id 只能填一个")
	case w.MemberCode != "":
		id, err := s.members.Verify("member_code", w.MemberCode)
		return id, mark{method: MethodMemberCode, by: &by, reason: w.Reason}, err
	case w.ResidentID <= 0:
		return 0, mark{}, apperr.Field("member_code", "须扫描居民的会员码，或填写 resident_id 与 reason")
	case text.Blank(w.Reason):
		return 0, mark{}, apperr.Field("reason", "手工签到须说明原因")
	}
	return w.ResidentID, mark{method: MethodManual, by: &by, reason: w.Reason}, nil
}

// Attend records a check-in or check-out by staff at an activity within
// m's scope, of a resident named by member code or, manually, by ID with a
// reason (kept on the roster and in the audit log). Staff may check in a
// walk-in whatever the audience. Returns the resident's roster entry and
// whether it was recorded before. Returns ErrNotFound outside m's scope,
// ErrResidentNotFound for an unknown resident, and the refusals of Scan.
func (s *Service) Attend(ctx context.Context, m *staff.Member, id int64, action Action, w Who) (*RosterEntry, bool, error) {
	if _, ok := actionByte[action]; !ok {
		return nil, false, apperr.Field("action", "须为 check_in 或 check_out")
	}
	residentID, mk, err := s.resolve(ctx, w, m.ID)
	if err != nil {
		return nil, false, err
	}
	gdb := s.db.WithContext(ctx)
	by := m.Scope()
	if _, err := s.owned(gdb, by, id, false); err != nil {
		return nil, false, err
	}
	if err := residentInScope(gdb, by, residentID); err != nil {
		return nil, false, err
	}
	staff.AuditDetail(ctx, fmt.Sprintf("%s %s, resident %d", mk.method, action, residentID))
	_, _, repeated, err := s.attend(ctx, id, residentID, action, mk)
	if err != nil {
		return nil, false, err
	}
	e, err := s.rosterEntry(gdb, id, residentID)
	if err != nil {
		return nil, false, err
	}
	e.concealFrom(m)
	return e, repeated, nil
}

// residentInScope checks that a resident exists (not erased) and lives on
// a street by covers (residents.CheckForStaffTx). Returns
// ErrResidentNotFound otherwise, the same for both, so scope never
// confirms that a resident exists.
func residentInScope(q *gorm.DB, by staff.Scope, residentID int64) error {
	err := residents.CheckForStaffTx(q, by, residentID)
	if errors.Is(err, residents.ErrNotFound) {
		return ErrResidentNotFound
	}
	return err
}

// idOf formats an ID for audit entries.
func idOf(id int64) string { return strconv.FormatInt(id, 10) }
