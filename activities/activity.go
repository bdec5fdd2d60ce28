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
	"github.com/futian/ifutian/internal/district"
	"github.com/futian/ifutian/notify"
	"github.com/futian/ifutian/points"
	"github.com/futian/ifutian/staff"
)

// Activity is an activity a department runs at a place on a street, for
// the residents of its audience. Residents sign up until SignupDeadline
// (by default StartsAt; no later than EndsAt, for a standing activity one
// may join while it runs), Capacity of them confirmed and the rest, with
// Waitlist, waiting in order. Attendees are credited CreditMinutes of
// volunteer hours and points under PointsRule ("" for none).
type Activity struct {
	ID             int64           `json:"id,string"`
	DepartmentID   *int64          `json:"department_id,string"`
	CreatedBy      int64           `json:"created_by,string"`
	Kind           Kind            `json:"kind" doc:"volunteer 志愿服务, legal_education 普法宣传, public_benefit 惠民活动, other 其他"`
	Title          string          `json:"title"`
	Description    string          `json:"description"`
	Place          string          `json:"place"`
	Street         string          `json:"street"`
	Community      string          `json:"community"`
	StartsAt       time.Time       `json:"starts_at"`
	EndsAt         time.Time       `json:"ends_at"`
	SignupDeadline time.Time       `json:"signup_deadline"`
	Capacity       int             `json:"capacity"`
	Confirmed      int             `json:"confirmed"`
	Waiting        int             `json:"waiting"`
	Waitlist       bool            `json:"waitlist"`
	WalkIns        bool            `json:"walk_ins"`
	Audience       notify.Audience `json:"audience" gorm:"serializer:json"`
	PointsRule     string          `json:"points_rule"`
	CreditMinutes  int64           `json:"-"`
	Status         Status          `json:"status"`
	CancelReason   string          `json:"cancel_reason" doc:"kept for staff; never sent to residents"`
	PublishedAt    *time.Time      `json:"published_at"`
	CancelledAt    *time.Time      `json:"cancelled_at"`
	SettledAt      *time.Time      `json:"-"`
	ImageKey       *string         `json:"-"` // its picture (media.Pictures); nil: none
	ThumbKey       *string         `json:"-"`
	CreatedAt      time.Time       `json:"created_at"`
	UpdatedAt      time.Time       `json:"updated_at"`
}

// TableName maps Activity to its table.
func (Activity) TableName() string { return "activities" }

// Ended reports whether the activity is over at now.
func (a *Activity) Ended(now time.Time) bool { return !now.Before(a.EndsAt) }

// Input is an activity as staff write it.
type Input struct {
	Kind           Kind
	Title          string
	Description    string
	Place          string
	Street         string
	Community      string
	StartsAt       time.Time
	EndsAt         time.Time
	SignupDeadline *time.Time // nil: the start
	Capacity       int
	Waitlist       bool
	WalkIns        bool
	Audience       notify.Audience
	PointsRule     string
	Hours          float64
}

// maxDuration is the longest an activity lasts.
const maxDuration = 31 * 24 * time.Hour

// Validate checks an activity's fields against the district's regions at
// now (a new or edited activity must not be over already), and the rules
// that join fields. The limits of each field alone are the API's
// (api.activityInput, activityPatch), checked before.
func (in *Input) Validate(r Regions, now time.Time) error {
	in.Title, in.Place = strings.TrimSpace(in.Title), strings.TrimSpace(in.Place)
	in.PointsRule = strings.TrimSpace(in.PointsRule)
	f := map[string]string{}
	if !r.IsStreet(in.Street) {
		f["street"] = "须为福田区的街道"
	}
	if in.Community != "" && r.StreetOf(in.Community) != in.Street {
		f["community"] = "须为所选街道的社区"
	}
	switch {
	case in.StartsAt.IsZero():
		f["starts_at"] = "必填"
	case in.EndsAt.IsZero():
		f["ends_at"] = "必填"
	case !in.EndsAt.After(in.StartsAt):
		f["ends_at"] = "须晚于 starts_at"
	case in.EndsAt.Sub(in.StartsAt) > maxDuration:
		f["ends_at"] = "活动最长 31 天"
	case !in.EndsAt.After(now):
		f["ends_at"] = "活动已结束"
	}
	if in.SignupDeadline != nil && !in.EndsAt.IsZero() && in.SignupDeadline.After(in.EndsAt) {
		f["signup_deadline"] = "不能晚于 ends_at"
	}
	m := minutesOf(in.Hours)
	switch {
	case !in.StartsAt.IsZero() && in.EndsAt.After(in.StartsAt) && time.Duration(m)*time.Minute > in.EndsAt.Sub(in.StartsAt):
		f["hours"] = "不能超过活动时长"
	}
	if err := in.Audience.Validate(r, "audience."); err != nil {
		var ae *apperr.Error
		if errors.As(err, &ae) {
			for k, v := range ae.Fields {
				f[k] = v
			}
		}
	}
	return apperr.Fields(f)
}

