package points

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/futian/ifutian/residents"
	"github.com/futian/ifutian/staff"
)

// PendingAppeal is an appeal waiting for a decision as a start page shows
// it: the deduction it disputes, nothing the resident wrote.
type PendingAppeal struct {
	ID        int64
	Delta     int64  // the disputed deduction's points (negative)
	CaseRef   string // the deduction's case reference
	CreatedAt time.Time
}

// PendingAppeals counts the pending appeals within scope by (those of its
// departments' deductions, the district's for a district-wide deduction,
// about residents of its streets) and returns the oldest limit of them.
func (s *Service) PendingAppeals(ctx context.Context, by staff.Scope, limit int) (int64, []PendingAppeal, error) {
	q := s.db.WithContext(ctx).Table("point_appeals AS a").
		Joins(residents.Join("r", "a.resident_id")).
		Where("a.status = ?", "pending")
	q = by.Filter(q, staff.Columns{Street: residents.StreetColumn("r"), Department: "a.department_id"}).
		Session(&gorm.Session{}) // reusable: the count and the page each build on it
	var n int64
	if err := q.Count(&n).Error; err != nil {
		return 0, nil, fmt.Errorf("count pending appeals: %w", err)
	}
	items := []PendingAppeal{}
	if n == 0 || limit <= 0 {
		return n, items, nil
	}
	err := q.Joins("JOIN point_transactions t ON t.id = a.transaction_id").
		Select("a.id, t.delta, COALESCE(t.case_ref, '') AS case_ref, a.created_at").
		Order("a.id").Limit(limit).Scan(&items).Error
	if err != nil {
		return 0, nil, fmt.Errorf("pending appeals: %w", err)
	}
	return n, items, nil
}
