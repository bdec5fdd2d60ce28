package surveys

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/check"
	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/notify"
	"github.com/futian/ifutian/staff"
)

// Filter narrows a list of surveys for staff.
type Filter struct {
	Kind   Kind   `form:"kind"`
	Status Status `form:"status" doc:"published: not closed yet (open, or opening later)"`
	Q      string `form:"q" binding:"max=100" doc:"words the title contains"`
	Before int64  `form:"-"` // cursor: IDs below it
	Limit  int    `form:"-"`
}

// Validate checks the filter. Returns an invalid_argument error naming the
// bad field.
func (f *Filter) Validate() error {
	return check.Struct(f)
}

// Find lists the surveys m may read (readable: their department's,
// reaching one of their streets), newest first, narrowed by f, without
// their questions. next is the cursor of the next page (0 on the last).
// Returns an invalid_argument error naming a bad filter field.
func (s *Service) Find(ctx context.Context, m *staff.Member, f Filter) (items []Survey, next int64, err error) {
	if err := f.Validate(); err != nil {
		return nil, 0, err
	}
	now := s.now().UTC()
	q := s.found(ctx, m.Scope(), f, now)
	if f.Before > 0 {
		q = q.Where("id < ?", f.Before)
	}
	if err := q.Order("id DESC").Limit(f.Limit + 1).Find(&items).Error; err != nil {
		return nil, 0, fmt.Errorf("find surveys: %w", err)
	}
	if len(items) > f.Limit {
		items = items[:f.Limit]
		next = items[len(items)-1].ID
	}
	for i := range items {
		items[i].fill(now)
		if items[i].DrawCount > 0 {
			items[i].Draw = &Draw{Tags: items[i].DrawTags, Count: items[i].DrawCount}
		}
	}
	return nonNilSlice(items), next, nil
}

// CountFound counts the surveys Find lists for m and f over all pages (up
// to db.CountCap; more then).
func (s *Service) CountFound(ctx context.Context, m *staff.Member, f Filter) (n int64, more bool, err error) {
	if err := f.Validate(); err != nil {
		return 0, false, err
	}
	return db.CountUpTo(s.found(ctx, m.Scope(), f, s.now().UTC()))
}

// found selects the surveys Find lists, all pages: the department and the
// streets the audience reaches (survey_streets) are filtered by the scope.
func (s *Service) found(ctx context.Context, by staff.Scope, f Filter, now time.Time) *gorm.DB {
	q := by.Filter(s.db.WithContext(ctx).Model(&Survey{}), staff.Columns{Department: "department_id"}).
		Where("status <> ?", Course) // a course's quiz is the course's
	q = by.FilterTouching(q, surveyReach())
	if f.Kind != "" {
		q = q.Where("kind = ?", f.Kind)
	}
	switch f.Status {
	case "":
	case Draft:
		q = q.Where("status = ?", Draft)
	case Published:
		q = q.Where("status = ? AND (closes_at IS NULL OR closes_at > ?)", Published, now)
	case Closed:
		q = q.Where("status = ? AND closes_at <= ?", Published, now)
	}
	if w := strings.TrimSpace(f.Q); w != "" {
		q = q.Where("title LIKE ? ESCAPE '!'", db.Contains(w))
	}
	return q
}

// FindByID returns a survey for staff, with its questions (and their
// answers). Returns ErrNotFound for one m may not read.
func (s *Service) FindByID(ctx context.Context, m *staff.Member, r notify.StreetRegions, id int64) (*Survey, error) {
	sv, err := s.readable(s.db.WithContext(ctx), m.Scope(), id, r)
	if err != nil {
		return nil, err
	}
	return s.adminView(ctx, sv)
}
