// Package surveys runs legal-education quizzes scored on the server,
// questionnaires and daily declarations.
package surveys

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/clock"
	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/internal/district"
	"github.com/futian/ifutian/jobs"
	"github.com/futian/ifutian/notify"
	"github.com/futian/ifutian/points"
	"github.com/futian/ifutian/staff"
)

// Kind is what a survey is: a scored quiz, a questionnaire or a
// declaration.
type Kind string

// Survey kinds.
const (
	Quiz          Kind = "quiz"
	Questionnaire Kind = "questionnaire"
	Declaration   Kind = "declaration"
)

// Enum lists the kinds.
func (Kind) Enum() []string {
	return []string{string(Quiz), string(Questionnaire), string(Declaration)}
}

// Status is where a survey stands for staff.
type Status string

// Enum lists the statuses.
func (Status) Enum() []string { return []string{string(Draft), string(Published), string(Closed)} }

// Daily is the recurrence of a survey answered once a day.
const Daily = "daily"

// Survey statuses: staff build a draft, residents see it once published.
const (
	Draft     Status = "draft"
	Published Status = "published"
)

// Errors the surveys module returns. Their messages are safe to show.
var (
	ErrNotFound         = apperr.New(apperr.NotFound, "问卷不存在")
	ErrAttemptNotFound  = apperr.New(apperr.NotFound, "答题记录不存在")
	ErrAlreadyPublished = apperr.New(apperr.Conflict, "问卷已发布")
	ErrAlreadySubmitted = apperr.New(apperr.Conflict, "您已提交过")
	ErrDeadlinePassed   = apperr.New(apperr.Conflict, "已超过答题时限")
	ErrNoAttemptsLeft   = apperr.New(apperr.Conflict, "今日答题次数已用完")
)

// notifier is what surveys needs from the notify module.
type notifier interface {
	SendDirect(ctx context.Context, n notify.DirectNotice) error
}

// granter is what surveys needs from the points module: granting points
// on behalf of a survey's department, and checking ahead that a department
// may use a rule.
type granter interface {
	Grant(ctx context.Context, by staff.Scope, req points.AwardRequest) (*points.Transaction, bool, error)
	UsableRule(ctx context.Context, by staff.Scope, code string) (*points.Rule, error)
}

// Service manages surveys. It is safe for concurrent use.
type Service struct {
	db     *gorm.DB
	now    func() time.Time
	notify notifier
	points granter
	jobs   *jobs.Queue // nil: jobs wait for the workers
}

// Deps is what a Service is built from.
type Deps struct {
	DB     *gorm.DB
	Notify notifier         // sends reminders
	Points granter          // awards points
	Now    func() time.Time // nil: time.Now
}

// New returns a Service over d.DB.
func New(d Deps) *Service {
	return &Service{db: d.DB, now: clock.Or(d.Now), notify: d.Notify, points: d.Points}
}

// Survey is a quiz, questionnaire or declaration owned by a department.
// A quiz has either fixed questions or a draw (tags and count) from the
// bank; questionnaires and declarations have fixed questions. Residents in
// its audience see it once published, between OpensAt and ClosesAt. Its
// answers are kept RetentionDays days after they were given, then erased
// down to anonymous counts (retention.go).
type Survey struct {
	ID             int64           `json:"id,string"`
	DepartmentID   *int64          `json:"department_id,string" doc:"null for a district-wide survey"`
	CreatedBy      int64           `json:"created_by,string"`
	Kind           Kind            `json:"kind"`
	Title          string          `json:"title"`
	Description    string          `json:"description"`
	Audience       notify.Audience `json:"audience" gorm:"serializer:json"`
	OpensAt        time.Time       `json:"opens_at"`
	ClosesAt       *time.Time      `json:"closes_at"`
	DrawTags       []string        `json:"-" gorm:"serializer:json"`
	DrawCount      int             `json:"-"`
	TimeLimitS     int             `json:"time_limit_s"`
	AttemptsPerDay int             `json:"attempts_per_day"`
	PassScore      int             `json:"pass_score"`
	PointsRule     string          `json:"points_rule"`
	Recurrence     string          `json:"recurrence"`
	RetentionDays  int             `json:"retention_days" doc:"Days the answers are kept before they are erased down to anonymous counts."`
	Status         Status          `json:"status" doc:"closed: published, and closes_at has passed (residents no longer answer it)"`
	CourseKey      *string         `json:"-"` // a course's quiz (status Course): its course
	CourseJob      string          `json:"-"` // a course's quiz: the job a pass enqueues
	PublishedAt    *time.Time      `json:"published_at"`
	CreatedAt      time.Time       `json:"created_at"`
	UpdatedAt      time.Time       `json:"updated_at"`

	// Draw and Questions are filled for staff views.
	Draw      *Draw        `json:"draw,omitempty" gorm:"-"`
	Questions []SurveyItem `json:"questions,omitempty" gorm:"-" doc:"Fixed questions in order (staff views with questions: create, get, patch, publish, close)."`
}

// SurveyItem is one of a survey's fixed questions as staff see it: the bank
// question (with its answer) and whether residents must answer it.
type SurveyItem struct {
	Question
	Required bool `json:"required" doc:"Whether residents must answer it."`
}

