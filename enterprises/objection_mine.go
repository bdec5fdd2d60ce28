package enterprises

import (
	"context"
	"fmt"
)

// MyObjection is an objection as its objector sees it: with the
// enterprise's code and name, and the status that says whether it still
// waits for a decision.
type MyObjection struct {
	Objection
	USCC           string `json:"uscc" gorm:"column:uscc"`
	EnterpriseName string `json:"enterprise_name"`
}

// MyObjections lists the objections the resident filed, newest first, at
// most limit, before the cursor before (0: from the newest); next is the
// cursor of the next page (0 on the last). With a code, only those about
// that enterprise: invalid_argument for a bad code, ErrNotFound for an
// unknown enterprise. Nobody sees another resident's objections here.
func (s *Service) MyObjections(ctx context.Context, residentID int64, code string, limit int, before int64) (out []MyObjection, next int64, err error) {
	q := s.db.WithContext(ctx).Table("credit_objections AS o").
		Select("o.*, e.uscc AS uscc, e.name AS enterprise_name").
		Joins("JOIN enterprises e ON e.id = o.enterprise_id").
		Where("o.resident_id = ?", residentID)
	if code != "" {
		e, err := s.FindByUSCC(ctx, code)
		if err != nil {
			return nil, 0, err
		}
		q = q.Where("o.enterprise_id = ?", e.ID)
	}
	if before > 0 {
		q = q.Where("o.id < ?", before)
	}
	if err := q.Order("o.id DESC").Limit(limit + 1).Scan(&out).Error; err != nil {
		return nil, 0, fmt.Errorf("my objections: %w", err)
	}
	if len(out) > limit {
		out = out[:limit]
		next = out[limit-1].ID
	}
	return out, next, nil
}
