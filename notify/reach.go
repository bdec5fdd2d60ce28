package notify

import (
	"context"
	"fmt"
	"slices"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/db"
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

// storeReach records the streets notice id's audience reaches, replacing
// what was recorded, in the transaction that writes the audience.
func storeReach(tx *gorm.DB, id int64, a Audience, r StreetRegions) error {
	if err := tx.Exec("DELETE FROM notice_streets WHERE notice_id = ?", id).Error; err != nil {
		return fmt.Errorf("notice streets: %w", err)
	}
	return insertReach(tx, id, reachedStreets(a, r))
}

func insertReach(tx *gorm.DB, id int64, streets []string) error {
	rows := make([]map[string]any, len(streets))
	for i, st := range streets {
		rows[i] = map[string]any{"notice_id": id, "street": st}
	}
	if err := tx.Table("notice_streets").Create(rows).Error; err != nil {
		return fmt.Errorf("notice streets: %w", err)
	}
	return nil
}

// FillReach records the reach of the departments' notices that have none
// recorded: those written before notice_streets existed (migration 41),
// or by the previous release during an upgrade; filled is how many. The
// server runs it as it starts and every minute (task audiences.reach);
// until then such a notice is in no street-limited member's list.
func (s *Service) FillReach(ctx context.Context, r StreetRegions) (filled int, err error) {
	for {
		var batch []Notice
		err = s.db.WithContext(ctx).Model(&Notice{}).Select("id", "audience").
			Where("source IS NULL AND NOT EXISTS (SELECT 1 FROM notice_streets WHERE notice_streets.notice_id = notices.id)").
			Order("id").Limit(500).Find(&batch).Error
		if err != nil {
			return filled, fmt.Errorf("fill notice streets: %w", err)
		}
		for _, n := range batch {
			err := db.Transact(ctx, s.db, func(tx *gorm.DB) error { return insertReach(tx, n.ID, reachedStreets(n.Audience, r)) })
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
