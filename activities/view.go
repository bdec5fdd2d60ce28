package activities

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/staff"
)

// Counts are an activity's roster in figures.
type Counts struct {
	CheckedIn  int64 `json:"checked_in"`
	CheckedOut int64 `json:"checked_out"`
	NoShows    int64 `json:"no_shows" doc:"confirmed, never checked in, once the activity is over"` // confirmed but never checked in, once the activity is over
	WalkIns    int64 `json:"walk_ins"`
}

// StaffView is an activity as staff see it.
type StaffView struct {
	Activity
	Hours     float64 `json:"hours" doc:"volunteer hours credited for attending, at most the activity's length"`
	Remaining int     `json:"remaining" doc:"places left"`
	Ended     bool    `json:"ended" doc:"the activity is over"`
	Counts    Counts  `json:"counts"`
	// ImageURL and ThumbURL are public links to its picture and thumbnail
	// ("" without one).
	ImageURL string `json:"image_url" doc:"public link to the activity's picture (at most 1280 px), for <image src> without a header, cacheable for good; \"\" without a picture"`
	ThumbURL string `json:"thumb_url" doc:"public link to its 320 px JPEG thumbnail; \"\" without a picture"`
}

// staffViews builds the staff views of activities, with their counts.
func (s *Service) staffViews(tx *gorm.DB, as []Activity, now time.Time) ([]StaffView, error) {
	out := make([]StaffView, len(as))
	if len(as) == 0 {
		return out, nil
	}
	ids := make([]int64, len(as))
	for i, a := range as {
		ids[i] = a.ID
	}
	var rows []struct {
		ActivityID int64
		CheckedIn  int64
		CheckedOut int64
		Absent     int64
		WalkIns    int64
	}
	err := tx.Model(&Signup{}).Select(`activity_id,
		SUM(CASE WHEN checked_in_at IS NOT NULL THEN 1 ELSE 0 END) AS checked_in,
		SUM(CASE WHEN checked_out_at IS NOT NULL THEN 1 ELSE 0 END) AS checked_out,
		SUM(CASE WHEN status = ? AND checked_in_at IS NULL THEN 1 ELSE 0 END) AS absent,
		SUM(CASE WHEN walk_in THEN 1 ELSE 0 END) AS walk_ins`, Confirmed).
		Where("activity_id IN ?", ids).Group("activity_id").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("count roster: %w", err)
	}
	byID := map[int64]Counts{}
	absent := map[int64]int64{}
	for _, r := range rows {
		byID[r.ActivityID] = Counts{CheckedIn: r.CheckedIn, CheckedOut: r.CheckedOut, WalkIns: r.WalkIns}
		absent[r.ActivityID] = r.Absent
	}
	for i, a := range as {
		c := byID[a.ID]
		if a.Ended(now) && a.Status == Published {
			c.NoShows = absent[a.ID]
		}
		out[i] = StaffView{Activity: a, Hours: hours(a.CreditMinutes), Remaining: max(a.Capacity-a.Confirmed, 0), Ended: a.Ended(now), Counts: c}
		out[i].ImageURL, out[i].ThumbURL = s.imageURLs(&a)
	}
	return out, nil
}

// FindForStaff returns an activity within m's scope. Returns ErrNotFound
// for one outside it.
func (s *Service) FindForStaff(ctx context.Context, m *staff.Member, id int64) (*StaffView, error) {
	tx := s.db.WithContext(ctx)
	a, err := s.owned(tx, m.Scope(), id, false)
	if err != nil {
		return nil, err
	}
	vs, err := s.staffViews(tx, []Activity{*a}, s.clock())
	if err != nil {
		return nil, err
	}
	return &vs[0], nil
}

// Filter selects activities for staff.
type Filter struct {
	Status Status // "" for every status
	Before int64  // cursor: activities with a smaller ID
	Limit  int
}

// List lists the activities within m's scope, newest first, and
// the cursor of the next page (0 on the last).
func (s *Service) List(ctx context.Context, m *staff.Member, f Filter) ([]StaffView, int64, error) {
	tx := s.db.WithContext(ctx)
	q := s.listQuery(ctx, m, f)
	if f.Before > 0 {
		q = q.Where("id < ?", f.Before)
	}
	var as []Activity
	if err := q.Order("id DESC").Limit(f.Limit + 1).Find(&as).Error; err != nil {
		return nil, 0, fmt.Errorf("list activities: %w", err)
	}
	var next int64
	if len(as) > f.Limit {
		as = as[:f.Limit]
		next = as[len(as)-1].ID
	}
	vs, err := s.staffViews(tx, as, s.clock())
	return vs, next, err
}

// Count counts the activities List lists for f over all pages, up to
// db.CountCap (more: true beyond).
func (s *Service) Count(ctx context.Context, m *staff.Member, f Filter) (n int64, more bool, err error) {
	return db.CountUpTo(s.listQuery(ctx, m, f))
}

// listQuery selects the activities f selects within m's scope.
func (s *Service) listQuery(ctx context.Context, m *staff.Member, f Filter) *gorm.DB {
	q := m.Scope().Filter(s.db.WithContext(ctx).Model(&Activity{}), scopeColumns)
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	return q
}
