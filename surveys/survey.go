// Package surveys runs legal-education quizzes scored on the server,
// questionnaires and daily declarations.
package surveys

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/notify"
	"github.com/futian/ifutian/staff"
)

// Survey kinds.
const (
	Quiz          = "quiz"
	Questionnaire = "questionnaire"
	Declaration   = "declaration"
)

// Daily is the recurrence of a survey answered once a day.
const Daily = "daily"

// Survey statuses: staff build a draft, residents see it once published.
const (
	Draft     = "draft"
	Published = "published"
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

// granter is what surveys needs from the points module.
type granter interface {
	Grant(ctx context.Context, residentID int64, ruleCode, externalID, note string) (int64, error)
}

// Service manages surveys. It is safe for concurrent use.
type Service struct {
	db     *gorm.DB
	now    func() time.Time
	notify notifier
	points granter
}

// New returns a Service over db that sends reminders through n and awards
// points through p.
func New(gdb *gorm.DB, n notifier, p granter) *Service {
	return &Service{db: gdb, now: time.Now, notify: n, points: p}
}

// SetClock replaces the service's clock (for tests).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// Survey is a quiz, questionnaire or declaration owned by a department.
// A quiz has either fixed questions or a draw (tags and count) from the
// bank; questionnaires and declarations have fixed questions. Residents in
// its audience see it once published, between OpensAt and ClosesAt.
type Survey struct {
	ID             int64           `json:"id,string"`
	DepartmentID   *int64          `json:"department_id,string,omitempty"`
	CreatedBy      int64           `json:"created_by,string"`
	Kind           string          `json:"kind"`
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
	Status         string          `json:"status"`
	PublishedAt    *time.Time      `json:"published_at"`
	CreatedAt      time.Time       `json:"created_at"`
	UpdatedAt      time.Time       `json:"updated_at"`

	// Draw and Questions are filled for staff views.
	Draw      *Draw      `json:"draw,omitempty" gorm:"-"`
	Questions []Question `json:"questions,omitempty" gorm:"-"`
}

// TableName maps Survey to its table.
func (Survey) TableName() string { return "surveys" }

// Draw picks each attempt's questions from the bank: count questions
// carrying any of tags (any tag when empty).
type Draw struct {
	Tags  []string `json:"tags"`
	Count int      `json:"count"`
}

// QuestionRef is one entry of a new survey's questions: a bank question by
// ID ("12" or {"id":"12","required":false}) or a question written inline
// ({"type","stem","options",…,"required"}), which is added to the bank.
type QuestionRef struct {
	ID       int64
	Inline   *NewQuestion
	Required *bool
}

// UnmarshalJSON accepts an ID (string or number) or an object.
func (r *QuestionRef) UnmarshalJSON(b []byte) error {
	var id json.Number
	if err := json.Unmarshal(b, &id); err == nil {
		n, err := strconv.ParseInt(id.String(), 10, 64)
		if err != nil {
			return fmt.Errorf("question id %q: %w", id, err)
		}
		r.ID = n
		return nil
	}
	var obj struct {
		ID       json.Number `json:"id"`
		Required *bool       `json:"required"`
		NewQuestion
	}
	if err := json.Unmarshal(b, &obj); err != nil {
		return err
	}
	r.Required = obj.Required
	if obj.ID != "" {
		n, err := strconv.ParseInt(obj.ID.String(), 10, 64)
		if err != nil {
			return fmt.Errorf("question id %q: %w", obj.ID, err)
		}
		r.ID = n
		return nil
	}
	q := obj.NewQuestion
	r.Inline = &q
	return nil
}

// NewSurvey is a survey to create.
type NewSurvey struct {
	Kind           string          `json:"kind"`
	Title          string          `json:"title"`
	Description    string          `json:"description"`
	Audience       notify.Audience `json:"audience"`
	OpensAt        *time.Time      `json:"opens_at"`
	ClosesAt       *time.Time      `json:"closes_at"`
	Questions      []QuestionRef   `json:"questions"`
	Draw           *Draw           `json:"draw"`
	TimeLimitS     int             `json:"time_limit_s"`
	AttemptsPerDay int             `json:"attempts_per_day"`
	PassScore      *int            `json:"pass_score"`
	PointsRule     string          `json:"points_rule"`
	Recurrence     string          `json:"recurrence"`
}

// Defaults for quizzes.
const (
	defaultTimeLimit = 600
	defaultPassScore = 60
)

// validate checks the survey and fills defaults.
func (n *NewSurvey) validate(regions notify.Regions, now time.Time) error {
	f := map[string]string{}
	if !slices.Contains([]string{Quiz, Questionnaire, Declaration}, n.Kind) {
		f["kind"] = "须为 quiz、questionnaire 或 declaration"
	}
	if c := utf8.RuneCountInString(n.Title); c < 1 || c > 128 {
		f["title"] = "标题须为 1–128 个字符"
	}
	if utf8.RuneCountInString(n.Description) > 2000 {
		f["description"] = "说明不能超过 2000 个字符"
	}
	if err := n.Audience.Validate(regions, "audience."); err != nil {
		var ae *apperr.Error
		if errors.As(err, &ae) {
			for k, v := range ae.Fields {
				f[k] = v
			}
		}
	}
	if n.OpensAt == nil {
		n.OpensAt = &now
	}
	if n.ClosesAt != nil && !n.ClosesAt.After(*n.OpensAt) {
		f["closes_at"] = "须晚于 opens_at"
	}
	if len(n.PointsRule) > 64 {
		f["points_rule"] = "不能超过 64 个字符"
	}
	if len(n.Questions) > 100 {
		f["questions"] = "最多 100 道题"
	}
	switch n.Kind {
	case Quiz:
		if (len(n.Questions) > 0) == (n.Draw != nil) {
			f["questions"] = "测验须给出 questions 或 draw 之一"
		}
		if n.Draw != nil {
			if n.Draw.Count < 1 || n.Draw.Count > 100 {
				f["draw.count"] = "须在 1–100 之间"
			}
			for _, t := range n.Draw.Tags {
				if t == "" || utf8.RuneCountInString(t) > 32 {
					f["draw.tags"] = "标签须为 1–32 个字符"
				}
			}
		}
		if n.TimeLimitS == 0 {
			n.TimeLimitS = defaultTimeLimit
		}
		if n.TimeLimitS < 10 || n.TimeLimitS > 7200 {
			f["time_limit_s"] = "须在 10–7200 秒之间"
		}
		if n.AttemptsPerDay == 0 {
			n.AttemptsPerDay = 1
		}
		if n.AttemptsPerDay < 1 || n.AttemptsPerDay > 100 {
			f["attempts_per_day"] = "须在 1–100 之间"
		}
		if n.PassScore == nil {
			p := defaultPassScore
			n.PassScore = &p
		}
		if *n.PassScore < 0 || *n.PassScore > 100 {
			f["pass_score"] = "须在 0–100 之间"
		}
		if n.Recurrence != "" {
			f["recurrence"] = "测验不支持 recurrence，每日次数用 attempts_per_day"
		}
	case Questionnaire, Declaration:
		if len(n.Questions) == 0 {
			f["questions"] = "至少一道题"
		}
		if n.Draw != nil {
			f["draw"] = "只有测验可以抽题"
		}
		if n.Kind == Declaration && n.Recurrence == "" {
			n.Recurrence = Daily
		}
		if n.Recurrence != "" && n.Recurrence != Daily {
			f["recurrence"] = `须为 "daily" 或留空`
		}
		if n.TimeLimitS != 0 || n.AttemptsPerDay != 0 || n.PassScore != nil {
			f["kind"] = "time_limit_s、attempts_per_day、pass_score 只适用于测验"
		}
	}
	for i := range n.Questions {
		if n.Questions[i].Inline != nil {
			// Inline questions of a quiz are scored, so they need answers.
			n.Questions[i].Inline.validate(fmt.Sprintf("questions[%d].", i), n.Kind == Quiz, f)
		} else if n.Questions[i].ID <= 0 {
			f[fmt.Sprintf("questions[%d]", i)] = "题目不存在"
		}
	}
	return apperr.Fields(f)
}

// Create stores a draft survey owned by m's department. Questions named by
// ID must be bank questions m's department may use; a quiz's questions
// must all be scored; a draw must find enough questions. Returns an
// invalid_argument error naming each bad field.
func (s *Service) Create(ctx context.Context, m *staff.Member, n NewSurvey, regions notify.Regions) (*Survey, error) {
	now := s.now().UTC()
	if err := n.validate(regions, now); err != nil {
		return nil, err
	}
	sv := &Survey{
		DepartmentID: m.DepartmentID, CreatedBy: m.ID, Kind: n.Kind, Title: n.Title, Description: n.Description,
		Audience: n.Audience, OpensAt: n.OpensAt.UTC(), ClosesAt: utcPtr(n.ClosesAt), DrawTags: []string{},
		TimeLimitS: n.TimeLimitS, AttemptsPerDay: n.AttemptsPerDay, PointsRule: n.PointsRule,
		Recurrence: n.Recurrence, Status: Draft, CreatedAt: now, UpdatedAt: now,
	}
	if n.PassScore != nil {
		sv.PassScore = *n.PassScore
	}
	if n.Draw != nil {
		sv.DrawTags, sv.DrawCount = dedupe(n.Draw.Tags), n.Draw.Count
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if n.Draw != nil {
			ids, err := s.pool(tx, sv)
			if err != nil {
				return err
			}
			if len(ids) < sv.DrawCount {
				return apperr.Field("draw.count", fmt.Sprintf("题库中符合条件的题目只有 %d 道", len(ids)))
			}
		}
		if err := tx.Create(sv).Error; err != nil {
			return err
		}
		fields := map[string]string{}
		for i, ref := range n.Questions {
			key := fmt.Sprintf("questions[%d]", i)
			var q Question
			if ref.Inline != nil {
				by := m.ID
				var err error
				if q, err = s.insertQuestion(tx, *ref.Inline, m.DepartmentID, &by, nil); err != nil {
					return err
				}
			} else {
				err := s.visibleQuestions(tx, sv.DepartmentID).Where("id = ?", ref.ID).Take(&q).Error
				if errors.Is(err, gorm.ErrRecordNotFound) {
					fields[key] = "题目不存在"
					continue
				} else if err != nil {
					return err
				}
			}
			if sv.Kind == Quiz && !q.scored() {
				fields[key] = "测验只能使用有标准答案的单选、多选、判断题"
				continue
			}
			required := ref.Required == nil || *ref.Required
			if err := tx.Table("survey_items").Create(map[string]any{
				"survey_id": sv.ID, "position": i, "question_id": q.ID, "required": required,
			}).Error; err != nil {
				return err
			}
		}
		return apperr.Fields(fields)
	})
	if err != nil {
		return nil, fmt.Errorf("create survey: %w", err)
	}
	return s.adminView(ctx, sv)
}

