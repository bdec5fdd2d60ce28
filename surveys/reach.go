package surveys

import (
	"context"

	"github.com/futian/ifutian/notify"
	"github.com/futian/ifutian/staff"
)

// surveyReach is the table of the streets each survey's audience reaches
// (reach; "" for every street), by which a street-limited member's list is
// filtered in SQL.
func surveyReach() staff.Reach {
	return staff.Reach{Table: "survey_streets", Key: "survey_id", Row: "surveys.id"}
}

// FillReach records the reach of the surveys that have none recorded:
// those written before survey_streets existed (migration 41), or by the
// previous release during an upgrade; filled is how many. The server runs
// it as it starts and every minute (task audiences.reach); until then such
// a survey is in no street-limited member's list. A course's quiz, which
// no list shows, is left out.
func (s *Service) FillReach(ctx context.Context, r notify.StreetRegions) (filled int, err error) {
	pending := func(limit int) (batch []Survey, err error) {
		err = s.db.WithContext(ctx).Model(&Survey{}).Select("id", "audience").
			Where("status <> ? AND "+surveyReach().Unrecorded(), Course).
			Order("id").Limit(limit).Find(&batch).Error
		return batch, err
	}
	return staff.FillReach(ctx, s.db, surveyReach(), pending, func(sv Survey) (int64, []string) {
		return sv.ID, reach(sv.Audience, r)
	})
}
