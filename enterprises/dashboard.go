package enterprises

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/futian/ifutian/staff"
)

// Pending is a binding request or an objection waiting for a decision as
// a start page shows it: the enterprise it concerns, nothing of the
// resident who asked.
type Pending struct {
	ID             int64
	USCC           string `gorm:"column:uscc"`
	EnterpriseName string
	CreatedAt      time.Time
}

// PendingBindings counts the pending binding requests within scope by (as
// FindBindings lists them: enterprises of its streets) and returns the
// oldest limit of them.
func (s *Service) PendingBindings(ctx context.Context, by staff.Scope, limit int) (int64, []Pending, error) {
	q := s.db.WithContext(ctx).Table("enterprise_bindings AS b").
		Joins("JOIN enterprises e ON e.id = b.enterprise_id").
		Where("b.status = ?", BindingPending)
	q = by.Filter(q, staff.Columns{Street: "e.street"})
	return pendingPage(q, "b", limit)
}

// PendingObjections counts the pending objections within scope by (as
// FindObjections lists them: to its departments' credit records, about
// enterprises of its streets) and returns the oldest limit of them.
func (s *Service) PendingObjections(ctx context.Context, by staff.Scope, limit int) (int64, []Pending, error) {
	q := s.db.WithContext(ctx).Table("credit_objections AS o").
		Joins("JOIN enterprises e ON e.id = o.enterprise_id").
		Joins("JOIN credit_records c ON c.id = o.credit_record_id").
		Where("o.status = ?", ObjectionPending)
	q = by.Filter(q, staff.Columns{Street: "e.street", Department: "c.department_id"})
	return pendingPage(q, "o", limit)
}

// pendingPage counts q's rows and reads the first limit of them by the ID
// of table alias t.
func pendingPage(q *gorm.DB, t string, limit int) (int64, []Pending, error) {
	q = q.Session(&gorm.Session{}) // reusable: the count and the page each build on it
	var n int64
	if err := q.Count(&n).Error; err != nil {
		return 0, nil, fmt.Errorf("count pending: %w", err)
	}
	items := []Pending{}
	if n == 0 || limit <= 0 {
		return n, items, nil
	}
	err := q.Select(t + ".id, e.uscc AS uscc, e.name AS enterprise_name, " + t + ".created_at").
		Order(t + ".id").Limit(limit).Scan(&items).Error
	if err != nil {
		return 0, nil, fmt.Errorf("pending: %w", err)
	}
	return n, items, nil
}