// deadline is the sign-up cut-off of in.
func (in *Input) deadline() time.Time {
	if in.SignupDeadline != nil {
		return in.SignupDeadline.UTC()
	}
	return in.StartsAt.UTC()
}

// checkReach checks what an activity reaches against by: its street and
// its audience must lie within by's streets, and its points rule must be
// one by may grant under. Errors name the field at fault.
func (s *Service) checkReach(ctx context.Context, by staff.Scope, in *Input, ruleChanged bool) error {
	if err := by.CheckReach("street", []string{in.Street}); err != nil {
		return err
	}
	if err := notify.CheckReach(by, in.Audience, s.regions); err != nil {
		return err
	}
	if in.PointsRule == "" || !ruleChanged {
		return nil
	}
	_, err := s.points.UsableRule(ctx, by, in.PointsRule)
	switch {
	case errors.Is(err, points.ErrRuleForbidden):
		return staff.OutOfScope("points_rule", "该积分规则属于其他部门")
	case errors.Is(err, points.ErrRuleNotFound):
		return apperr.Field("points_rule", "积分规则不存在")
	}
	return err
}

// Create makes a draft activity of m's department. Returns an
// invalid_argument error naming the bad fields, or permission_denied naming
// street, audience.streets, audience.communities or points_rule when the
// activity reaches beyond m's scope.
func (s *Service) Create(ctx context.Context, m *staff.Member, in Input) (*Activity, error) {
	now := s.clock()
	if err := in.Validate(s.regions, now); err != nil {
		return nil, err
	}
	by := m.Scope()
	if err := s.checkReach(ctx, by, &in, true); err != nil {
		return nil, err
	}
	a := &Activity{
		DepartmentID: by.Department(), CreatedBy: m.ID, Status: Draft, CreatedAt: now, UpdatedAt: now,
	}
	a.set(&in)
	err := s.transact(ctx, func(tx *gorm.DB) error {
		a.ID = 0
		if err := tx.Create(a).Error; err != nil {
			return err
		}
		staff.AuditTarget(ctx, "activity", strconv.FormatInt(a.ID, 10))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("create activity: %w", err)
	}
	return a, nil
}

// set copies an input's fields onto the activity.
func (a *Activity) set(in *Input) {
	a.Kind, a.Title, a.Description, a.Place = in.Kind, in.Title, in.Description, in.Place
	a.Street, a.Community = in.Street, in.Community
	a.StartsAt, a.EndsAt, a.SignupDeadline = in.StartsAt.UTC(), in.EndsAt.UTC(), in.deadline()
	a.Capacity, a.Waitlist, a.WalkIns = in.Capacity, in.Waitlist, in.WalkIns
	a.Audience, a.PointsRule, a.CreditMinutes = in.Audience, in.PointsRule, minutesOf(in.Hours)
}

// input returns the activity's fields as an Input.
func (a *Activity) input() Input {
	d := a.SignupDeadline
	return Input{
		Kind: a.Kind, Title: a.Title, Description: a.Description, Place: a.Place, Street: a.Street, Community: a.Community,
		StartsAt: a.StartsAt, EndsAt: a.EndsAt, SignupDeadline: &d, Capacity: a.Capacity, Waitlist: a.Waitlist,
		WalkIns: a.WalkIns, Audience: a.Audience, PointsRule: a.PointsRule, Hours: hours(a.CreditMinutes),
	}
}

// Patch changes some of an activity's fields; nil ones are left alone.
type Patch struct {
	Kind           *Kind
	Title          *string
	Description    *string
	Place          *string
	Street         *string
	Community      *string
	StartsAt       *time.Time
	EndsAt         *time.Time
	SignupDeadline *time.Time
	Capacity       *int
	Waitlist       *bool
	WalkIns        *bool
	Audience       *notify.Audience
	PointsRule     *string
	Hours          *float64
}

// Apply sets the patch's fields on in.
func (p *Patch) Apply(in *Input) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	if p.Kind != nil {
		in.Kind = *p.Kind
	}
	set(&in.Title, p.Title)
	set(&in.Description, p.Description)
	set(&in.Place, p.Place)
	set(&in.Street, p.Street)
	set(&in.Community, p.Community)
	set(&in.PointsRule, p.PointsRule)
	if p.Street != nil && p.Community == nil {
		in.Community = "" // the old community is not in the new street
	}
	if p.StartsAt != nil {
		in.StartsAt = *p.StartsAt
	}
	if p.EndsAt != nil {
		in.EndsAt = *p.EndsAt
	}
	if p.SignupDeadline == nil && (p.StartsAt != nil || p.EndsAt != nil) && in.SignupDeadline != nil && in.SignupDeadline.After(in.EndsAt) {
		in.SignupDeadline = &in.StartsAt // the old cut-off is past the new end
	}
	if p.SignupDeadline != nil {
		in.SignupDeadline = p.SignupDeadline
	}
	if p.Capacity != nil {
		in.Capacity = *p.Capacity
	}
	if p.Waitlist != nil {
		in.Waitlist = *p.Waitlist
	}
	if p.WalkIns != nil {
		in.WalkIns = *p.WalkIns
	}
	if p.Audience != nil {
		in.Audience = *p.Audience
	}
	if p.Hours != nil {
		in.Hours = *p.Hours
	}
}

