package notify

import (
	"context"
	"slices"

	"github.com/futian/ifutian/staff"
)

// noticeReach is the table of the streets each notice's audience reaches,
// by which a street-limited member's lists are filtered in SQL.
func noticeReach() staff.Reach {
	return staff.Reach{Table: "notice_streets", Key: "notice_id", Row: "notices.id"}
}

// reachedStreets returns the streets an audience reaches as CheckReach
// judges them, for notice_streets: its streets with those of its
// communities, sorted; [""] (every street) when it names neither, and
// when a community is unknown (no street scope holds either).
func reachedStreets(a Audience, r StreetRegions) []string {
	if len(a.Streets) == 0 && len(a.Communities) == 0 {
		return []string{""}
	}
	out := slices.Clone(a.Streets)
	for _, c := range a.Communities {
		st := ""
		if r != nil {
			st = r.StreetOf(c)
		}
		if st == "" {
			return []string{""}
		}
		out = append(out, st)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// FillReach records the reach of the departments' notices that have none
// recorded: those written before notice_streets existed (migration 41),
// or by the previous release during an upgrade; filled is how many. The
// server runs it as it starts and every minute (task audiences.reach);
// until then such a notice is in no street-limited member's list.
func (s *Service) FillReach(ctx context.Context, r StreetRegions) (filled int, err error) {
	pending := func(limit int) (batch []Notice, err error) {
		err = s.db.WithContext(ctx).Model(&Notice{}).Select("id", "audience").
			Where("source IS NULL AND " + noticeReach().Unrecorded()).
			Order("id").Limit(limit).Find(&batch).Error
		return batch, err
	}
	return staff.FillReach(ctx, s.db, noticeReach(), pending, func(n Notice) (int64, []string) {
		return n.ID, reachedStreets(n.Audience, r)
	})
}
