package enterprises

import (
	"context"
	"errors"
	"fmt"

	"github.com/futian/ifutian/internal/db"
	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/staff"
)

// CreditRecordFilter selects credit records for staff; each set field
// must match: the enterprise's code, the kind, the recording department
// and the case reference. Newest first, before the cursor After (an ID).
// Its form tags are the query parameters of GET /admin/credit-records.
type CreditRecordFilter struct {
	USCC         string `form:"uscc" binding:"max=40" doc:"the enterprise's code (as typed: any case, spaces and hyphens ignored)"`
	Kind         Kind   `form:"kind" doc:"record kind"`
	DepartmentID int64  `form:"department_id" binding:"omitempty,gt=0,lte=9007199254740991" doc:"the recording department's ID (a department outside the member's scope lists nothing)"`
	CaseRef      string `form:"case_ref" binding:"max=128" doc:"case reference, exact"`
	After        int64  `form:"-"`
	Limit        int    `form:"-"`
}

func (f *CreditRecordFilter) validate() error {
	fields := tagged(f)
	if _, bad := fields["uscc"]; !bad && f.USCC != "" {
		code, err := NormalizeUSCC("uscc", f.USCC)
		var ae *apperr.Error
		if errors.As(err, &ae) {
			fields["uscc"] = ae.Fields["uscc"]
		}
		f.USCC = code
	}
	checkText(fields, "case_ref", &f.CaseRef, false)
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
	q := s.creditQuery(ctx, scope, f).Select("c.*, e.uscc AS uscc, e.name AS enterprise_name")
	if f.After > 0 {
		q = q.Where("c.id < ?", f.After)
	}
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

// CountCreditRecords counts the records FindCreditRecords lists for f over
// all pages, up to db.CountCap (more: true beyond).
func (s *Service) CountCreditRecords(ctx context.Context, scope staff.Scope, f CreditRecordFilter) (n int64, more bool, err error) {
	if err := f.validate(); err != nil {
		return 0, false, err
	}
	return db.CountUpTo(s.creditQuery(ctx, scope, f))
}

// creditQuery selects the credit records matching f within scope.
func (s *Service) creditQuery(ctx context.Context, scope staff.Scope, f CreditRecordFilter) *gorm.DB {
	q := s.db.WithContext(ctx).Table("credit_records AS c").
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
	return scope.Filter(q, staff.Columns{Street: "e.street", Department: "c.department_id"})
}
