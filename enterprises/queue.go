package enterprises

import (
	"context"
	"fmt"
	"slices"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/check"
	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/staff"
	"gorm.io/gorm"
)

// QueueFilter selects bindings or objections for an officer's work queue:
// one status (default pending), oldest first, after a cursor.
type QueueFilter struct {
	Status Status `form:"status" doc:"default pending"`
	After  int64  `form:"-"`
	Limit  int    `form:"-"`
}

func (f *QueueFilter) validate() error {
	if f.Status == "" {
		f.Status = BindingPending
	}
	if !slices.Contains(f.Status.Enum(), string(f.Status)) {
		return apperr.Field("status", check.OneOfMessage(f.Status.Enum()))
	}
	if f.Limit <= 0 {
		f.Limit = 20
	}
	return nil
}

// FindBindings lists binding requests in the member's street scope, with
// the cursor of the next page (0 on the last). Returns invalid_argument
// for a bad status.
func (s *Service) FindBindings(ctx context.Context, by *staff.Member, f QueueFilter) ([]Binding, int64, error) {
	if err := f.validate(); err != nil {
		return nil, 0, err
	}
	var bs []Binding
	q := s.db.WithContext(ctx).Table("enterprise_bindings AS b").
		Select("b.*, e.uscc AS uscc, e.name AS enterprise_name").
		Joins("JOIN enterprises e ON e.id = b.enterprise_id").
		Where("b.status = ? AND b.id > ?", f.Status, f.After)
	q = by.Scope().Filter(q, staff.Columns{Street: "e.street"})
	if err := q.Order("b.id").Limit(f.Limit + 1).Scan(&bs).Error; err != nil {
		return nil, 0, fmt.Errorf("find bindings: %w", err)
	}
	var next int64
	if len(bs) > f.Limit {
		bs = bs[:f.Limit]
		next = bs[len(bs)-1].ID
	}
	return bs, next, nil
}

// QueuedObjection is an objection with the factor it disputes.
type QueuedObjection struct {
	Objection
	USCC           string       `json:"uscc"`
	EnterpriseName string       `json:"enterprise_name"`
	Factor         CreditRecord `json:"factor" gorm:"-" doc:"the disputed credit record (the list joins it: it is always there)"`
}

// FindObjections lists the objections the member may decide (see
// DecideObjection: to their department's credit records, every
// department's for the district, about enterprises in their streets) with
// the disputed credit records, and the cursor of the next page (0 on the
// last). Returns invalid_argument for a bad status.
func (s *Service) FindObjections(ctx context.Context, by *staff.Member, f QueueFilter) ([]QueuedObjection, int64, error) {
	if err := f.validate(); err != nil {
		return nil, 0, err
	}
	var items []QueuedObjection
	q := s.objectionQuery(ctx, by, f).Select("o.*, e.uscc AS uscc, e.name AS enterprise_name").Where("o.id > ?", f.After)
	if err := q.Order("o.id").Limit(f.Limit + 1).Scan(&items).Error; err != nil {
		return nil, 0, fmt.Errorf("find objections: %w", err)
	}
	var next int64
	if len(items) > f.Limit {
		items = items[:f.Limit]
		next = items[len(items)-1].ID
	}
	ids := make([]int64, 0, len(items))
	for _, o := range items {
		ids = append(ids, o.CreditRecordID)
	}
	var recs []CreditRecord
	if len(ids) > 0 {
		if err := s.db.WithContext(ctx).Where("id IN ?", ids).Find(&recs).Error; err != nil {
			return nil, 0, fmt.Errorf("load disputed records: %w", err)
		}
	}
	byID := map[int64]CreditRecord{}
	for _, r := range recs {
		byID[r.ID] = r
	}
	for i := range items {
		items[i].Factor = byID[items[i].CreditRecordID]
	}
	return items, next, nil
}

// CountObjections counts the objections FindObjections lists for f over
// all pages, up to db.CountCap (more: true beyond).
func (s *Service) CountObjections(ctx context.Context, by *staff.Member, f QueueFilter) (n int64, more bool, err error) {
	if err := f.validate(); err != nil {
		return 0, false, err
	}
	return db.CountUpTo(s.objectionQuery(ctx, by, f))
}

// objectionQuery selects the objections f selects within by's scope: of
// its departments' records about enterprises of its streets.
func (s *Service) objectionQuery(ctx context.Context, by *staff.Member, f QueueFilter) *gorm.DB {
	q := s.db.WithContext(ctx).Table("credit_objections AS o").
		Joins("JOIN enterprises e ON e.id = o.enterprise_id").
		Joins("JOIN credit_records c ON c.id = o.credit_record_id").
		Where("o.status = ?", f.Status)
	return by.Scope().Filter(q, staff.Columns{Street: "e.street", Department: "c.department_id"})
}
