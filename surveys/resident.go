package surveys

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/district"
	"github.com/futian/ifutian/residents"
)

// PublicQuestion is a question as residents see it: never its answer or
// explanation.
type PublicQuestion struct {
	ID       int64        `json:"id,string"`
	Type     QuestionType `json:"type"`
	Stem     string       `json:"stem"`
	Options  []string     `json:"options" doc:"In the order to show (shuffled per quiz attempt)."`
	Required bool         `json:"required"`
}

// PublicSurvey is a survey as a resident sees it, with their own
// participation.
type PublicSurvey struct {
	ID             int64      `json:"id,string"`
	Kind           Kind       `json:"kind"`
	Title          string     `json:"title"`
	Description    string     `json:"description"`
	OpensAt        time.Time  `json:"opens_at"`
	ClosesAt       *time.Time `json:"closes_at"`
	Recurrence     string     `json:"recurrence"`
	TimeLimitS     int        `json:"time_limit_s,omitempty"`
	AttemptsPerDay int        `json:"attempts_per_day,omitempty"`
	PassScore      int        `json:"pass_score,omitempty"`
	QuestionCount  int        `json:"question_count"`
	// TakenPartToday: a quiz attempt submitted, or a response given, today
	// (in the district's zone).
	TakenPartToday bool `json:"taken_part_today" doc:"A quiz attempt submitted or a response given today (district day)."`
	// Responded: for a one-off questionnaire or declaration, answered at all.
	Responded bool `json:"responded" doc:"Answered at all (for a one-off questionnaire)."`
	// AttemptsLeftToday is a quiz's remaining attempts today.
	AttemptsLeftToday *int `json:"attempts_left_today,omitempty"`
	// Questions are a questionnaire's or declaration's questions (a quiz
	// draws its own per attempt).
	Questions []PublicQuestion `json:"questions,omitempty" doc:"Questionnaire or declaration only; a quiz draws questions per attempt."`
}

// openTo loads a published survey that is open now and whose audience
// includes the resident. Returns ErrNotFound otherwise, so residents learn
// nothing of surveys not meant for them.
func (s *Service) openTo(tx *gorm.DB, residentID, id int64, now time.Time) (*Survey, error) {
	var sv Survey
	err := tx.Where("id = ? AND status = ?", id, Published).Take(&sv).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	} else if err != nil {
		return nil, fmt.Errorf("find survey: %w", err)
	}
	if now.Before(sv.OpensAt) || (sv.ClosesAt != nil && !now.Before(*sv.ClosesAt)) {
		return nil, ErrNotFound
	}
	ok, err := s.inAudience(tx, &sv, residentID, now)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrNotFound
	}
	return &sv, nil
}

func (s *Service) inAudience(tx *gorm.DB, sv *Survey, residentID int64, now time.Time) (bool, error) {
	var n int64
	err := sv.Audience.Scope(tx.Table(residents.Table), now).Where(residents.IDColumn(rs)+" = ?", residentID).Count(&n).Error
	if err != nil {
		return false, fmt.Errorf("match audience: %w", err)
	}
	return n > 0, nil
}

