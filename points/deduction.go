package points

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/check"
	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/internal/text"
	"github.com/futian/ifutian/notify"
	"github.com/futian/ifutian/staff"
)

// DeductRequest takes points from a resident for a published enforcement
// case. The same CaseRef for the same resident is deducted once, compared
// by text.Key. Its tags state its limits (the API binds it; Deduct checks
// it again for its other callers).
type DeductRequest struct {
	ResidentID int64  `json:"resident_id,string" binding:"required" example:"1"`
	Points     int64  `json:"points" binding:"required,min=1,max=10000" example:"10"`
	CaseRef    string `json:"case_ref" binding:"required,max=64" doc:"the published enforcement case's reference" example:"深福城管罚〔2026〕8号"`
	Reason     string `json:"reason" binding:"required,max=200" doc:"shown to the resident in their ledger, never pushed" example:"违规停放共享单车"`
	RuleCode   string `json:"rule_code" binding:"max=32" doc:"optional: the deduction rule (kind deduct) the case falls under, one the caller's department may use; under a repairable rule the resident is offered its repair course (学法修复)" example:"traffic_bike_parking"`
}

// Validate checks a deduction's fields: its tags, and a case reference
// whose key (text.Key) is neither empty nor too long for the ledger's idem.
func (r *DeductRequest) Validate() error {
	if err := check.Struct(r); err != nil {
		return err
	}
	switch k := text.Key(r.CaseRef); {
	case k == "":
		return apperr.Field("case_ref", "须为 1–64 个字符")
	case len(k) > 128: // idem holds it: VARCHAR(191)
		return apperr.Field("case_ref", "不能含过多全角或兼容字符")
	}
	return nil
}

// Deduct posts a deduction on behalf of actor, whose scope must cover the
// resident's street (else ErrResidentNotFound; a nil actor covers nothing),
// attributed to the department of that scope. It is the only posting that
// may take a balance below zero. The deduction's appeal deadline is fixed
// (AppealDeadline) and, in the same transaction, the resident is sent a
// system notice of it (KindDeductionRecorded) naming the case, the points
// and the deadline. Idempotent on resident+CaseRef: a repeat returns the
// first transaction with repeated = true and notifies nobody again.
func (s *Service) Deduct(ctx context.Context, actor *staff.Member, req DeductRequest) (t *Transaction, repeated bool, err error) {
	req.CaseRef = strings.TrimSpace(req.CaseRef)
	req.Reason = strings.TrimSpace(req.Reason)
	if err := req.Validate(); err != nil {
		return nil, false, err
	}
	sc := actor.Scope()
	req.RuleCode = strings.TrimSpace(req.RuleCode)
	var rule *Rule
	if req.RuleCode != "" {
		r, err := s.rule(ctx, req.RuleCode)
		if err != nil {
			return nil, false, err
		}
		switch {
		case r.Kind != DeductRule:
			return nil, false, ErrNotDeductionRule
		case !sc.MayUse(r.DepartmentID):
			return nil, false, ErrRuleForbidden
		case !r.activeAt(s.now()):
			return nil, false, ErrRuleInactive
		}
		rule = r
	}
	// One case, one deduction: look-alike spellings of a case reference
	// (full-width digits, a trailing U+200B, another case) share its key.
	idem := strconv.FormatInt(req.ResidentID, 10) + "/" + text.Key(req.CaseRef)
	err = s.transact(ctx, func(tx *gorm.DB) error {
		t, repeated = nil, false
		a, err := s.lock(tx, req.ResidentID)
		if err != nil {
			return err
		}
		if !sc.CoversStreet(a.street) {
			return ErrResidentNotFound
		}
		if prev, err := findTransaction(tx, Deduct, idem); err != nil || prev != nil {
			t, repeated = prev, prev != nil
			return err
		}
		ref, now := req.CaseRef, s.now().UTC()
		deadline := AppealDeadline(now)
		t = &Transaction{
			Delta: -req.Points, Kind: Deduct, Idem: idem, CaseRef: &ref, Reason: req.Reason,
			StaffID: staffID(actor), DepartmentID: sc.Department(), AppealDeadline: &deadline, CreatedAt: now,
		}
		if rule != nil {
			t.RuleCode, t.RuleVersion = &rule.Code, &rule.Version
		}
		if err := s.debit(tx, a, t); err != nil {
			return err
		}
		rp := newRepair(t, rule)
		if rp != nil {
			if err := tx.Create(rp).Error; err != nil {
				return err
			}
			t.Repair = rp.view("", now)
		}
		staff.AuditTarget(ctx, "transactions", strconv.FormatInt(t.ID, 10))
		staff.AuditDetail(ctx, "deduction, case "+ref)
		return s.tell(tx, deductionNotice(t, t.DepartmentID, rp))
	})
	if err != nil {
		if apperr.CodeOf(err) != "" {
			return nil, false, err
		}
		return nil, false, fmt.Errorf("deduct points: %w", err)
	}
	withDeadline(t)
	if repeated {
		one := []Transaction{*t}
		if err := s.withRepairs(ctx, one); err != nil {
			return nil, false, err
		}
		t = &one[0]
	}
	return t, repeated, nil
}

