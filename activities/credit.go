package activities

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/points"
	"github.com/futian/ifutian/staff"
)

// Kinds of volunteer hours entries.
const (
	EntryCredit     = "credit"     // credited for attending
	EntryAdjustment = "adjustment" // a correction by staff, plus or minus
)

// Outcomes of a sign-up's points grant.
const (
	PointsPending = "pending" // credited; the grant is still to be made (or retried)
	PointsGranted = "granted"
	PointsRefused = "refused" // by the points module: a cap, an inactive rule; see the detail
)

// HoursEntry is one row of the append-only ledger of volunteer hours: a
// credit for attending an activity, or a staff adjustment of it. A
// resident's hours are the sum of their entries.
type HoursEntry struct {
	ID         int64     `json:"id,string"`
	ResidentID int64     `json:"resident_id,string"`
	ActivityID int64     `json:"activity_id,string"`
	Kind       string    `json:"kind"`
	Minutes    int64     `json:"-"`
	Hours      float64   `json:"hours" gorm:"-"`
	Reason     string    `json:"reason"`
	StaffID    *int64    `json:"staff_id,string"`
	Idem       *string   `json:"-"`
	CreatedAt  time.Time `json:"created_at"`
}

// TableName maps HoursEntry to its table.
func (HoursEntry) TableName() string { return "volunteer_hours" }

// credit credits a resident's attendance at a with what it earned (minutes
// of volunteer hours, and the points grant marked pending, or refused as
// too short) in tx, once: it reports whether it did, false if the sign-up
// was credited before.
func (s *Service) credit(tx *gorm.DB, a *Activity, sg *Signup, e earning, reason string, now time.Time) (bool, error) {
	fields := map[string]any{"credited_at": now, "points_status": "", "updated_at": now}
	switch {
	case a.PointsRule == "":
	case e.points:
		fields["points_status"] = PointsPending
	default:
		fields["points_status"], fields["points_detail"] = PointsRefused, detailTooShort
	}
	res := tx.Model(&Signup{}).Where("id = ? AND credited_at IS NULL", sg.ID).Updates(fields)
	if res.Error != nil {
		return false, res.Error
	}
	if res.RowsAffected == 0 {
		return false, nil
	}
	// Adjustments made before the credit count against the activity's
	// length too (the sign-up's row, updated above, orders them).
	total, err := s.totalMinutes(tx, a.ID, sg.ResidentID)
	if err != nil {
		return false, err
	}
	minutes := min(e.minutes, max(0, bound(a)-total))
	if minutes > 0 {
		idem := fmt.Sprintf("credit:%d:%d", a.ID, sg.ResidentID)
		if err := tx.Create(&HoursEntry{
			ResidentID: sg.ResidentID, ActivityID: a.ID, Kind: EntryCredit, Minutes: minutes, Reason: reason,
			Idem: &idem, CreatedAt: now,
		}).Error; err != nil {
			return false, err
		}
	}
	return true, nil
}

// externalID is the points grant's event: one per resident and activity
// (the points module's key is rule and external ID across residents).
func externalID(activityID, residentID int64) string {
	return fmt.Sprintf("activity:%d:%d", activityID, residentID)
}

// grantPoints makes a credited sign-up's points grant, as the activity's
// department, and records its outcome. The grant is idempotent, so it may
// be repeated (by Settle) until it is decided; an unexpected failure
// leaves it pending.
func (s *Service) grantPoints(ctx context.Context, a *Activity, sg *Signup) error {
	if a.PointsRule == "" || sg.PointsStatus != PointsPending {
		return nil
	}
	t, _, err := s.points.Grant(ctx, staff.DepartmentScope(a.DepartmentID), points.AwardRequest{
		ResidentID: sg.ResidentID, RuleCode: a.PointsRule, ExternalID: externalID(a.ID, sg.ResidentID),
		Note: "参加活动：" + truncate(a.Title, 60),
	})
	fields := map[string]any{"updated_at": s.clock()}
	var ae *apperr.Error
	switch {
	case err == nil:
		fields["points_status"], fields["points_tx_id"], fields["points_awarded"] = PointsGranted, t.ID, t.Delta
	case errors.As(err, &ae) && ae.Code != apperr.Unavailable: // a busy ledger is no refusal: it stays pending
		detail, _ := ae.Details["reason"].(string)
		if detail == "" {
			detail = refusalOf(err)
		}
		fields["points_status"], fields["points_detail"] = PointsRefused, detail
	default:
		return fmt.Errorf("grant activity points: %w", err)
	}
	return s.db.WithContext(ctx).Model(&Signup{}).Where("id = ? AND points_status = ?", sg.ID, PointsPending).Updates(fields).Error
}

