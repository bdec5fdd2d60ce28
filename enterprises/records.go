package enterprises

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/staff"
)

// CreditRecordFilter selects credit records for staff; each set field
// must match: the enterprise's code, the kind, the recording department
// and the case reference. Newest first, before the cursor After (an ID).
type CreditRecordFilter struct {
	USCC         string
	Kind         string
	DepartmentID int64
	CaseRef      string
	After        int64
	Limit        int
}

func (f *CreditRecordFilter) validate() error {
	fields := map[string]string{}
	if f.USCC != "" {
		code, err := NormalizeUSCC("uscc", f.USCC)
		var ae *apperr.Error
		if errors.As(err, &ae) {
			fields["uscc"] = ae.Fields["uscc"]
		}
		f.USCC = code
	}
	if f.Kind != "" && !slices.Contains(Kinds, f.Kind) {
		fields["kind"] = "须为以下之一: " + strings.Join(Kinds, " ")
	}
	checkText(fields, "case_ref", &f.CaseRef, 128, false, false)
	if f.Limit <= 0 {
		f.Limit = 20
	}
	return apperr.Fields(fields)
}

// ListedCreditRecord is a credit record with its enterprise.
type ListedCreditRecord struct {
	CreditRecord
	USCC           string `json:"uscc" gorm:"column:uscc"`
	EnterpriseName string `json:"enterprise_name"`
}

// FindCreditRecords lists credit records within the scope: those its
// departments wrote (every department's for the district) about
// enterprises of its streets. It returns a page and the cursor of the next
// one (0 on the last). Returns an invalid_argument error naming a bad
// filter field.
func (s *Service) FindCreditRecords(ctx context.Context, scope staff.Scope, f CreditRecordFilter) ([]ListedCreditRecord, int64, error) {
	if err := f.validate(); err != nil {
		return nil, 0, err
	}
	q := s.db.WithContext(ctx).Table("credit_records AS c").
		Select("c.*, e.uscc AS uscc, e.name AS enterprise_name").
		Joins("JOIN enterprises e ON e.id = c.enterprise_id")
	if f.USCC != "" {
		q = q.Where("e.uscc = ?", f.USCC)
	}
	if f.Kind != "" {
		q = q.Where("c.kind = ?", f.Kind)
	}
	if f.DepartmentID > 0 {
		q = q.Where("c.department_id = ?", f.DepartmentID)
	}
	if f.CaseRef != "" {
		q = q.Where("c.case_ref = ?", f.CaseRef)
	}
	if f.After > 0 {
		q = q.Where("c.id < ?", f.After)
	}
	q = scope.Filter(q, staff.Columns{Street: "e.street", Department: "c.department_id"})
	var recs []ListedCreditRecord
	if err := q.Order("c.id DESC").Limit(f.Limit + 1).Scan(&recs).Error; err != nil {
		return nil, 0, fmt.Errorf("find credit records: %w", err)
	}
	var next int64
	if len(recs) > f.Limit {
		recs = recs[:f.Limit]
		next = recs[len(recs)-1].ID
	}
	return recs, next, nil
}