// tell sends a system notice in tx, when the service has a notifier.
func (s *Service) tell(tx *gorm.DB, d notify.DirectNotice) error {
	if s.notify == nil {
		return nil
	}
	return s.notify.SendDirectTx(tx, d)
}

// AppealStatus is where an appeal stands.
type AppealStatus string

// The statuses of an appeal.
const (
	AppealPending  AppealStatus = "pending"
	AppealApproved AppealStatus = "approved"
	AppealRejected AppealStatus = "rejected"
)

// Enum lists the statuses.
func (AppealStatus) Enum() []string {
	return []string{string(AppealPending), string(AppealApproved), string(AppealRejected)}
}

// Appeal is a resident's objection to a deduction. Status is pending,
// approved or rejected; an approved appeal has reversed the deduction.
type Appeal struct {
	ID            int64        `json:"id,string"`
	ResidentID    int64        `json:"resident_id,string"`
	TransactionID int64        `json:"transaction_id,string"`
	DepartmentID  *int64       `json:"department_id,string"`
	Reason        string       `json:"reason" doc:"the resident's reason"`
	Status        AppealStatus `json:"status"`
	Note          string       `json:"note" doc:"the decision's explanation (shown to the resident, never pushed)"`
	DecidedBy     *int64       `json:"-"`
	DecidedAt     *time.Time   `json:"decided_at"`
	CreatedAt     time.Time    `json:"created_at"`
}

// TableName maps Appeal to its table.
func (Appeal) TableName() string { return "point_appeals" }

// AppealInput is a resident's appeal against one of their deductions.
type AppealInput struct {
	TransactionID int64  `json:"transaction_id,string" binding:"required" doc:"the deduction appealed against" example:"1"`
	Reason        string `json:"reason" binding:"required,max=500" example:"当日不在现场"`
}

// CreateAppeal files a resident's appeal against one of their own
// deductions. Returns an invalid_argument naming transaction_id for
// another resident's transaction, ErrNotDeduction for anything but a
// deduction, ErrAppealExists for a second appeal against the same
// deduction and ErrAppealWindowClosed once the deduction's appeal deadline
// has passed.
func (s *Service) CreateAppeal(ctx context.Context, residentID int64, in AppealInput) (*Appeal, error) {
	if err := check.Struct(&in); err != nil {
		return nil, err
	}
	transactionID, reason := in.TransactionID, strings.TrimSpace(in.Reason)
	gdb := s.db.WithContext(ctx)
	var ts []Transaction
	if err := gdb.Where("id = ? AND resident_id = ?", transactionID, residentID).Limit(1).Find(&ts).Error; err != nil {
		return nil, fmt.Errorf("create appeal: %w", err)
	}
	if len(ts) == 0 {
		return nil, apperr.Field("transaction_id", "交易记录不存在")
	}
	if ts[0].Kind != Deduct {
		return nil, ErrNotDeduction
	}
	if !s.now().Before(deadlineOf(&ts[0])) {
		return nil, ErrAppealWindowClosed
	}
	// A repaired deduction's restored points are not appealed again.
	st, err := repairStatusOf(gdb, transactionID)
	if err != nil {
		return nil, fmt.Errorf("create appeal: %w", err)
	}
	if err := decideAppealOnRepair(st); err != nil {
		return nil, err
	}
	ap := &Appeal{
		ResidentID: residentID, TransactionID: transactionID, DepartmentID: ts[0].DepartmentID,
		Reason: reason, Status: "pending", CreatedAt: s.now().UTC(),
	}
	if err := gdb.Create(ap).Error; err != nil {
		if db.IsDuplicate(err) {
			return nil, ErrAppealExists
		}
		return nil, fmt.Errorf("create appeal: %w", err)
	}
	return ap, nil
}

