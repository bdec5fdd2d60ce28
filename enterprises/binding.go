package enterprises

import (
	"context"
	"errors"
	"fmt"
	"time"

	"slices"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/check"
	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/staff"
)

// Status is where a binding or an objection stands: pending until a
// credit officer decides, then approved or rejected.
type Status string

// Enum lists the statuses.
func (Status) Enum() []string {
	return []string{string(BindingPending), string(BindingApproved), string(BindingRejected)}
}

// Role is what a resident asks to be to an enterprise.
type Role string

// Enum lists the roles.
func (Role) Enum() []string { return []string{string(RoleLegalRep), string(RoleAgent)} }

// Binding statuses and roles.
const (
	BindingPending  Status = "pending"
	BindingApproved Status = "approved"
	BindingRejected Status = "rejected"

	RoleLegalRep Role = "legal_rep"
	RoleAgent    Role = "agent"
)

// Binding is a resident's request to act for an enterprise. Only an
// approved binding makes the resident a member: they then see the
// enterprise's score, factors and history, may object and see benefits.
// A resident has at most one binding per enterprise.
type Binding struct {
	ID             int64      `json:"id,string"`
	EnterpriseID   int64      `json:"-"`
	ResidentID     int64      `json:"resident_id,string"`
	USCC           string     `json:"uscc" gorm:"->;column:uscc"`
	EnterpriseName string     `json:"enterprise_name" gorm:"->"`
	Role           Role       `json:"role"`
	Status         Status     `json:"status"`
	DecidedBy      *int64     `json:"-"`
	DecidedAt      *time.Time `json:"decided_at"`
	CreatedAt      time.Time  `json:"created_at"`
}

// TableName maps Binding to the enterprise_bindings table.
func (Binding) TableName() string { return "enterprise_bindings" }

// RequestBinding asks for the resident to be bound to an enterprise in a
// role (legal_rep or agent). Asking again while pending or approved returns
// the existing binding unchanged (created false); after a rejection it asks
// anew. Returns invalid_argument for a bad code or role and ErrNotFound for
// an unknown enterprise.
func (s *Service) RequestBinding(ctx context.Context, residentID int64, code string, role Role) (*Binding, bool, error) {
	if !slices.Contains(role.Enum(), string(role)) {
		return nil, false, apperr.Field("role", check.OneOfMessage(role.Enum()))
	}
	e, err := s.FindByUSCC(ctx, code)
	if err != nil {
		return nil, false, err
	}
	var created bool
	var id int64
	err = db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		created = false
		// Requests for one enterprise serialize on its row, taken
		// before the binding's (see lockEnterprise).
		if err := lockEnterprise(tx, e.ID); err != nil {
			return err
		}
		var b Binding
		err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).
			Take(&b, "enterprise_id = ? AND resident_id = ?", e.ID, residentID).Error
		now := s.now().UTC()
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
			b = Binding{EnterpriseID: e.ID, ResidentID: residentID, Role: role, Status: BindingPending, CreatedAt: now}
			if err := tx.Create(&b).Error; err != nil {
				return fmt.Errorf("create binding: %w", err)
			}
			created = true
		case err != nil:
			return fmt.Errorf("find binding: %w", err)
		case b.Status == BindingRejected:
			if err := tx.Model(&Binding{}).Where("id = ?", b.ID).Updates(map[string]any{
				"role": role, "status": BindingPending, "decided_by": nil, "decided_at": nil, "created_at": now,
			}).Error; err != nil {
				return fmt.Errorf("renew binding: %w", err)
			}
			created = true
		}
		id = b.ID
		return nil
	})
	if db.IsDuplicate(err) {
		// A concurrent request of the same resident won the insert.
		var b Binding
		if err := s.db.WithContext(ctx).Take(&b, "enterprise_id = ? AND resident_id = ?", e.ID, residentID).Error; err != nil {
			return nil, false, fmt.Errorf("find binding: %w", err)
		}
		id, created, err = b.ID, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	b, err := s.binding(ctx, id)
	return b, created, err
}

// binding loads a binding with its enterprise's code and name.
func (s *Service) binding(ctx context.Context, id int64) (*Binding, error) {
	var bs []Binding
	err := s.db.WithContext(ctx).Table("enterprise_bindings AS b").
		Select("b.*, e.uscc AS uscc, e.name AS enterprise_name").
		Joins("JOIN enterprises e ON e.id = b.enterprise_id").
		Where("b.id = ?", id).Scan(&bs).Error
	if err != nil {
		return nil, fmt.Errorf("load binding: %w", err)
	}
	if len(bs) == 0 {
		return nil, ErrBindingGone
	}
	return &bs[0], nil
}

