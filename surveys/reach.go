package surveys

import (
	"context"
	"fmt"
	"slices"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/notify"
	"github.com/futian/ifutian/staff"
)

// surveyReach is the table of the streets each survey's audience reaches
// (reach; "" for every street), by which a street-limited member's list is
// filtered in SQL.
func surveyReach() staff.Reach {
	return staff.Reach{Table: "survey_streets", Key: "survey_id", Row: "surveys.id"}
}

// storeReach records the streets survey id's audience reaches, replacing
// what was recorded, in the transaction that writes the audience.
func storeReach(tx *gorm.DB, id int64, a notify.Audience, r notify.StreetRegions) error {
	if err := tx.Exec("DELETE FROM survey_streets WHERE survey_id = ?", id).Error; err != nil {
		return fmt.Errorf("survey streets: %w", err)
	}
	return insertReach(tx, id, a, r)
}

func insertReach(tx *gorm.DB, id int64, a notify.Audience, r notify.StreetRegions) error {
	streets := reach(a, r)
	if len(streets) == 0 {
		streets = []string{""} // every street
	}
	slices.Sort(streets)
	streets = slices.Compact(streets)
	rows := make([]map[string]any, len(streets))
	for i, st := range streets {
		rows[i] = map[string]any{"survey_id": id, "street": st}
	}
	if err := tx.Table("survey_streets").Create(rows).Error; err != nil {
		return fmt.Errorf("survey streets: %w", err)
	}
	return nil
}

// FillReach records the reach of the surveys that have none recorded:
// those written before survey_streets existed (migration 41), or by the
// previous release during an upgrade; filled is how many. The server runs
// it as it starts and every minute (task audiences.reach); until then such
// a survey is in no street-limited member's list. A course's quiz, which
// no list shows, is left out.
func (s *Service) FillReach(ctx context.Context, r notify.StreetRegions) (filled int, err error) {
	for {
		var batch []Survey
		err = s.db.WithContext(ctx).Model(&Survey{}).Select("id", "audience").
			Where("status <> ? AND NOT EXISTS (SELECT 1 FROM survey_streets WHERE survey_streets.survey_id = surveys.id)", Course).
			Order("id").Limit(500).Find(&batch).Error
		if err != nil {
			return filled, fmt.Errorf("fill survey streets: %w", err)
		}
		for _, sv := range batch {
			err := db.Transact(ctx, s.db, func(tx *gorm.DB) error { return insertReach(tx, sv.ID, sv.Audience, r) })
			if db.IsDuplicate(err) {
				continue // another instance filled it
			}
			if err != nil {
				return filled, err
			}
			filled++
		}
		if len(batch) < 500 {
			return filled, nil
		}
	}
}
