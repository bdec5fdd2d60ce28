// Package points keeps residents' personal points (个人积分): an
// append-only ledger, earning rules, deductions with appeal, and rewards.
package points

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/apperr"
)

// Service manages points. It is safe for concurrent use.
type Service struct {
	db  *gorm.DB
	now func() time.Time
}

// New returns a Service over db.
func New(gdb *gorm.DB) *Service { return &Service{db: gdb, now: time.Now} }

// ExportResident returns a resident's ledger and redemptions for /me/export.
func (s *Service) ExportResident(ctx context.Context, residentID int64) (any, error) {
	return map[string]any{}, nil
}

// ErrCapReached is returned when an award would pass a rule's daily or
// monthly cap; the refusal is recorded and nothing is granted.
var ErrCapReached = apperr.New(apperr.Conflict, "已达该规则的奖励上限")

// Grant awards points under a rule to a resident on behalf of the system
// (e.g. a passed quiz), idempotent on ruleCode+externalID. It returns the
// points granted; a repeat returns the first result. Returns ErrCapReached
// (errors.Is) when a cap refuses it.
func (s *Service) Grant(ctx context.Context, residentID int64, ruleCode, externalID, note string) (int64, error) {
	// Implemented with the ledger (issue 3).
	return 0, nil
}