// visibleQuestions scopes the bank to what a department may use: its own
// questions and the shared ones.
func (s *Service) visibleQuestions(tx *gorm.DB, dept *int64) *gorm.DB {
	q := tx.Model(&Question{})
	if dept == nil {
		return q
	}
	return q.Where("department_id IS NULL OR department_id = ?", *dept)
}

// pool returns the IDs of the bank questions a quiz draws from, ascending
// (the order the seeded shuffle starts from, so a draw can be replayed).
func (s *Service) pool(tx *gorm.DB, sv *Survey) ([]int64, error) {
	q := s.visibleQuestions(tx, sv.DepartmentID).Where("type IN ?", []string{Single, Multi, Judge}).Where("answer <> '[]'")
	if len(sv.DrawTags) > 0 {
		q = q.Where("EXISTS (SELECT 1 FROM survey_question_tags t WHERE t.question_id = survey_questions.id AND t.tag IN ?)", sv.DrawTags)
	}
	var ids []int64
	if err := q.Order("id").Pluck("id", &ids).Error; err != nil {
		return nil, fmt.Errorf("question pool: %w", err)
	}
	return ids, nil
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
	sv.Questions = make([]Question, len(its))
	for i, it := range its {
		sv.Questions[i] = it.Question
	}
	return sv, nil
}