// Update edits an activity within m's scope that is neither cancelled nor
// over. A published activity's capacity can't drop below its confirmed
// sign-ups, nor its waiting list be turned off while someone waits; raising
// the capacity moves waiting residents up, in order. Returns ErrNotFound
// outside m's scope, and the errors of Create.
func (s *Service) Update(ctx context.Context, m *staff.Member, id int64, p Patch) (*Activity, error) {
	by, now := m.Scope(), s.clock()
	a, err := s.owned(s.db.WithContext(ctx), by, id, false)
	if err != nil {
		return nil, err
	}
	switch {
	case a.Status == Cancelled:
		return nil, ErrCancelled
	case a.Ended(now):
		return nil, ErrEnded
	}
	in := a.input()
	p.Apply(&in)
	if err := in.Validate(s.regions, now); err != nil {
		return nil, err
	}
	if err := s.checkReach(ctx, by, &in, in.PointsRule != a.PointsRule); err != nil {
		return nil, err
	}
	err = s.transact(ctx, func(tx *gorm.DB) error {
		cur, err := s.owned(tx, by, id, true)
		if err != nil {
			return err
		}
		switch {
		case cur.Status == Cancelled:
			return ErrCancelled
		case cur.Ended(now):
			return ErrEnded
		case in.Capacity < cur.Confirmed:
			return apperr.Field("capacity", fmt.Sprintf("已有 %d 人报名成功，名额不能少于此数", cur.Confirmed))
		case !in.Waitlist && cur.Waiting > 0:
			return apperr.Field("waitlist", fmt.Sprintf("尚有 %d 人候补，不能关闭候补", cur.Waiting))
		}
		before := *cur
		cur.set(&in)
		cur.UpdatedAt = now
		staff.AuditChanges(ctx, before, *cur)
		if err := tx.Model(&Activity{}).Where("id = ?", id).Select(
			"kind", "title", "description", "place", "street", "community", "starts_at", "ends_at", "signup_deadline",
			"capacity", "waitlist", "walk_ins", "audience", "points_rule", "credit_minutes", "updated_at",
		).Updates(cur).Error; err != nil {
			return err
		}
		if free := cur.Capacity - cur.Confirmed; free > 0 && cur.Waiting > 0 {
			if _, err := s.promote(tx, cur, free, now); err != nil {
				return err
			}
		}
		*a = *cur
		return nil
	})
	if err != nil {
		return nil, s.wrap("update activity", err)
	}
	return s.load(s.db.WithContext(ctx), id, false)
}

