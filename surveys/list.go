package surveys

import (
	"context"
	"fmt"
	"strings"

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
func (s *Service) Find(ctx context.Context, m *staff.Member, r notify.StreetRegions, f Filter) (items []Survey, next int64, err error) {
	if err := f.Validate(); err != nil {
		return nil, 0, err
	}
	by := m.Scope()
	now := s.now().UTC()
	// The department is filtered in SQL; the streets an audience reaches
	// are in its JSON, so a street-scoped member's pages fill batch by batch.
	find := func(before int64, n int) ([]Survey, error) {
		q := by.Filter(s.db.WithContext(ctx).Model(&Survey{}), staff.Columns{Department: "department_id"}).
			Where("status <> ?", Course) // a course's quiz is the course's
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
		if before > 0 {
			q = q.Where("id < ?", before)
		}
		var batch []Survey
		if err := q.Order("id DESC").Limit(n).Find(&batch).Error; err != nil {
			return nil, fmt.Errorf("find surveys: %w", err)
		}
		return batch, nil
	}
	items, next, err = db.FilteredPage(f.Before, f.Limit, find, func(sv *Survey) int64 { return sv.ID },
		func(sv *Survey) bool { return touches(by, sv.Audience, r) })
	if err != nil {
		return nil, 0, err
	}
	for i := range items {
		items[i].fill(now)
		if items[i].DrawCount > 0 {
			items[i].Draw = &Draw{Tags: items[i].DrawTags, Count: items[i].DrawCount}
		}
	}
	return nonNilSlice(items), next, nil
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
