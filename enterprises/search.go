package enterprises

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/staff"
)

// EnterpriseFilter selects enterprises of the registry for staff: Q is a
// substring of the name or the start of the code (as typed: any case,
// spaces and hyphens ignored); the other fields match exactly when set.
// Newest registration first, before the cursor After (an ID).
// Its form tags are the query parameters of GET /admin/enterprises.
type EnterpriseFilter struct {
	Q        string `form:"q" binding:"max=128" doc:"a part of the name, or the first characters of the code"`
	Street   string `form:"street" binding:"max=32" doc:"one of the district's streets (GET /regions)"`
	Industry string `form:"industry" binding:"max=64" doc:"exact industry"`
	Grade    Grade  `form:"grade" doc:"current grade"`
	After    int64  `form:"-"`
	Limit    int    `form:"-"`
}

// validate checks the filter; it returns an invalid_argument error naming
// the bad fields.
func (f *EnterpriseFilter) validate(isStreet func(string) bool) error {
	fields := tagged(f)
	checkText(fields, "q", &f.Q, false)
	checkText(fields, "industry", &f.Industry, false)
	checkText(fields, "street", &f.Street, false)
	if _, bad := fields["street"]; !bad && f.Street != "" && !isStreet(f.Street) {
		fields["street"] = "未知街道"
	}
	if f.Limit <= 0 {
		f.Limit = 20
	}
	return apperr.Fields(fields)
}

// codePrefix returns q as the start of a code (upper case, spaces and
// hyphens dropped), or "" if q cannot start one.
func codePrefix(q string) string {
	p := strings.ToUpper(strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, q))
	if p == "" || len(p) > 18 || strings.IndexFunc(p, func(r rune) bool {
		return !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z')
	}) >= 0 {
		return ""
	}
	return p
}

// Find searches the registry for staff: only enterprises of the streets
// the scope covers are listed. It returns a page and the cursor of the
// next one (0 on the last). Returns an invalid_argument error naming a bad
// filter field.
func (s *Service) Find(ctx context.Context, scope staff.Scope, f EnterpriseFilter) ([]Enterprise, int64, error) {
	if err := f.validate(s.streets); err != nil {
		return nil, 0, err
	}
	q := s.findQuery(ctx, scope, f)
	if f.After > 0 {
		q = q.Where("id < ?", f.After)
	}
	var es []Enterprise
	if err := q.Order("id DESC").Limit(f.Limit + 1).Find(&es).Error; err != nil {
		return nil, 0, fmt.Errorf("find enterprises: %w", err)
	}
	var next int64
	if len(es) > f.Limit {
		es = es[:f.Limit]
		next = es[len(es)-1].ID
	}
	return es, next, nil
}

// CountFound counts the enterprises Find lists for f over all pages, up
// to db.CountCap (more: true beyond).
func (s *Service) CountFound(ctx context.Context, scope staff.Scope, f EnterpriseFilter) (n int64, more bool, err error) {
	if err := f.validate(s.streets); err != nil {
		return 0, false, err
	}
	return db.CountUpTo(s.findQuery(ctx, scope, f))
}

// findQuery selects the enterprises matching f within scope.
func (s *Service) findQuery(ctx context.Context, scope staff.Scope, f EnterpriseFilter) *gorm.DB {
	q := s.db.WithContext(ctx).Model(&Enterprise{})
	if f.Q != "" {
		// Names are matched without regard to ASCII case on both databases
		// (MySQL's utf8mb4_bin compares bytes); codes are stored upper case.
		like := db.Contains(strings.ToLower(f.Q))
		if p := codePrefix(f.Q); p != "" {
			q = q.Where("(LOWER(name) LIKE ? ESCAPE '!' OR uscc LIKE ?)", like, p+"%")
		} else {
			q = q.Where("LOWER(name) LIKE ? ESCAPE '!'", like)
		}
	}
	if f.Street != "" {
		q = q.Where("street = ?", f.Street)
	}
	if f.Industry != "" {
		q = q.Where("industry = ?", f.Industry)
	}
	if f.Grade != "" {
		q = q.Where("grade = ?", f.Grade)
	}
	return scope.Filter(q, staff.Columns{Street: "street"})
}

// BindingCounts counts an enterprise's bindings by status.
type BindingCounts struct {
	Approved int64 `json:"approved" doc:"members bound"`
	Pending  int64 `json:"pending" doc:"binding requests waiting"`
}

// HistoryEntry is one past rating as staff see it.
type HistoryEntry struct {
	ID int64 `json:"id,string"`
	Rating
}

// AdminDetail is what staff see of one enterprise: its registration and
// current rating, the factors that produced it, the rating history, how
// many members are bound and the objections to its credit records.
type AdminDetail struct {
	Enterprise
	Factors    []Factor       `json:"factors" doc:"the credit records counted in the current rating"`
	History    []HistoryEntry `json:"history" doc:"ratings, newest first, at most 50"`
	Bindings   BindingCounts  `json:"bindings"`
	Objections []Objection    `json:"objections" doc:"the latest 50 objections to its credit records, newest first"`
	Repairs    []RecordRepair `json:"repairs" doc:"its adverse credit records that count now or were repaired, with their credit repair (信用修复): a repaired one with the day the repair was approved and the original end of its publication"`
}

// AdminDetail returns the staff view of an enterprise. Returns an
// invalid_argument error for a malformed code and ErrNotFound for an
// unknown enterprise or one of a street the scope does not cover.
func (s *Service) AdminDetail(ctx context.Context, scope staff.Scope, code string) (*AdminDetail, error) {
	e, err := s.FindByUSCC(ctx, code)
	if err != nil {
		return nil, err
	}
	if !scope.CoversStreet(e.Street) {
		return nil, ErrNotFound
	}
	d := &AdminDetail{Enterprise: *e, Factors: []Factor{}, History: []HistoryEntry{}, Objections: []Objection{}}
	hist, err := s.History(ctx, e.ID, historyLimit)
	if err != nil {
		return nil, err
	}
	for _, r := range hist {
		d.History = append(d.History, HistoryEntry{ID: r.ID, Rating: r})
	}
	if len(hist) > 0 {
		d.Factors = hist[0].Factors
	}
	var counts []struct {
		Status Status
		N      int64
	}
	if err := s.db.WithContext(ctx).Model(&Binding{}).Select("status, COUNT(*) AS n").
		Where("enterprise_id = ?", e.ID).Group("status").Scan(&counts).Error; err != nil {
		return nil, fmt.Errorf("count bindings: %w", err)
	}
	for _, c := range counts {
		switch c.Status {
		case BindingApproved:
			d.Bindings.Approved = c.N
		case BindingPending:
			d.Bindings.Pending = c.N
		}
	}
	if err := s.db.WithContext(ctx).Where("enterprise_id = ?", e.ID).Order("id DESC").
		Limit(historyLimit).Find(&d.Objections).Error; err != nil {
		return nil, fmt.Errorf("load objections: %w", err)
	}
	if d.Repairs, err = s.recordRepairs(ctx, e.ID); err != nil {
		return nil, err
	}
	return d, nil
}