// Publish opens a draft activity to its audience. Returns ErrNotFound
// outside m's scope, ErrNotDraft for one already published or cancelled
// and ErrEnded for one that is over.
func (s *Service) Publish(ctx context.Context, m *staff.Member, id int64) (*Activity, error) {
	now := s.clock()
	err := s.transact(ctx, func(tx *gorm.DB) error {
		a, err := s.owned(tx, m.Scope(), id, true)
		if err != nil {
			return err
		}
		if a.Status != Draft {
			return ErrNotDraft
		}
		if a.Ended(now) {
			return ErrEnded
		}
		return tx.Model(&Activity{}).Where("id = ?", id).
			Updates(map[string]any{"status": Published, "published_at": now, "updated_at": now}).Error
	})
	if err != nil {
		return nil, s.wrap("publish activity", err)
	}
	return s.load(s.db.WithContext(ctx), id, false)
}

// Cancel cancels an activity that is not over and tells everyone signed up
// (confirmed or waiting) by a system notice naming the activity, in the
// same transaction; the reason is kept for staff and never sent.
// Cancelling a cancelled activity changes nothing. Returns ErrNotFound
// outside m's scope and ErrEnded for one that is over.
func (s *Service) Cancel(ctx context.Context, m *staff.Member, id int64, reason string) (*Activity, error) {
	reason = strings.TrimSpace(reason)
	now := s.clock()
	var a *Activity
	err := s.transact(ctx, func(tx *gorm.DB) error {
		var err error
		if a, err = s.owned(tx, m.Scope(), id, true); err != nil {
			return err
		}
		if a.Status != Cancelled && a.Ended(now) {
			return ErrEnded
		}
		if a.Status != Cancelled {
			if err := tx.Model(&Activity{}).Where("id = ?", id).
				Updates(map[string]any{"status": Cancelled, "cancel_reason": reason, "cancelled_at": now, "updated_at": now}).Error; err != nil {
				return err
			}
		}
		if a.PublishedAt == nil {
			return nil // a draft: nobody signed up
		}
		return s.notifyCancelled(tx, a)
	})
	if err != nil {
		return nil, s.wrap("cancel activity", err)
	}
	return s.load(s.db.WithContext(ctx), id, false)
}

// notifyCancelled sends the fixed cancellation notice to everyone signed
// up for a, in tx (with the cancellation), once (its Source).
func (s *Service) notifyCancelled(tx *gorm.DB, a *Activity) error {
	var ids []int64
	if err := tx.Model(&Signup{}).Where("activity_id = ? AND status IN ?", a.ID, []string{Confirmed, Waiting}).
		Order("id").Pluck("resident_id", &ids).Error; err != nil {
		return err
	}
	// A fixed text: the activity's title and place are an editor's words,
	// published without review, so the notice names the activity by
	// reference and the resident opens it in the app.
	start := a.StartsAt.In(district.Zone)
	return s.notify.SendDirectTx(tx, notify.DirectNotice{
		Kind:  notify.KindActivityCancelled,
		Title: "活动取消通知",
		Body: fmt.Sprintf("您报名的一项活动（原定 %s 开始）已取消，给您带来不便，敬请谅解。活动详情请在「i福田」小程序的活动页查看。",
			start.Format("1月2日 15:04")),
		Data:     map[string]string{"start": start.Format("2006-01-02 15:04")},
		Target:   &notify.Target{Type: notify.TargetActivity, ID: strconv.FormatInt(a.ID, 10)},
		Category: "activity", ResidentIDs: ids, DepartmentID: a.DepartmentID,
		Source: fmt.Sprintf("activity:%d:cancelled", a.ID),
	})
}

// wrap adds context to an unexpected error and leaves the module's errors
// as they are.
func (s *Service) wrap(op string, err error) error {
	if apperr.CodeOf(err) != "" {
		return err
	}
	return fmt.Errorf("%s: %w", op, err)
}