// TableName maps Survey to its table.
func (Survey) TableName() string { return "surveys" }

// Draw picks each attempt's questions from the bank: count questions
// carrying any of tags (any tag when empty).
type Draw struct {
	Tags  []string `json:"tags" doc:"Draw questions carrying any of these tags (any question when empty)."`
	Count int      `json:"count" binding:"required,min=1,max=100" example:"10"`
}

// item is a survey's fixed question with its position and whether it must
// be answered.
type item struct {
	Question
	Required bool
}

// items returns a survey's fixed questions in order.
func (s *Service) items(tx *gorm.DB, surveyID int64) ([]item, error) {
	var rows []struct {
		QuestionID int64
		Required   bool
	}
	if err := tx.Table("survey_items").Where("survey_id = ?", surveyID).Order("position").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("survey items: %w", err)
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.QuestionID
	}
	byID, err := s.questionsByID(tx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]item, 0, len(rows))
	for _, r := range rows {
		out = append(out, item{Question: byID[r.QuestionID], Required: r.Required})
	}
	return out, nil
}

func (s *Service) questionsByID(tx *gorm.DB, ids []int64) (map[int64]Question, error) {
	byID := map[int64]Question{}
	if len(ids) == 0 {
		return byID, nil
	}
	var qs []Question
	if err := tx.Where("id IN ?", ids).Find(&qs).Error; err != nil {
		return nil, fmt.Errorf("load questions: %w", err)
	}
	for _, q := range qs {
		byID[q.ID] = q
	}
	return byID, nil
}

// adminView fills a survey's draw and questions (with answers) for staff.
func (s *Service) adminView(ctx context.Context, sv *Survey) (*Survey, error) {
	if sv.DrawCount > 0 {
		sv.Draw = &Draw{Tags: sv.DrawTags, Count: sv.DrawCount}
	}
	its, err := s.items(s.db.WithContext(ctx), sv.ID)
	if err != nil {
		return nil, err
	}
	sv.Questions = make([]SurveyItem, len(its))
	for i, it := range its {
		sv.Questions[i] = SurveyItem{Question: it.Question, Required: it.Required}
	}
	sv.fill(s.now().UTC())
	return sv, nil
}

// owned loads a survey of a department the scope owns. Returns
// ErrNotFound for one that does not exist or is outside the scope.
func (s *Service) owned(tx *gorm.DB, by staff.Scope, id int64) (*Survey, error) {
	var sv Survey
	err := tx.Where("id = ?", id).Take(&sv).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	} else if err != nil {
		return nil, fmt.Errorf("find survey: %w", err)
	}
	if !by.OwnsDepartment(sv.DepartmentID) || sv.Status == Course {
		return nil, ErrNotFound // a course's quiz is the course's
	}
	return &sv, nil
}

// Publish makes a draft survey visible to its audience (from opens_at).
// A quiz drawing from the bank must still find enough questions. Returns
// ErrNotFound for a survey m may not change (editable) and
// ErrAlreadyPublished for a published one.
func (s *Service) Publish(ctx context.Context, m *staff.Member, r notify.StreetRegions, id int64) (*Survey, error) {
	now := s.now().UTC()
	var sv *Survey
	err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		var err error
		if sv, err = s.editable(tx, m.Scope(), id, r); err != nil {
			return err
		}
		if sv.Status != Draft {
			return ErrAlreadyPublished
		}
		if err := s.checkDraw(tx, sv); err != nil {
			return err
		}
		res := tx.Model(&Survey{}).Where("id = ? AND status = ?", id, Draft).
			Updates(map[string]any{"status": Published, "published_at": now, "updated_at": now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrAlreadyPublished
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("publish survey: %w", err)
	}
	sv.Status, sv.PublishedAt, sv.UpdatedAt = Published, &now, now
	return s.adminView(ctx, sv)
}

// FindIDByTitle returns the ID of a survey of a department (nil: owned by
// no department) with the given title, or 0 (for idempotent seeding).
func (s *Service) FindIDByTitle(ctx context.Context, dept *int64, title string) (int64, error) {
	q := s.db.WithContext(ctx).Model(&Survey{}).Where("title = ?", title)
	if dept == nil {
		q = q.Where("department_id IS NULL")
	} else {
		q = q.Where("department_id = ?", *dept)
	}
	var ids []int64
	if err := q.Limit(1).Pluck("id", &ids).Error; err != nil {
		return 0, fmt.Errorf("find survey: %w", err)
	}
	if len(ids) == 0 {
		return 0, nil
	}
	return ids[0], nil
}

// ParseDay parses a "2006-01-02" date; "" means today in the district.
// Returns an invalid_argument error naming field "date".
func (s *Service) ParseDay(v string) (string, error) {
	if v == "" {
		return district.Date(s.now()), nil
	}
	if _, err := district.ParseDate(v); err != nil {
		return "", apperr.Field("date", "须为 YYYY-MM-DD")
	}
	return v, nil
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func isDuplicate(err error) bool { return db.IsDuplicate(err) }

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

var errQuizHasNoMissing = apperr.New(apperr.Invalid, "测验没有未填报名单，请查看统计")
