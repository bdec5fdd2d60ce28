package notify

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/futian/ifutian/staff"
)

// PendingReviews counts the submitted notices within scope by (those
// FindByID returns) that reviewer did not write, so may review, and
// returns the oldest limit of them, without their bodies.
func (s *Service) PendingReviews(ctx context.Context, by staff.Scope, r StreetRegions, reviewer int64, limit int) (int64, []Notice, error) {
	q := by.Filter(s.db.WithContext(ctx).Model(&Notice{}), staff.Columns{Department: "department_id"}).
		Where("status = ? AND COALESCE(author_id, 0) <> ?", StatusSubmitted, reviewer)
	// Notices under review are few; the streets an audience reaches are in
	// its JSON, so they are judged here.
	var ns []Notice
	err := q.Select("id", "department_id", "author_id", "title", "category", "audience", "publish_at", "status", "created_at", "updated_at").
		Order("id").Find(&ns).Error
	if err != nil {
		return 0, nil, fmt.Errorf("pending reviews: %w", err)
	}
	items := []Notice{}
	var n int64
	for i := range ns {
		if !visible(by, &ns[i], r) {
			continue
		}
		n++
		if len(items) < limit {
			items = append(items, ns[i])
		}
	}
	return n, items, nil
}

// SendingNotice is a published notice whose messages (WeChat or SMS) are
// not all sent yet: Pending are waiting, held for quiet hours or on the
// wire (in the streets of the scope that asked).
type SendingNotice struct {
	Notice
	Pending int64
}

// SendsInProgress counts the notices within scope by (those FindByID
// returns) with messages still to send to residents of its
// streets, and returns the newest limit of them with how many are left.
func (s *Service) SendsInProgress(ctx context.Context, by staff.Scope, r StreetRegions, limit int) (int64, []SendingNotice, error) {
	gdb := s.db.WithContext(ctx)
	var rows []struct {
		NoticeID int64
		Pending  int64
	}
	// A send has a due time exactly while it is still to go (pending, held
	// for quiet hours or on the wire); naming every channel and lane lets
	// the query walk the sends' due index.
	q := by.Filter(gdb.Table("notice_sends"), staff.Columns{Street: "street"}).
		Where("channel IN ? AND urgent IN ? AND due_at IS NOT NULL", []string{wechatChannel{}.name(), smsChannel{}.name()}, []bool{false, true}).
		Select("notice_id, COUNT(*) AS pending").Group("notice_id")
	if err := q.Scan(&rows).Error; err != nil {
		return 0, nil, fmt.Errorf("sends in progress: %w", err)
	}
	items := []SendingNotice{}
	if len(rows) == 0 {
		return 0, items, nil
	}
	ids := make([]int64, len(rows))
	pending := map[int64]int64{}
	for i, row := range rows {
		ids[i] = row.NoticeID
		pending[row.NoticeID] = row.Pending
	}
	var ns []Notice
	// System notices are no department's notices: their sends are not shown.
	err := by.Filter(gdb.Model(&Notice{}), staff.Columns{Department: "department_id"}).Where("source IS NULL").
		Select("id", "department_id", "author_id", "title", "category", "audience", "publish_at", "status", "targeted", "published_at", "created_at", "updated_at").
		Where("id IN ?", ids).Find(&ns).Error
	if err != nil {
		return 0, nil, fmt.Errorf("sends in progress: %w", err)
	}
	slices.SortFunc(ns, func(a, b Notice) int { return cmp.Compare(b.ID, a.ID) })
	now := s.clock()
	var n int64
	for i := range ns {
		if !visible(by, &ns[i], r) {
			continue
		}
		n++
		if len(items) < limit {
			ns[i].fill(now)
			items = append(items, SendingNotice{Notice: ns[i], Pending: pending[ns[i].ID]})
		}
	}
	return n, items, nil
}
