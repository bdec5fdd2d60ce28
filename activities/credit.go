package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/jobs"
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
	PointsPending = "pending" // credited; the grant is queued (JobGrant) or being retried
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
	Kind       EntryKind `json:"kind"`
	Minutes    int64     `json:"-"`
	Hours      float64   `json:"hours" gorm:"-" doc:"an adjustment may be negative"`
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
	// length too. The sign-up's row, updated above, orders them: every
	// adjustment locks it first, so one committed before this lock is
	// seen by this transaction's first plain read, and a later one waits
	// for the commit. A locking read here would take gap locks on the
	// hours index that concurrent check-outs of other residents insert
	// into, and deadlock them (seen on MariaDB in TestCreditedOnce).
	total, err := s.sumMinutes(tx, a.ID, sg.ResidentID)
	if err != nil {
		return false, err
	}
	minutes := min(e.minutes, max(0, bound(a)-total))
	if fields["points_status"] == PointsPending {
		if err := jobs.Enqueue(tx, JobGrant, externalID(a.ID, sg.ResidentID), grantJob{ActivityID: a.ID, ResidentID: sg.ResidentID}); err != nil {
			return false, err
		}
	}
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

// JobGrant is the kind of the jobs granting a credited sign-up's points.
const JobGrant = "activities.grant"

type grantJob struct {
	ActivityID int64 `json:"activity_id,string"`
	ResidentID int64 `json:"resident_id,string"`
}

// RegisterJobs registers the handlers of the kinds activities owns with q
// and has activities run its jobs there at once after they commit.
func (s *Service) RegisterJobs(q *jobs.Queue) {
	q.Register(JobGrant, s.runGrant)
	s.jobs = q
}

// grantNow runs the grant job of sg at once, if it is pending; an error
// stays with the job, which the queue retries. It reports whether the
// grant was decided.
func (s *Service) grantNow(ctx context.Context, a *Activity, sg *Signup) bool {
	if s.jobs == nil || sg.PointsStatus != PointsPending {
		return false
	}
	return s.jobs.RunKey(context.WithoutCancel(ctx), JobGrant, externalID(a.ID, sg.ResidentID)) == nil
}

// runGrant makes the points grant of a credited sign-up.
func (s *Service) runGrant(ctx context.Context, payload []byte) error {
	var j grantJob
	if err := json.Unmarshal(payload, &j); err != nil {
		return jobs.Permanent(fmt.Errorf("bad grant payload %q", payload))
	}
	gdb := s.db.WithContext(ctx)
	a, err := s.load(gdb, j.ActivityID, false)
	if err != nil {
		return err
	}
	sg, err := findSignup(gdb, j.ActivityID, j.ResidentID)
	if err != nil || sg == nil {
		return err // a sign-up erased with its resident: nothing to grant
	}
	return s.grantPoints(ctx, a, sg)
}

// grantPoints makes a credited sign-up's points grant, as the activity's
// department, and records its outcome. The grant is idempotent, so its job
// may run again until it is decided; an unexpected failure leaves it
// pending and is returned, for the queue to retry.
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
// and marks them settled; their points grants are jobs queued with each
// credit. It is idempotent and returns how many sign-ups it credited.
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
			credited++ // its points grant is a job, queued with the credit
		}
		if err := gdb.Model(&Activity{}).Where("id = ? AND settled_at IS NULL", a.ID).Update("settled_at", now).Error; err != nil {
			return credited, fmt.Errorf("settle activity %d: %w", a.ID, err)
		}
	}
	return credited, nil
}
