package enterprises

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/staff"
)

// Objection statuses.
const (
	ObjectionPending  Status = "pending"
	ObjectionApproved Status = "approved"
	ObjectionRejected Status = "rejected"
)

// ObjectionInput is what a member files against a factor of their
// enterprise's rating (the body of POST /enterprises/{uscc}/objections).
type ObjectionInput struct {
	FactorID int64  `json:"factor_id,string" binding:"required" example:"1" doc:"the disputed factor's ID (a factor of the current rating)"`
	Reason   string `json:"reason" binding:"required,max=1000" example:"该处罚已撤销"`
}

// Decision is an officer's decision on an objection (the body of POST
// /admin/objections/{id}/decide).
type Decision struct {
	Approve *bool  `json:"approve" binding:"required" doc:"true upholds the objection: its credit record stops counting for good"`
	Reason  string `json:"reason" binding:"required,max=500" doc:"why, in words the objector reads in the app (the decision's notice is a fixed text and does not carry it); blank is 400 naming reason"`
}

// Objection is a member's objection to one factor (credit record) of their
// enterprise's rating. An officer decides it; approval removes the record
// from every later rating and re-rates at once. One pending objection per
// record at a time.
type Objection struct {
	ID             int64      `json:"id,string"`
	EnterpriseID   int64      `json:"-"`
	CreditRecordID int64      `json:"factor_id,string"`
	ResidentID     int64      `json:"resident_id,string"`
	Reason         string     `json:"reason" doc:"the objector's reason; empty once the resident deleted their account"`
	Status         Status     `json:"status"`
	DecidedBy      *int64     `json:"-"`
	DecidedAt      *time.Time `json:"decided_at"`
	// DecisionReason is the officer's reason for the decision, which the
	// objector reads in the app; it is never pushed in a notice.
	DecisionReason string    `json:"decision_reason" doc:"the officer's reason for the decision, shown to the objector in the app (never pushed); empty while pending"`
	CreatedAt      time.Time `json:"created_at"`
}

// TableName maps Objection to the credit_objections table.
func (Objection) TableName() string { return "credit_objections" }

// ObjectionResult is an objection and, once decided, the enterprise's
// rating after the decision.
type ObjectionResult struct {
	Objection
	USCC   string      `json:"uscc"`
	Rating *RatingView `json:"rating,omitempty" doc:"after a decision: the enterprise's rating (re-rated if approved)"`
}

// Object files a member's objection to a factor of the enterprise's
// current rating. Returns invalid_argument for an empty reason or a factor
// that is not in the current rating, ErrNotMember unless the resident is an
// approved member, and ErrPendingExists if the factor already has a pending
// objection.
func (s *Service) Object(ctx context.Context, residentID int64, code string, factorID int64, reason string) (*ObjectionResult, error) {
	e, err := s.memberOf(ctx, residentID, code)
	if err != nil {
		return nil, err
	}
	in := ObjectionInput{FactorID: factorID, Reason: reason}
	fields := tagged(&in)
	checkText(fields, "reason", &in.Reason, true)
	reason = in.Reason
	if err := apperr.Fields(fields); err != nil {
		return nil, err
	}
	cur, err := s.current(ctx, e.ID)
	if err != nil {
		return nil, err
	}
	found := false
	for _, f := range cur.Factors {
		found = found || f.ID == factorID
	}
	if !found {
		return nil, apperr.Field("factor_id", "不是该企业当前评级的因素")
	}
	var o Objection
	err = db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		// Lock the record so two objections to it serialize.
		var rec CreditRecord
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Take(&rec, "id = ? AND enterprise_id = ?", factorID, e.ID).Error; err != nil {
			return fmt.Errorf("lock credit record: %w", err)
		}
		var n int64
		if err := tx.Model(&Objection{}).Where("credit_record_id = ? AND status = ?", factorID, ObjectionPending).Count(&n).Error; err != nil {
			return fmt.Errorf("count objections: %w", err)
		}
		if n > 0 {
			return ErrPendingExists
		}
		o = Objection{EnterpriseID: e.ID, CreditRecordID: factorID, ResidentID: residentID, Reason: reason,
			Status: ObjectionPending, CreatedAt: s.now().UTC()}
		if err := tx.Create(&o).Error; err != nil {
			return fmt.Errorf("create objection: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ObjectionResult{Objection: o, USCC: e.USCC}, nil
}

// DecideObjection upholds (approve) or rejects a pending objection. An
// upheld objection revokes its credit record and re-rates the enterprise
// at once. Only the department that wrote the record decides (a
// district-wide record: the district), and street-scoped members only for
// enterprises in their streets; others' objections are ErrObjectionGone,
// as are unknown ones. reason, which the objector reads, is required.
// Returns invalid_argument naming reason for a blank or overlong one, and
// ErrDecided if the objection is no longer pending.
func (s *Service) DecideObjection(ctx context.Context, by *staff.Member, id int64, approve bool, reason string) (*ObjectionResult, error) {
	d := Decision{Approve: &approve, Reason: reason}
	fields := tagged(&d)
	checkText(fields, "reason", &d.Reason, true)
	reason = d.Reason
	if err := apperr.Fields(fields); err != nil {
		return nil, err
	}
	var o Objection
	if err := s.db.WithContext(ctx).Take(&o, "id = ?", id).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, ErrObjectionGone
		}
		return nil, fmt.Errorf("find objection: %w", err)
	}
	var rec CreditRecord
	if err := s.db.WithContext(ctx).Take(&rec, "id = ?", o.CreditRecordID).Error; err != nil {
		return nil, fmt.Errorf("find disputed record: %w", err)
	}
	e, err := s.FindByID(ctx, o.EnterpriseID)
	if err != nil {
		return nil, err
	}
	if !by.Scope().Covers(rec.DepartmentID, e.Street) {
		return nil, ErrObjectionGone
	}
	status := ObjectionRejected
	if approve {
		status = ObjectionApproved
	}
	err = db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		if err := lockEnterprise(tx, e.ID); err != nil {
			return err
		}
		now := s.now().UTC()
		res := tx.Model(&Objection{}).Where("id = ? AND status = ?", id, ObjectionPending).
			Updates(map[string]any{"status": status, "decided_by": by.ID, "decided_at": now, "decision_reason": reason})
		if res.Error != nil {
			return fmt.Errorf("decide objection: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return ErrDecided
		}
		staff.AuditDetail(ctx, "objection "+strconv.FormatInt(id, 10)+" "+string(status))
		if err := s.tellMembersTx(tx, e.ID, objectionNotice(e, &o, &rec, approve), o.ResidentID); err != nil {
			return err
		}
		if !approve {
			return nil
		}
		if err := tx.Model(&CreditRecord{}).Where("id = ? AND revoked_at IS NULL", o.CreditRecordID).
			Update("revoked_at", now).Error; err != nil {
			return fmt.Errorf("revoke credit record: %w", err)
		}
		_, err := s.rateTx(tx, e.ID, CauseObjection)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.noticesNow(ctx, "enterprise_id = ?", e.ID)
	if err := s.db.WithContext(ctx).Take(&o, "id = ?", id).Error; err != nil {
		return nil, fmt.Errorf("reload objection: %w", err)
	}
	e, err = s.FindByID(ctx, e.ID)
	if err != nil {
		return nil, err
	}
	v := viewOf(e)
	return &ObjectionResult{Objection: o, USCC: e.USCC, Rating: &v}, nil
}
