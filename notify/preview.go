package notify

import (
	"context"
	"encoding/json"
	"fmt"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/residents"
	"github.com/futian/ifutian/staff"
)

// PreviewFloor is the smallest count a preview states. A smaller one,
// none included, is only "fewer than PreviewFloor", so that a preview never
// tells whether one resident is in an audience.
const PreviewFloor = 5

// Preview is what an audience would reach now, within the scope of the
// member who asks. A count below PreviewFloor is not stated: it is nil and
// its FewerThan is PreviewFloor.
// Its tags describe what MarshalJSON writes.
type Preview struct {
	// Count is how many live residents the audience selects.
	Count          *int64 `json:"count" doc:"exact from 5 up; null below 5"`
	CountFewerThan int64  `json:"count_fewer_than,omitempty" doc:"5 when count is null: the audience has fewer than 5 (possibly none); absent otherwise"`
	// Template is whether a subscribe-message template was given;
	// WeChatReachable then counts the members who could be sent it (they
	// have quota for it).
	Template                 bool   `json:"-"`
	WeChatReachable          *int64 `json:"wechat_reachable,omitempty" doc:"only with template_id; exact from 5 up, null below 5"`
	WeChatReachableFewerThan int64  `json:"wechat_reachable_fewer_than,omitempty" doc:"5 when wechat_reachable is null; absent otherwise"`
}

// MarshalJSON writes count (null when fewer than PreviewFloor, with
// count_fewer_than) and, only with a template, wechat_reachable likewise.
func (p Preview) MarshalJSON() ([]byte, error) {
	out := struct {
		Count                    *int64 `json:"count"`
		CountFewerThan           int64  `json:"count_fewer_than,omitempty"`
		WeChatReachable          any    `json:"wechat_reachable,omitempty"`
		WeChatReachableFewerThan int64  `json:"wechat_reachable_fewer_than,omitempty"`
	}{Count: p.Count, CountFewerThan: p.CountFewerThan, WeChatReachableFewerThan: p.WeChatReachableFewerThan}
	if p.Template {
		out.WeChatReachable = p.WeChatReachable // a nil *int64 in an any is written as null
	}
	return json.Marshal(out)
}

// statePreview decides what a preview states of the exact counts (reachable
// nil without a template).
func statePreview(count int64, reachable *int64) Preview {
	state := func(n int64) (*int64, int64) {
		if n < PreviewFloor {
			return nil, PreviewFloor
		}
		return &n, 0
	}
	var p Preview
	p.Count, p.CountFewerThan = state(count)
	if reachable != nil {
		p.Template = true
		p.WeChatReachable, p.WeChatReachableFewerThan = state(*reachable)
	}
	return p
}

// PreviewAudience counts, among the residents of the streets m covers, the
// members of an audience and, given a template, how many of them have
// consent left for it; counts below PreviewFloor are not stated. It
// returns an invalid_argument error naming the bad audience fields (named
// residents can't be combined with other fields) and a permission_denied
// one for an audience reaching beyond m's streets, as Create does.
func (s *Service) PreviewAudience(ctx context.Context, m *staff.Member, r StreetRegions, a Audience, templateID string) (*Preview, error) {
	if err := apperr.Fields(a.noticeFields(r)); err != nil {
		return nil, err
	}
	by := m.Scope()
	if err := CheckReach(by, a, r); err != nil {
		return nil, err
	}
	if err := CheckRules(ctx, s.db, by, a); err != nil {
		return nil, err
	}
	members := func() *gorm.DB {
		q := a.Scope(s.db.WithContext(ctx).Table(residents.Table), s.now())
		return by.Filter(q, staff.Columns{Street: residents.StreetColumn(rs)})
	}
	var n int64
	if err := members().Count(&n).Error; err != nil {
		return nil, fmt.Errorf("count audience: %w", err)
	}
	var reachable *int64
	if templateID != "" {
		var k int64
		err := members().Where(residents.OpenIDColumn(rs)+" IS NOT NULL").
			Where("EXISTS (SELECT 1 FROM subscription_quotas q WHERE q.resident_id = "+residents.IDColumn(rs)+" AND q.template_id = ? AND q.remaining > 0)", templateID).
			Count(&k).Error
		if err != nil {
			return nil, fmt.Errorf("count reachable: %w", err)
		}
		reachable = &k
	}
	p := statePreview(n, reachable)
	return &p, nil
}
