package surveys

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/district"
)

// Response is a resident's answers to a questionnaire or declaration: one
// per resident, or one per resident per district day for a daily survey
// (Day is "" for a one-off survey). Street and community are the
// resident's at the time of answering.
type Response struct {
	ID            int64               `json:"id,string"`
	SurveyID      int64               `json:"survey_id,string"`
	ResidentID    int64               `json:"resident_id,string"`
	Day           string              `json:"day"`
	Street        string              `json:"street"`
	Community     string              `json:"community"`
	Answers       map[string][]string `json:"answers" gorm:"serializer:json"`
	PointsAwarded int64               `json:"points_awarded"`
	SubmittedAt   time.Time           `json:"submitted_at"`
	CreatedAt     time.Time           `json:"-"`
}

// TableName maps Response to its table.
func (Response) TableName() string { return "survey_responses" }

// Receipt confirms a response.
type Receipt struct {
	ResponseID    int64     `json:"response_id,string"`
	Day           string    `json:"day,omitempty"`
	SubmittedAt   time.Time `json:"submitted_at"`
	PointsAwarded int64     `json:"points_awarded"`
}

// maxTextAnswer is the longest text answer, in characters.
const maxTextAnswer = 1000

// checkAnswer validates one answer against its question; it returns the
// cleaned values or a message.
func checkAnswer(q Question, vs []string) ([]string, string) {
	switch q.Type {
	case Text:
		if len(vs) != 1 {
			return nil, "填空题须填一项"
		}
		v := strings.TrimSpace(vs[0])
		if n := utf8.RuneCountInString(v); n < 1 || n > maxTextAnswer {
			return nil, fmt.Sprintf("须为 1–%d 个字符", maxTextAnswer)
		}
		return []string{v}, ""
	case Number:
		if len(vs) != 1 {
			return nil, "数字题须填一个数"
		}
		v := strings.TrimSpace(vs[0])
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) || len(v) > 32 {
			return nil, "须为数字"
		}
		return []string{v}, ""
	}
	vs = dedupe(vs)
	for _, v := range vs {
		if !slices.Contains(q.Options, v) {
			return nil, fmt.Sprintf("%q 不是该题的选项", v)
		}
	}
	if q.Type != Multi && len(vs) != 1 {
		return nil, "须选且只选一项"
	}
	return vs, ""
}

// Respond records a resident's answers to a questionnaire or declaration.
// Every answer is checked against its question (options, type), required
// questions must be answered. With a points rule, points are awarded
// through the points module (idempotent per resident and day). Returns
// ErrNotFound unless the survey is open to the resident, ErrAlreadySubmitted
// for a second response (the same day, for a daily survey), and an
// invalid_argument error naming "answers.<id>" for each bad answer. If only
// the points award fails, it returns the stored receipt with 0 points and
// the error.
func (s *Service) Respond(ctx context.Context, residentID, surveyID int64, answers map[string][]string) (*Receipt, error) {
	now := s.now().UTC()
	var (
		rec *Receipt
		sv  *Survey
	)
	err := s.retry(ctx, func() error {
		return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			var err error
			if sv, err = s.openTo(tx, residentID, surveyID, now); err != nil {
				return err
			}
			if sv.Kind == Quiz {
				return apperr.New(apperr.Invalid, "测验须先开始答题（POST /surveys/{id}/attempts）")
			}
			its, err := s.items(tx, sv.ID)
			if err != nil {
				return err
			}
			byKey := map[string]item{}
			for _, it := range its {
				byKey[strconv.FormatInt(it.ID, 10)] = it
			}
			fields := map[string]string{}
			clean := map[string][]string{}
			for k, vs := range answers {
				it, ok := byKey[k]
				if !ok {
					fields["answers."+k] = "不是本问卷的题目"
					continue
				}
				if len(vs) == 0 {
					continue
				}
				v, msg := checkAnswer(it.Question, vs)
				if msg != "" {
					fields["answers."+k] = msg
					continue
				}
				clean[k] = v
			}
			for k, it := range byKey {
				if _, ok := clean[k]; !ok && it.Required && fields["answers."+k] == "" {
					fields["answers."+k] = "必答"
				}
			}
			if err := apperr.Fields(fields); err != nil {
				return err
			}
			d := ""
			if sv.Recurrence == Daily {
				d = district.Date(now)
			}
			var who struct{ Street, Community string }
			if err := tx.Table("residents").Select("street, community").Where("id = ?", residentID).Take(&who).Error; err != nil {
				return err
			}
			r := Response{
				SurveyID: sv.ID, ResidentID: residentID, Day: d, Street: who.Street, Community: who.Community,
				Answers: clean, SubmittedAt: now, CreatedAt: now,
			}
			if err := tx.Create(&r).Error; err != nil {
				if isDuplicate(err) {
					return ErrAlreadySubmitted
				}
				return err
			}
			for k, vs := range clean {
				t := byKey[k].Type
				if t == Text || t == Number {
					continue
				}
				for _, v := range vs {
					if err := tx.Table("survey_choices").Create(map[string]any{
						"response_id": r.ID, "survey_id": sv.ID, "question_id": byKey[k].ID, "day": d, "value": v,
					}).Error; err != nil {
						return err
					}
				}
			}
			rec = &Receipt{ResponseID: r.ID, Day: d, SubmittedAt: now}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("respond: %w", err)
	}
	if sv.PointsRule != "" {
		ext := fmt.Sprintf("decl:%d:%d:%s", sv.ID, residentID, rec.Day)
		if rec.Day == "" {
			ext = fmt.Sprintf("resp:%d:%d", sv.ID, residentID)
		}
		n, err := s.grant(ctx, sv, residentID, ext, sv.Title)
		if err != nil {
			// The response is stored; only the award failed.
			return rec, err
		}
		rec.PointsAwarded = n
		if n != 0 {
			if err := s.db.WithContext(ctx).Model(&Response{}).Where("id = ?", rec.ResponseID).Update("points_awarded", n).Error; err != nil {
				return nil, fmt.Errorf("record points: %w", err)
			}
		}
	}
	return rec, nil
}
