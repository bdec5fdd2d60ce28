package surveys

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/internal/district"
)

// Response is a resident's answers to a questionnaire or declaration: one
// per resident, or one per resident per district day for a daily survey
// (Day is "" for a one-off survey). Street and community are the
// resident's at the time of answering. Each answered question also has
// rows in survey_choices (answerValue), which statistics count.
type Response struct {
	ID            int64               `json:"id,string"`
	SurveyID      int64               `json:"survey_id,string"`
	ResidentID    int64               `json:"resident_id,string"`
	Day           string              `json:"day" doc:"The district day (YYYY-MM-DD) of a daily survey."`
	Street        string              `json:"street"`
	Community     string              `json:"community"`
	Answers       map[string][]string `json:"answers" gorm:"serializer:json"`
	PointsAwarded int64               `json:"points_awarded"`
	PointsStatus  PointsStatus        `json:"points_status"`
	SubmittedAt   time.Time           `json:"submitted_at"`
	CreatedAt     time.Time           `json:"-"`
	// ErasedAt is when retention erased the answers (see retention.go).
	ErasedAt *time.Time `json:"erased_at,omitempty"`
}

// TableName maps Response to its table.
func (Response) TableName() string { return "survey_responses" }

// Receipt confirms a response.
type Receipt struct {
	ResponseID    int64     `json:"response_id,string"`
	Day           string    `json:"day,omitempty" doc:"The district day (YYYY-MM-DD) of a daily survey."`
	SubmittedAt   time.Time `json:"submitted_at"`
	PointsAwarded int64     `json:"points_awarded"`
	// PointsStatus is "" (no points), pending (积分发放中), granted or
	// refused (a cap).
	PointsStatus PointsStatus `json:"points_status" doc:"Where the points stand: empty: none to grant (no points rule); pending: 积分发放中, the grant is queued and lands later; granted (points_awarded); refused (a cap, or a rule the survey may not use)."`
}

var errQuizNeedsAttempt = apperr.New(apperr.Invalid, "测验须先开始答题（POST /surveys/{id}/attempts）")

// responseFacts is what deciding a response depends on: the survey (open
// to the resident), its questions, where the resident lives, and when.
type responseFacts struct {
	survey *Survey
	items  []item
	place  place
	now    time.Time
}

// loadResponse reads the facts of a response. Returns ErrNotFound unless
// the survey is open to the resident.
func (s *Service) loadResponse(tx *gorm.DB, residentID, surveyID int64, now time.Time) (*responseFacts, error) {
	sv, err := s.openTo(tx, residentID, surveyID, now)
	if err != nil {
		return nil, err
	}
	f := &responseFacts{survey: sv, now: now}
	if f.items, err = s.items(tx, sv.ID); err != nil {
		return nil, err
	}
	if f.place, err = s.placeOf(tx, residentID); err != nil {
		return nil, err
	}
	return f, nil
}

// responsePlan is a decided response: its row and its survey_choices rows.
type responsePlan struct {
	response Response
	values   []answerValue
}

// decideResponse decides a resident's response from its facts alone:
// refused for a quiz, or with an invalid_argument error naming
// "answers.<id>" for each bad or missing answer; otherwise the rows to
// write, on today's district day for a daily survey.
func decideResponse(f responseFacts, residentID int64, answers map[string][]string) (*responsePlan, error) {
	sv := f.survey
	if sv.Kind == Quiz {
		return nil, errQuizNeedsAttempt
	}
	questions := map[string]asked{}
	for _, it := range f.items {
		questions[strconv.FormatInt(it.ID, 10)] = asked{Question: it.Question, Required: it.Required}
	}
	clean, err := checkAnswers(questions, answers, "不是本问卷的题目")
	if err != nil {
		return nil, err
	}
	day := ""
	if sv.Recurrence == Daily {
		day = district.Date(f.now)
	}
	return &responsePlan{
		response: Response{
			SurveyID: sv.ID, ResidentID: residentID, Day: day, Street: f.place.Street, Community: f.place.Community,
			Answers: clean, SubmittedAt: f.now, CreatedAt: f.now,
		},
		values: answerValues(questions, clean),
	}, nil
}

// applyResponse writes a decided response. Returns ErrAlreadySubmitted
// when the resident has responded already (that day, for a daily survey).
func applyResponse(tx *gorm.DB, p *responsePlan) error {
	r := &p.response
	if err := tx.Create(r).Error; err != nil {
		if isDuplicate(err) {
			return ErrAlreadySubmitted
		}
		return err
	}
	for _, v := range p.values {
		if err := tx.Table("survey_choices").Create(map[string]any{
			"response_id": r.ID, "survey_id": r.SurveyID, "question_id": v.QuestionID, "day": r.Day, "value": v.Value,
		}).Error; err != nil {
			return err
		}
	}
	return nil
}

// Respond records a resident's answers to a questionnaire or declaration.
// Every answer is checked against its question (options, type), required
// questions must be answered. With a points rule, the points grant is
// queued in the same transaction (idempotent per resident and day) and run
// at once; the receipt says where it stands (pending if the points module
// failed: the queue grants them later). Returns ErrNotFound unless the
// survey is open to the resident, ErrAlreadySubmitted for a second response
// (the same day, for a daily survey), and an invalid_argument error naming
// "answers.<id>" for each bad answer.
func (s *Service) Respond(ctx context.Context, residentID, surveyID int64, answers map[string][]string) (*Receipt, error) {
	now := s.now().UTC()
	var (
		plan *responsePlan
		job  string
	)
	err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		f, err := s.loadResponse(tx, residentID, surveyID, now)
		if err != nil {
			return err
		}
		if plan, err = decideResponse(*f, residentID, answers); err != nil {
			return err
		}
		if err := applyResponse(tx, plan); err != nil {
			return err
		}
		r := plan.response
		ext := fmt.Sprintf("decl:%d:%d:%s", f.survey.ID, residentID, r.Day)
		if r.Day == "" {
			ext = fmt.Sprintf("resp:%d:%d", f.survey.ID, residentID)
		}
		job, err = s.enqueueAward(tx, f.survey, residentID, "survey_responses", r.ID, ext, f.survey.Title)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("respond: %w", err)
	}
	r := plan.response
	rec := &Receipt{ResponseID: r.ID, Day: r.Day, SubmittedAt: now}
	if job != "" {
		if rec.PointsAwarded, rec.PointsStatus, err = s.settleAward(ctx, job, "survey_responses", r.ID); err != nil {
			rec.PointsStatus = PointsPending
		}
	}
	return rec, nil
}