// DecideBinding approves or rejects a pending binding. Street-scoped
// members decide only for enterprises in their streets; others' bindings
// are ErrBindingGone, as are unknown ones (the registry belongs to no
// department). Returns ErrDecided if the binding is no longer pending.
func (s *Service) DecideBinding(ctx context.Context, by *staff.Member, id int64, approve bool) (*Binding, error) {
	b, err := s.binding(ctx, id)
	if err != nil {
		return nil, err
	}
	e, err := s.FindByID(ctx, b.EnterpriseID)
	if err != nil {
		return nil, err
	}
	if !by.Scope().CoversStreet(e.Street) {
		return nil, ErrBindingGone
	}
	status := BindingRejected
	if approve {
		status = BindingApproved
	}
	now := s.now().UTC()
	res := s.db.WithContext(ctx).Model(&Binding{}).Where("id = ? AND status = ?", id, BindingPending).
		Updates(map[string]any{"status": status, "decided_by": by.ID, "decided_at": now})
	if res.Error != nil {
		return nil, fmt.Errorf("decide binding: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, ErrDecided
	}
	return s.binding(ctx, id)
}

// memberOf returns the enterprise with a code if the resident holds an
// approved binding to it. Returns invalid_argument for a bad code,
// ErrNotFound for an unknown enterprise and ErrNotMember otherwise. (The
// enterprise's existence, name and grade are public anyway.)
func (s *Service) memberOf(ctx context.Context, residentID int64, code string) (*Enterprise, error) {
	e, err := s.FindByUSCC(ctx, code)
	if err != nil {
		return nil, err
	}
	var n int64
	err = s.db.WithContext(ctx).Model(&Binding{}).
		Where("enterprise_id = ? AND resident_id = ? AND status = ?", e.ID, residentID, BindingApproved).Count(&n).Error
	if err != nil {
		return nil, fmt.Errorf("check binding: %w", err)
	}
	if n == 0 {
		return nil, ErrNotMember
	}
	return e, nil
}

// MyEnterprise is an enterprise the resident asked to be bound to, with
// the binding's status. Only an approved member sees the score; a pending
// or rejected binding shows what the public rating does.
type MyEnterprise struct {
	RatingView
	Industry    string     `json:"industry"`
	Street      string     `json:"street"`
	Role        Role       `json:"role"`
	BindingID   int64      `json:"binding_id,string" doc:"ID (decimal string) of my binding"`
	Status      Status     `json:"status" doc:"my binding's status; only approved shows the score"`
	RequestedAt time.Time  `json:"requested_at" doc:"when I asked (last asked, after a rejection)"`
	DecidedAt   *time.Time `json:"decided_at" doc:"when a department decided; null while pending"`
}

// Mine lists the enterprises the resident asked to be bound to, in binding
// order, each with the binding's status: approved ones with their current
// ratings, pending and rejected ones (so the resident sees what waits)
// without the score, which only members see.
func (s *Service) Mine(ctx context.Context, residentID int64) ([]MyEnterprise, error) {
	var rows []struct {
		Enterprise
		Role      Role
		BindingID int64
		Status    Status
		Requested time.Time
		Decided   *time.Time
	}
	err := s.db.WithContext(ctx).Table("enterprise_bindings AS b").
		Select("e.*, b.role AS role, b.id AS binding_id, b.status AS status, b.created_at AS requested, b.decided_at AS decided").
		Joins("JOIN enterprises e ON e.id = b.enterprise_id").
		Where("b.resident_id = ?", residentID).
		Order("b.id").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("my enterprises: %w", err)
	}
	out := make([]MyEnterprise, 0, len(rows))
	for _, r := range rows {
		m := MyEnterprise{RatingView: viewOf(&r.Enterprise), Industry: r.Industry, Street: r.Street, Role: r.Role,
			BindingID: r.BindingID, Status: r.Status, RequestedAt: r.Requested, DecidedAt: r.Decided}
		if r.Status != BindingApproved {
			m.Score = nil
		}
		out = append(out, m)
	}
	return out, nil
}

// members returns the residents bound (approved) to an enterprise.
func (s *Service) members(ctx context.Context, enterpriseID int64) ([]int64, error) {
	var ids []int64
	err := s.db.WithContext(ctx).Model(&Binding{}).
		Where("enterprise_id = ? AND status = ?", enterpriseID, BindingApproved).Order("resident_id").Pluck("resident_id", &ids).Error
	if err != nil {
		return nil, fmt.Errorf("enterprise members: %w", err)
	}
	return ids, nil
}

// EraseResident removes a deleted resident's bindings, the reasons of
// their objections and the commitments they wrote for credit repairs (the
// outcomes stay, for the record).
func (s *Service) EraseResident(tx *gorm.DB, residentID int64) error {
	if err := tx.Where("resident_id = ?", residentID).Delete(&Binding{}).Error; err != nil {
		return fmt.Errorf("erase bindings: %w", err)
	}
	if err := tx.Model(&Objection{}).Where("resident_id = ?", residentID).Update("reason", "").Error; err != nil {
		return fmt.Errorf("erase objections: %w", err)
	}
	if err := tx.Model(&Repair{}).Where("committed_by = ?", residentID).Update("commitment", "").Error; err != nil {
		return fmt.Errorf("erase commitments: %w", err)
	}
	return nil
}
