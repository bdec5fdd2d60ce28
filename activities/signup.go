package activities

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/internal/district"
	"github.com/futian/ifutian/notify"
)

// Signup is a resident's place at an activity: confirmed, waiting (in
// order of ID) or cancelled by the resident; with its attendance, its
// credit and the outcome of its points grant.
type Signup struct {
	ID             int64
	ActivityID     int64
	ResidentID     int64
	Status         SignupStatus
	WalkIn         bool
	CancelledAt    *time.Time
	PromotedAt     *time.Time
	CheckedInAt    *time.Time
	CheckinMethod  Method
	CheckinBy      *int64
	CheckinReason  string
	CheckedOutAt   *time.Time
	CheckoutMethod Method
	CheckoutBy     *int64
	CheckoutReason string
	CreditedAt     *time.Time
	PointsStatus   PointsStatus
	PointsTxID     *int64
	PointsAwarded  int64
	PointsDetail   string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// TableName maps Signup to its table.
func (Signup) TableName() string { return "activity_signups" }

// Attendance states, as rosters and residents see a sign-up.
const (
	AttConfirmed  = "confirmed"   // a place, not checked in (yet)
	AttWaiting    = "waiting"     // on the waiting list
	AttCancelled  = "cancelled"   // cancelled by the resident
	AttCheckedIn  = "checked_in"  // checked in, not out
	AttCheckedOut = "checked_out" // checked in and out
	AttNoShow     = "no_show"     // a place, never checked in, and the activity is over
)

// attendance is a sign-up's state at now.
func attendance(a *Activity, sg *Signup, now time.Time) Attendance {
	switch {
	case sg.CheckedOutAt != nil:
		return AttCheckedOut
	case sg.CheckedInAt != nil:
		return AttCheckedIn
	case sg.Status == Waiting:
		return AttWaiting
	case sg.Status == Withdrawn:
		return AttCancelled
	case a.Ended(now) && a.Status == Published:
		return AttNoShow
	}
	return AttConfirmed
}

// findSignup returns a resident's sign-up for an activity, or nil.
func findSignup(tx *gorm.DB, activityID, residentID int64) (*Signup, error) {
	var sgs []Signup
	if err := tx.Where("activity_id = ? AND resident_id = ?", activityID, residentID).Limit(1).Find(&sgs).Error; err != nil {
		return nil, fmt.Errorf("find sign-up: %w", err)
	}
	if len(sgs) == 0 {
		return nil, nil
	}
	return &sgs[0], nil
}

// errRaced ends a transaction whose guarded write found the state changed
// since it was read: the caller reads again.
var errRaced = errors.New("changed meanwhile")

// SignUp signs a resident up for a published activity whose audience
// includes them, before its cut-off: confirmed while places remain, else
// waiting (with a waiting list) or ErrFull. Signing up again while signed
// up returns the sign-up with repeated = true; after cancelling, the
// resident joins again at the end. Returns ErrNotFound for an activity not
// open to them, ErrCancelled, and ErrClosed after the cut-off.
func (s *Service) SignUp(ctx context.Context, residentID, id int64) (*MySignup, bool, error) {
	now := s.clock()
	gdb := s.db.WithContext(ctx)
	a, err := s.visibleTo(gdb, residentID, id, now, false)
	if err != nil {
		return nil, false, err
	}
	switch {
	case a.Status == Cancelled:
		return nil, false, ErrCancelled
	case !now.Before(a.SignupDeadline):
		return nil, false, ErrClosed
	}
	for range 3 {
		sg, err := findSignup(gdb, id, residentID)
		if err != nil {
			return nil, false, err
		}
		if sg != nil && sg.Status != Withdrawn {
			v, err := s.mySignup(gdb, a, sg, now)
			return v, true, err
		}
		var made *Signup
		err = s.transact(ctx, func(tx *gorm.DB) error {
			var err error
			made, err = s.applySignUp(tx, a, residentID, sg, now)
			return err
		})
		if errors.Is(err, errRaced) || db.IsDuplicate(err) {
			continue // a concurrent request of the same resident: read again
		}
		if err != nil {
			return nil, false, s.wrap("sign up", err)
		}
		v, err := s.mySignup(gdb, a, made, now)
		return v, false, err
	}
	return nil, false, fmt.Errorf("sign up: %w", errRaced)
}

// applySignUp takes a place (or a place in the queue) with a conditional
// UPDATE of the activity's counters and writes the sign-up, in tx, and
// returns it. prev is the resident's cancelled sign-up, if any, which the
// new one replaces.
func (s *Service) applySignUp(tx *gorm.DB, a *Activity, residentID int64, prev *Signup, now time.Time) (*Signup, error) {
	status := SignupStatus(Confirmed)
	res := tx.Exec(`UPDATE activities SET confirmed = confirmed + 1, updated_at = ?
WHERE id = ? AND status = ? AND signup_deadline > ? AND confirmed < capacity`, now, a.ID, Published, now)
	if res.Error != nil {
		return nil, res.Error
	}
	if res.RowsAffected == 0 {
		status = Waiting
		res = tx.Exec(`UPDATE activities SET waiting = waiting + 1, updated_at = ?
WHERE id = ? AND status = ? AND signup_deadline > ? AND waitlist = ?`, now, a.ID, Published, now, true)
		if res.Error != nil {
			return nil, res.Error
		}
		if res.RowsAffected == 0 {
			return nil, s.whyRefused(tx, a.ID, now)
		}
	}
	if prev != nil {
		res := tx.Where("id = ? AND status = ?", prev.ID, Withdrawn).Delete(&Signup{})
		if res.Error != nil {
			return nil, res.Error
		}
		if res.RowsAffected == 0 {
			return nil, errRaced
		}
	}
	sg := &Signup{ActivityID: a.ID, ResidentID: residentID, Status: status, CreatedAt: now, UpdatedAt: now}
	return sg, tx.Create(sg).Error
}

// whyRefused tells why an activity took no sign-up.
func (s *Service) whyRefused(tx *gorm.DB, id int64, now time.Time) error {
	a, err := s.load(tx, id, false)
	switch {
	case err != nil:
		return err
	case a.Status == Cancelled:
		return ErrCancelled
	case !now.Before(a.SignupDeadline):
		return ErrClosed
	}
	return ErrFull
}

// CancelSignup withdraws a resident's sign-up before the cut-off. A
// confirmed resident's place goes to the first on the waiting list, in the
// same transaction. Cancelling again returns the cancelled sign-up.
// Returns ErrSignupNotFound if they have none (or the activity is not open
// to them), ErrCancelClosed after the cut-off and ErrCheckedIn once they
// checked in.
func (s *Service) CancelSignup(ctx context.Context, residentID, id int64) (*MySignup, error) {
	now := s.clock()
	gdb := s.db.WithContext(ctx)
	a, err := s.visibleTo(gdb, residentID, id, now, true)
	if errors.Is(err, ErrNotFound) {
		return nil, ErrSignupNotFound
	}
	if err != nil {
		return nil, err
	}
	err = s.transact(ctx, func(tx *gorm.DB) error {
		cur, err := s.load(tx, id, true)
		if err != nil {
			return err
		}
		sg, err := findSignup(tx, id, residentID)
		switch {
		case err != nil:
			return err
		case sg == nil:
			return ErrSignupNotFound
		case sg.Status == Withdrawn:
			return nil
		case cur.Status == Cancelled:
			return ErrCancelled
		case sg.CheckedInAt != nil:
			return ErrCheckedIn
		case !now.Before(cur.SignupDeadline):
			return ErrCancelClosed
		}
		res := tx.Model(&Signup{}).Where("id = ? AND status = ?", sg.ID, sg.Status).
			Updates(map[string]any{"status": Withdrawn, "cancelled_at": now, "updated_at": now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return errRaced
		}
		return s.release(tx, cur, sg.Status, now)
	})
	if err != nil {
		return nil, s.wrap("cancel sign-up", err)
	}
	sg, err := findSignup(gdb, id, residentID)
	if err != nil {
		return nil, err
	}
	return s.mySignup(gdb, a, sg, now)
}

// release gives up one sign-up of status at activity a (locked in tx): a
// waiting one leaves the queue; a confirmed one's place goes to the first
// waiting, if any, while the activity is not over.
func (s *Service) release(tx *gorm.DB, a *Activity, status SignupStatus, now time.Time) error {
	col := "confirmed"
	if status == Waiting {
		col = "waiting"
	}
	if err := tx.Exec("UPDATE activities SET "+col+" = "+col+" - 1, updated_at = ? WHERE id = ?", now, a.ID).Error; err != nil {
		return err
	}
	if status != Confirmed || a.Ended(now) || a.Status == Cancelled {
		return nil
	}
	_, err := s.promote(tx, a, 1, now)
	return err
}

// promote confirms up to n waiting sign-ups of activity a, first come
// first served, in tx (which holds the activity's row), tells each promoted
// resident so in the same transaction, and returns how many it confirmed.
func (s *Service) promote(tx *gorm.DB, a *Activity, n int, now time.Time) (int, error) {
	var waiting []Signup
	q := tx.Where("activity_id = ? AND status = ?", a.ID, Waiting).Order("id").Limit(n)
	if s.forUpdate != "" {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	if err := q.Find(&waiting).Error; err != nil {
		return 0, err
	}
	if len(waiting) == 0 {
		return 0, nil
	}
	ids := make([]int64, len(waiting))
	for i, w := range waiting {
		ids[i] = w.ID
	}
	res := tx.Model(&Signup{}).Where("id IN ? AND status = ?", ids, Waiting).
		Updates(map[string]any{"status": Confirmed, "promoted_at": now, "updated_at": now})
	if res.Error != nil {
		return 0, res.Error
	}
	k := int(res.RowsAffected)
	if err := tx.Exec("UPDATE activities SET confirmed = confirmed + ?, waiting = waiting - ?, updated_at = ? WHERE id = ?",
		k, k, now, a.ID).Error; err != nil {
		return 0, err
	}
	for _, w := range waiting {
		if err := s.notifyPromoted(tx, a, w, now); err != nil {
			return 0, err
		}
	}
	return k, nil
}

// notifyPromoted tells a resident that their place on a's waiting list
// became a confirmed one: a fixed system notice naming the activity by
// reference (never its title or place), once per promotion.
func (s *Service) notifyPromoted(tx *gorm.DB, a *Activity, w Signup, now time.Time) error {
	start := a.StartsAt.In(district.Zone)
	return s.notify.SendDirectTx(tx, notify.DirectNotice{
		Kind:  notify.KindActivityPromoted,
		Title: "候补转正通知",
		Body: fmt.Sprintf("您候补的一项活动（%s 开始）已有名额，您的报名已确认。活动详情请在「i福田」小程序的活动页查看；如不能参加，请在那里取消报名。",
			start.Format("1月2日 15:04")),
		Data:     map[string]string{"start": start.Format("2006-01-02 15:04")},
		Target:   &notify.Target{Type: notify.TargetActivity, ID: strconv.FormatInt(a.ID, 10)},
		Category: "activity", ResidentIDs: []int64{w.ResidentID}, DepartmentID: a.DepartmentID,
		Source: fmt.Sprintf("activity:%d:promoted:%d:%d", a.ID, w.ID, now.UnixMilli()),
	})
}
