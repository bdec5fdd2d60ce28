package surveys

import (
	"context"
	"fmt"
	"time"

	"github.com/futian/ifutian/internal/district"
	"github.com/futian/ifutian/staff"
)

// OpenDeclaration is a declaration open today with how many of its
// audience (in the streets of the scope that asked) have not declared
// today (for a one-off declaration: at all).
type OpenDeclaration struct {
	ID       int64
	Title    string
	OpensAt  time.Time
	ClosesAt *time.Time
	Missing  int64
}

// TodayDeclarations counts the published declarations of the departments
// of scope by that are open now, and returns the newest limit of them with
// their non-reporters today.
func (s *Service) TodayDeclarations(ctx context.Context, by staff.Scope, limit int) (int64, []OpenDeclaration, error) {
	tx := s.db.WithContext(ctx)
	now := s.now().UTC()
	var svs []Survey
	err := by.Filter(tx.Model(&Survey{}), staff.Columns{Department: "department_id"}).
		Where("kind = ? AND status = ? AND opens_at <= ? AND (closes_at IS NULL OR closes_at > ?)", Declaration, Published, now, now).
		Order("id DESC").Find(&svs).Error
	if err != nil {
		return 0, nil, fmt.Errorf("open declarations: %w", err)
	}
	today := district.Date(now)
	items := []OpenDeclaration{}
	for i := range svs {
		if len(items) == limit {
			break
		}
		sv := &svs[i]
		var missing int64
		if err := s.missingQuery(tx, by, sv, today).Count(&missing).Error; err != nil {
			return 0, nil, fmt.Errorf("count non-reporters: %w", err)
		}
		items = append(items, OpenDeclaration{ID: sv.ID, Title: sv.Title, OpensAt: sv.OpensAt, ClosesAt: sv.ClosesAt, Missing: missing})
	}
	return int64(len(svs)), items, nil
}