// refusalOf names a refused grant for the roster.
func refusalOf(err error) string {
	switch {
	case errors.Is(err, points.ErrRuleNotFound):
		return "rule_not_found"
	case errors.Is(err, points.ErrRuleInactive):
		return "rule_inactive"
	case errors.Is(err, points.ErrRuleForbidden):
		return "rule_forbidden"
	case errors.Is(err, points.ErrResidentNotFound):
		return "resident_not_found"
	}
	return apperr.CodeOf(err)
}

func truncate(v string, n int) string {
	if utf8.RuneCountInString(v) <= n {
		return v
	}
	return string([]rune(v)[:n])
}

// Settle credits, with the scheduled hours, everyone still checked in at
// activities whose check-out has closed (CheckoutGrace after their end),
// and marks them settled; it then retries points grants left pending. It
// is idempotent and returns how many sign-ups it credited.
func (s *Service) Settle(ctx context.Context) (int, error) {
	now := s.clock()
	gdb := s.db.WithContext(ctx)
	var as []Activity
	if err := gdb.Where("status = ? AND settled_at IS NULL AND ends_at <= ?", Published, now.Add(-CheckoutGrace)).
		Order("id").Limit(100).Find(&as).Error; err != nil {
		return 0, fmt.Errorf("settle activities: %w", err)
	}
	credited := 0
	for i := range as {
		a := &as[i]
		var sgs []Signup
		if err := gdb.Where("activity_id = ? AND checked_in_at IS NOT NULL AND credited_at IS NULL", a.ID).Order("id").Find(&sgs).Error; err != nil {
			return credited, fmt.Errorf("settle activity %d: %w", a.ID, err)
		}
		for j := range sgs {
			sg := &sgs[j]
			var did bool
			err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
				var err error
				did, err = s.credit(tx, a, sg, scheduled(a), "活动结束", now)
				return err
			})
			if err != nil {
				return credited, fmt.Errorf("settle activity %d: %w", a.ID, err)
			}
			if !did {
				continue // a check-out or another instance's round was first
			}
			credited++
			if a.PointsRule != "" {
				sg.PointsStatus = PointsPending
				if err := s.grantPoints(ctx, a, sg); err != nil {
					return credited, err
				}
			}
		}
		if err := gdb.Model(&Activity{}).Where("id = ? AND settled_at IS NULL", a.ID).Update("settled_at", now).Error; err != nil {
			return credited, fmt.Errorf("settle activity %d: %w", a.ID, err)
		}
	}
	// Grants of credits made at least a minute ago that are still pending:
	// left by a failure after the credit committed.
	var pending []Signup
	if err := gdb.Where("points_status = ? AND credited_at <= ?", PointsPending, now.Add(-time.Minute)).
		Order("id").Limit(500).Find(&pending).Error; err != nil {
		return credited, fmt.Errorf("retry points grants: %w", err)
	}
	for i := range pending {
		sg := &pending[i]
		a, err := s.load(gdb, sg.ActivityID, false)
		if err != nil {
			return credited, err
		}
		if err := s.grantPoints(ctx, a, sg); err != nil {
			return credited, err
		}
	}
	return credited, nil
}

// Run settles activities every interval until ctx ends. onErr, if not nil,
// hears of each round's failure.
func (s *Service) Run(ctx context.Context, interval time.Duration, onErr func(error)) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := s.Settle(ctx); err != nil && ctx.Err() == nil && onErr != nil {
			onErr(err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}