// owned loads a survey that m's department owns. Returns ErrNotFound for
// one that does not exist or belongs to another department.
func (s *Service) owned(tx *gorm.DB, m *staff.Member, id int64) (*Survey, error) {
	var sv Survey
	err := tx.Where("id = ?", id).Take(&sv).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	} else if err != nil {
		return nil, fmt.Errorf("find survey: %w", err)
	}
	var dept int64
	if sv.DepartmentID != nil {
		dept = *sv.DepartmentID
	}
	if !m.InDepartment(dept) {
		return nil, ErrNotFound
	}
	return &sv, nil
}

// Publish makes a draft survey visible to its audience (from opens_at).
// Returns ErrNotFound outside m's department and ErrAlreadyPublished for a
// published one.
func (s *Service) Publish(ctx context.Context, m *staff.Member, id int64) (*Survey, error) {
	sv, err := s.owned(s.db.WithContext(ctx), m, id)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	res := s.db.WithContext(ctx).Model(&Survey{}).Where("id = ? AND status = ?", id, Draft).
		Updates(map[string]any{"status": Published, "published_at": now, "updated_at": now})
	if res.Error != nil {
		return nil, fmt.Errorf("publish survey: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, ErrAlreadyPublished
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

// day is the district's calendar date of t, "2006-01-02".
func day(t time.Time) string { return t.In(notify.District).Format(time.DateOnly) }

// ParseDay parses a "2006-01-02" date; "" means today in the district.
// Returns an invalid_argument error naming field "date".
func (s *Service) ParseDay(v string) (string, error) {
	if v == "" {
		return day(s.now()), nil
	}
	if _, err := time.ParseInLocation(time.DateOnly, v, notify.District); err != nil {
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

// retry runs a transaction again on a transient lock conflict.
func (s *Service) retry(ctx context.Context, fn func() error) error { return db.Retry(ctx, 5, fn) }

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

var errQuizHasNoMissing = apperr.New(apperr.Invalid, "测验没有未填报名单，请查看统计")
