package surveys

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"github.com/futian/ifutian/residents"
	"github.com/futian/ifutian/staff"
)

// MissingResident is a targeted resident who has not responded.
type MissingResident struct {
	ResidentID int64  `json:"resident_id,string"`
	Nickname   string `json:"nickname"`
	Street     string `json:"street"`
	Community  string `json:"community"`
}

// rs is how a survey's statements over residents name the residents table:
// by the table's name, unaliased, as notify.Audience.Scope does.
const rs = residents.Table

// missingQuery selects the survey's audience members in scope who gave no
// response on day d (any response, for a one-off survey).
func (s *Service) missingQuery(tx *gorm.DB, by staff.Scope, sv *Survey, d string) *gorm.DB {
	q := sv.Audience.Scope(tx.Table(residents.Table), s.now())
	q = by.Filter(q, staff.Columns{Street: residents.StreetColumn(rs)})
	if sv.Recurrence == Daily {
		return q.Where("NOT EXISTS (SELECT 1 FROM survey_responses r WHERE r.survey_id = ? AND r.resident_id = "+residents.IDColumn(rs)+" AND r.day = ?)", sv.ID, d)
	}
	return q.Where("NOT EXISTS (SELECT 1 FROM survey_responses r WHERE r.survey_id = ? AND r.resident_id = "+residents.IDColumn(rs)+")", sv.ID)
}

// Missing lists the targeted residents (within m's streets) who have not
// responded on day d, by ascending ID after the cursor, and the cursor of
// the next page (0 on the last). Returns ErrNotFound outside m's
// department, and an invalid_argument error for a quiz.
func (s *Service) Missing(ctx context.Context, m *staff.Member, id int64, d string, after int64, limit int) ([]MissingResident, int64, error) {
	tx := s.db.WithContext(ctx)
	by := m.Scope()
	sv, err := s.owned(tx, by, id)
	if err != nil {
		return nil, 0, err
	}
	if sv.Kind == Quiz {
		return nil, 0, errQuizHasNoMissing
	}
	var out []MissingResident
	err = s.missingQuery(tx, by, sv, d).Select(residents.IDColumn(rs)+" AS resident_id, "+residents.NicknameColumn(rs)+", "+
		residents.StreetColumn(rs)+", "+residents.CommunityColumn(rs)).
		Where(residents.IDColumn(rs)+" > ?", after).Order(residents.IDColumn(rs)).Limit(limit + 1).Scan(&out).Error
	if err != nil {
		return nil, 0, fmt.Errorf("missing residents: %w", err)
	}
	var next int64
	if len(out) > limit {
		out = out[:limit]
		next = out[limit-1].ResidentID
	}
	return out, next, nil
}