// public builds a resident's view of a survey; with questions, a
// questionnaire's or declaration's questions are included.
func (s *Service) public(tx *gorm.DB, sv *Survey, residentID int64, now time.Time, questions bool) (PublicSurvey, error) {
	p := PublicSurvey{
		ID: sv.ID, Kind: sv.Kind, Title: sv.Title, Description: sv.Description, OpensAt: sv.OpensAt,
		ClosesAt: sv.ClosesAt, Recurrence: sv.Recurrence,
	}
	today := district.Date(now)
	if sv.Kind == Quiz {
		p.TimeLimitS, p.AttemptsPerDay, p.PassScore = sv.TimeLimitS, sv.AttemptsPerDay, sv.PassScore
		var started, submitted int64
		if err := tx.Table("survey_attempts").Where("survey_id = ? AND resident_id = ? AND day = ?", sv.ID, residentID, today).
			Count(&started).Error; err != nil {
			return p, err
		}
		if err := tx.Table("survey_attempts").Where("survey_id = ? AND resident_id = ? AND day = ? AND submitted_at IS NOT NULL", sv.ID, residentID, today).
			Count(&submitted).Error; err != nil {
			return p, err
		}
		left := max(sv.AttemptsPerDay-int(started), 0)
		p.AttemptsLeftToday = &left
		p.TakenPartToday = submitted > 0
		p.QuestionCount = sv.DrawCount
		if sv.DrawCount == 0 {
			var n int64
			if err := tx.Table("survey_items").Where("survey_id = ?", sv.ID).Count(&n).Error; err != nil {
				return p, err
			}
			p.QuestionCount = int(n)
		}
		return p, nil
	}
	var answeredToday, answered int64
	if err := tx.Table("survey_responses").Where("survey_id = ? AND resident_id = ?", sv.ID, residentID).Count(&answered).Error; err != nil {
		return p, err
	}
	if err := tx.Table("survey_responses").Where("survey_id = ? AND resident_id = ? AND submitted_at >= ?", sv.ID, residentID, district.DayStart(now)).
		Count(&answeredToday).Error; err != nil {
		return p, err
	}
	p.TakenPartToday, p.Responded = answeredToday > 0, answered > 0
	its, err := s.items(tx, sv.ID)
	if err != nil {
		return p, err
	}
	p.QuestionCount = len(its)
	if questions {
		p.Questions = make([]PublicQuestion, len(its))
		for i, it := range its {
			p.Questions[i] = PublicQuestion{ID: it.ID, Type: it.Type, Stem: it.Stem, Options: it.Options, Required: it.Required}
		}
	}
	return p, nil
}

// FindForResident returns one survey open to the resident, with a
// questionnaire's or declaration's questions (never answers). Returns
// ErrNotFound if it is not published, not open now, or the resident is not
// in its audience.
func (s *Service) FindForResident(ctx context.Context, residentID, id int64) (PublicSurvey, error) {
	now := s.now().UTC()
	tx := s.db.WithContext(ctx)
	sv, err := s.openTo(tx, residentID, id, now)
	if err != nil {
		return PublicSurvey{}, err
	}
	p, err := s.public(tx, sv, residentID, now, true)
	if err != nil {
		return p, fmt.Errorf("survey for resident: %w", err)
	}
	return p, nil
}

// ListForResident returns the surveys open to the resident now, newest
// first, after the cursor (a survey ID; 0 for the first page), and the
// cursor of the next page (0 on the last).
func (s *Service) ListForResident(ctx context.Context, residentID, after int64, limit int) ([]PublicSurvey, int64, error) {
	now := s.now().UTC()
	tx := s.db.WithContext(ctx)
	var out []PublicSurvey
	cursor := after
	for {
		q := tx.Where("status = ? AND opens_at <= ? AND (closes_at IS NULL OR closes_at > ?)", Published, now, now)
		if cursor > 0 {
			q = q.Where("id < ?", cursor)
		}
		var batch []Survey
		if err := q.Order("id DESC").Limit(100).Find(&batch).Error; err != nil {
			return nil, 0, fmt.Errorf("list surveys: %w", err)
		}
		for i := range batch {
			sv := &batch[i]
			cursor = sv.ID
			ok, err := s.inAudience(tx, sv, residentID, now)
			if err != nil {
				return nil, 0, err
			}
			if !ok {
				continue
			}
			p, err := s.public(tx, sv, residentID, now, false)
			if err != nil {
				return nil, 0, fmt.Errorf("list surveys: %w", err)
			}
			out = append(out, p)
			if len(out) == limit {
				return out, sv.ID, nil
			}
		}
		if len(batch) < 100 {
			return out, 0, nil
		}
	}
}