// DecideAppeal approves or rejects a pending appeal on behalf of actor,
// whose scope must own the department that made the deduction (a
// district-wide deduction is the district's) and cover the resident's
// street. Approval posts a reverse transaction giving the points back,
// attributed to the deduction's department. In the same transaction the
// resident is sent a system notice of the decision (KindAppealDecided);
// the note is shown in their appeals, not pushed. Returns ErrNotFound for
// an appeal outside actor's scope (a nil actor covers nothing), as for a
// missing one, and ErrAppealDecided for a decided one.
func (s *Service) DecideAppeal(ctx context.Context, actor *staff.Member, appealID int64, approve bool, note string) (*Appeal, error) {
	note = strings.TrimSpace(note)
	var aps []Appeal
	if err := s.db.WithContext(ctx).Where("id = ?", appealID).Limit(1).Find(&aps).Error; err != nil {
		return nil, fmt.Errorf("decide appeal: %w", err)
	}
	if len(aps) == 0 {
		return nil, ErrNotFound
	}
	ap := aps[0]
	sc := actor.Scope()
	if !sc.OwnsDepartment(ap.DepartmentID) {
		return nil, ErrNotFound
	}
	err := s.transact(ctx, func(tx *gorm.DB) error {
		// Lock the resident first, as every posting does (a read before the
		// lock would fix a stale snapshot), then claim the appeal with a
		// conditional update: one decision wins.
		a, err := s.lock(tx, ap.ResidentID)
		if err != nil && (a == nil || !apperrIs(err, ErrResidentNotFound)) {
			return err
		}
		deleted := err != nil
		// A street-scoped member decides only for residents of their
		// streets, as for the deduction itself.
		if !deleted && !sc.CoversStreet(a.street) {
			return ErrNotFound
		}
		now := s.now().UTC()
		status := AppealRejected
		if approve {
			status = AppealApproved
		}
		res := tx.Exec("UPDATE point_appeals SET status = ?, note = ?, decided_by = ?, decided_at = ? WHERE id = ? AND status = 'pending'",
			status, note, actor.ID, now, ap.ID)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrAppealDecided
		}
		ap.Status, ap.Note, ap.DecidedBy, ap.DecidedAt = status, note, &actor.ID, &now
		staff.AuditDetail(ctx, "appeal "+string(status))
		if deleted {
			return nil
		}
		var d Transaction
		if err := tx.Take(&d, ap.TransactionID).Error; err != nil {
			return err
		}
		// What a repair restored is not given back twice.
		restored, err := restoredOf(tx, d.ID)
		if err != nil {
			return err
		}
		back := appealReversal(-d.Delta, restored)
		if approve && back > 0 {
			err := s.credit(tx, a, &Transaction{
				Delta: back, Kind: Reverse, Idem: "appeal/" + strconv.FormatInt(ap.ID, 10), CaseRef: d.CaseRef,
				Reason: orDefault(note, "申诉成立，撤销扣分"), StaffID: &actor.ID, DepartmentID: ap.DepartmentID,
				ExpiresAt: d.RestoreExpiresAt, CreatedAt: now,
			})
			if err != nil {
				return err
			}
		}
		return s.tell(tx, appealDecidedNotice(&ap, &d, back))
	})
	if err != nil {
		if apperr.CodeOf(err) != "" {
			return nil, err
		}
		return nil, fmt.Errorf("decide appeal: %w", err)
	}
	return &ap, nil
}

func apperrIs(err error, target *apperr.Error) bool {
	e, ok := err.(*apperr.Error)
	return ok && e.Is(target)
}
