package surveys

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/check"
	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/internal/text"
	"github.com/futian/ifutian/notify"
	"github.com/futian/ifutian/points"
	"github.com/futian/ifutian/staff"
)

// QuestionRef is one entry of a new survey's questions: a bank question by
// ID ("12" or {"id":"12","required":false}) or a question written inline
// ({"type","stem","options",…,"required"}), which is added to the bank.
type QuestionRef struct {
	ID       int64
	Inline   *NewQuestion
	Required *bool
}

// OneOf lists the shapes a QuestionRef is read from, for the API's
// document: a bank question's ID, {"id", "required"}, or a question
// written inline.
func (QuestionRef) OneOf() []any { return []any{questionID(""), questionByID{}, inlineQuestion{}} }

// questionID is a bank question named by its ID (a number is read too).
type questionID string

// SetSchema states it in the OpenAPI document (openapi3gen.SetSchemar).
func (questionID) SetSchema(s *openapi3.Schema) {
	s.Type, s.Description = &openapi3.Types{"string"}, "A bank question by ID"
}

// questionByID is a bank question named by its ID, with whether it must
// be answered.
type questionByID struct {
	ID       int64 `json:"id,string" binding:"required"`
	Required *bool `json:"required" doc:"default true: it must be answered"`
}

// inlineQuestion is a question written inline (added to the bank).
type inlineQuestion struct {
	NewQuestion
	Required *bool `json:"required" doc:"default true: it must be answered"`
}

// UnmarshalJSON accepts an ID (string or number) or an object. Anything
// else is a type error naming the field (encoding/json adds its name).
func (r *QuestionRef) UnmarshalJSON(b []byte) error {
	bad := &json.UnmarshalTypeError{Value: "value", Type: reflect.TypeFor[QuestionRef]()}
	var id json.Number
	if err := json.Unmarshal(b, &id); err == nil {
		n, err := strconv.ParseInt(id.String(), 10, 64)
		if err != nil {
			return bad
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
		return bad
	}
	r.Required = obj.Required
	if obj.ID != "" {
		n, err := strconv.ParseInt(obj.ID.String(), 10, 64)
		if err != nil {
			return bad
		}
		r.ID = n
		return nil
	}
	q := obj.NewQuestion
	r.Inline = &q
	return nil
}

// NewSurvey is a survey to create, the body of POST /admin/surveys. Its
// binding tags state the limits of each field; validate adds the rules
// between fields (a quiz's settings, questions or draw).
type NewSurvey struct {
	Kind           Kind            `json:"kind" binding:"required" example:"questionnaire"`
	Title          string          `json:"title" binding:"required,max=128" example:"社区满意度调查"`
	Description    string          `json:"description" binding:"max=2000"`
	Audience       notify.Audience `json:"audience"`
	OpensAt        *time.Time      `json:"opens_at" doc:"Default now."`
	ClosesAt       *time.Time      `json:"closes_at" doc:"Optional; must be after opens_at."`
	Questions      []QuestionRef   `json:"questions" binding:"max=100" doc:"Fixed questions. A quiz has questions or draw (not both), and uses only single/multi/judge questions with answers. Questionnaires and declarations need questions."`
	Draw           *Draw           `json:"draw" doc:"Quiz only: draw each attempt's questions from the bank instead of fixed ones."`
	TimeLimitS     int             `json:"time_limit_s" binding:"omitempty,min=10,max=7200" doc:"Quiz only; default 600. The server enforces the deadline (start + limit, or closes_at if earlier)."`
	AttemptsPerDay int             `json:"attempts_per_day" binding:"min=0,max=100" doc:"Quiz only: attempts per district day (UTC+8); 0 or left out: 1."`
	PassScore      *int            `json:"pass_score" binding:"omitempty,min=0,max=100" doc:"Quiz only; default 60."`
	PointsRule     string          `json:"points_rule" binding:"max=64" doc:"A points rule code; a passed quiz awards it (external id attempt:<id>), a response awards it (decl:<survey>:<resident>:<date> for a daily survey). Rule caps apply: a refused award is 0 points, not an error. Must be a rule of the survey's department or a district-wide rule (403 naming points_rule otherwise; 400 for an unknown rule)."`
	Recurrence     Recurrence      `json:"recurrence" doc:"Questionnaire or declaration: daily allows one response per resident per district day; a declaration defaults to daily."`
	RetentionDays  *int            `json:"retention_days" binding:"omitempty,min=1,max=3650" doc:"Days the answers are kept; then their content (answers, a quiz's per-question results) is erased and only anonymous counts per question, day and street are kept, so statistics do not change. Default 90 for a declaration, 365 otherwise."`
}

// Recurrence is how often a resident may answer a questionnaire or
// declaration: once ("") or once a district day (Daily).
type Recurrence string

// Enum lists the recurrences (check.Enumer).
func (Recurrence) Enum() []string { return []string{"", Daily} }

// Defaults for quizzes.
const (
	defaultTimeLimit = 600
	defaultPassScore = 60
)

// validate checks the survey and fills defaults.
func (n *NewSurvey) validate(regions notify.Regions, now time.Time) error {
	f := map[string]string{}
	// Presence, lengths, ranges and the kind: the binding tags, the one
	// statement (the API has refused what they refuse already).
	if err := check.Struct(n); err != nil {
		var ae *apperr.Error
		if !errors.As(err, &ae) || len(ae.Fields) == 0 {
			return err
		}
		maps.Copy(f, ae.Fields)
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
	n.PointsRule = strings.TrimSpace(n.PointsRule)
	if n.RetentionDays == nil {
		d := defaultRetention(n.Kind)
		n.RetentionDays = &d
	}
	switch n.Kind {
	case Quiz:
		if (len(n.Questions) > 0) == (n.Draw != nil) {
			f["questions"] = "测验须给出 questions 或 draw 之一"
		}
		if n.Draw != nil {
			for _, t := range n.Draw.Tags {
				if text.Blank(t) || utf8.RuneCountInString(t) > 32 {
					f["draw.tags"] = "标签须为 1–32 个字符"
				}
			}
		}
		if n.TimeLimitS == 0 {
			n.TimeLimitS = defaultTimeLimit
		}
		if n.AttemptsPerDay == 0 {
			n.AttemptsPerDay = 1
		}
		if n.PassScore == nil {
			p := defaultPassScore
			n.PassScore = &p
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
// ID must be bank questions m's department may use and not retired; a
// quiz's questions must all be scored; a draw must find enough questions.
// Returns an invalid_argument error naming each bad field, and
// permission_denied naming the field for an audience reaching beyond m's
// streets ("audience.streets" or "audience.communities") or a points rule
// of another department ("points_rule").
func (s *Service) Create(ctx context.Context, m *staff.Member, n NewSurvey, regions notify.StreetRegions) (*Survey, error) {
	now := s.now().UTC()
	by := m.Scope()
	if err := s.check(ctx, by, &n, regions, now); err != nil {
		return nil, err
	}
	sv := &Survey{DepartmentID: by.Department(), CreatedBy: m.ID, Status: Draft, CreatedAt: now}
	n.apply(sv, now)
	err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		sv.ID = 0
		if err := s.checkDraw(tx, sv); err != nil {
			return err
		}
		if err := tx.Create(sv).Error; err != nil {
			return err
		}
		if err := surveyReach().Record(tx, sv.ID, reach(sv.Audience, regions)); err != nil {
			return err
		}
		staff.AuditTarget(ctx, "surveys", strconv.FormatInt(sv.ID, 10))
		return s.storeItems(tx, by, m.ID, sv, n.Questions, nil)
	})
	if err != nil {
		return nil, fmt.Errorf("create survey: %w", err)
	}
	return s.adminView(ctx, sv)
}

// check validates a new or edited survey (filling defaults) and checks its
// audience and points rule against the scope.
func (s *Service) check(ctx context.Context, by staff.Scope, n *NewSurvey, regions notify.StreetRegions, now time.Time) error {
	if err := n.validate(regions, now); err != nil {
		return err
	}
	if err := notify.CheckReach(by, n.Audience, regions); err != nil {
		return err
	}
	if err := notify.CheckRules(ctx, s.db, by, n.Audience); err != nil {
		return err
	}
	return s.checkRule(ctx, by, n.PointsRule)
}

// apply copies a validated survey's settings onto sv.
func (n *NewSurvey) apply(sv *Survey, now time.Time) {
	a := &n.Audience
	for _, f := range []*[]string{&a.Streets, &a.Communities, &a.Tags, &a.EnterpriseGrades, &a.EnterpriseIndustries, &a.EnterpriseRecordKinds, &a.EnterpriseRecordSeverities} {
		*f = nonNil(*f)
	}
	if a.ResidentIDs == nil {
		a.ResidentIDs = notify.IDs{}
	}
	sv.Kind, sv.Title, sv.Description, sv.Audience = n.Kind, n.Title, n.Description, n.Audience
	sv.OpensAt, sv.ClosesAt = n.OpensAt.UTC(), utcPtr(n.ClosesAt)
	sv.TimeLimitS, sv.AttemptsPerDay, sv.PointsRule = n.TimeLimitS, n.AttemptsPerDay, n.PointsRule
	sv.Recurrence, sv.RetentionDays, sv.UpdatedAt = string(n.Recurrence), *n.RetentionDays, now
	sv.PassScore = 0
	if n.PassScore != nil {
		sv.PassScore = *n.PassScore
	}
	sv.DrawTags, sv.DrawCount = []string{}, 0
	if n.Draw != nil {
		sv.DrawTags, sv.DrawCount = dedupe(n.Draw.Tags), n.Draw.Count
	}
}

// checkDraw checks that a quiz drawing from the bank finds enough
// questions. Returns an invalid_argument error naming "draw.count".
func (s *Service) checkDraw(tx *gorm.DB, sv *Survey) error {
	if sv.DrawCount == 0 {
		return nil
	}
	ids, err := s.pool(tx, sv)
	if err != nil {
		return err
	}
	if len(ids) < sv.DrawCount {
		return apperr.Field("draw.count", fmt.Sprintf("题库中符合条件的题目只有 %d 道", len(ids)))
	}
	return nil
}

// storeItems stores a survey's fixed questions in order: inline ones are
// added to the bank, the others must be bank questions the scope may use
// and, unless kept (already the survey's), not retired. Returns an
// invalid_argument error naming each bad "questions[i]".
func (s *Service) storeItems(tx *gorm.DB, by staff.Scope, author int64, sv *Survey, refs []QuestionRef, kept map[int64]bool) error {
	fields := map[string]string{}
	for i, ref := range refs {
		key := fmt.Sprintf("questions[%d]", i)
		var q Question
		if ref.Inline != nil {
			var err error
			if q, err = s.insertQuestion(tx, *ref.Inline, sv.DepartmentID, &author, nil); err != nil {
				return err
			}
		} else {
			err := s.visibleQuestions(tx, by).Where("id = ?", ref.ID).Take(&q).Error
			if errors.Is(err, gorm.ErrRecordNotFound) {
				fields[key] = "题目不存在"
				continue
			} else if err != nil {
				return err
			}
			if q.RetiredAt != nil && !kept[q.ID] {
				fields[key] = "题目已停用"
				continue
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
}

// checkRule checks that a survey of the scope may name points rule code
// (none: ""): its own department's or a district-wide rule, the rules it
// will grant under (grant). Returns permission_denied naming "points_rule"
// for another department's rule and invalid_argument for an unknown one.
func (s *Service) checkRule(ctx context.Context, by staff.Scope, code string) error {
	if code == "" || s.points == nil {
		return nil
	}
	_, err := s.points.UsableRule(ctx, by, code)
	switch {
	case errors.Is(err, points.ErrRuleForbidden):
		return staff.OutOfScope("points_rule", "积分规则「"+code+"」属于其他部门，不能用于本部门的问卷")
	case errors.Is(err, points.ErrRuleNotFound):
		return apperr.Field("points_rule", "积分规则「"+code+"」不存在")
	case err != nil:
		return fmt.Errorf("check points rule: %w", err)
	}
	return nil
}

// visibleQuestions scopes the bank to what the scope may use: its own
// department's questions and the starter bank (MayUse).
func (s *Service) visibleQuestions(tx *gorm.DB, by staff.Scope) *gorm.DB {
	q := tx.Model(&Question{})
	if by.District() {
		return q
	}
	own := by.Filter(tx.Session(&gorm.Session{NewDB: true}), staff.Columns{Department: "department_id"})
	return q.Where(tx.Session(&gorm.Session{NewDB: true}).Where("department_id IS NULL").Or(own))
}

// pool returns the IDs of the bank questions a quiz draws from, ascending
// (the order the seeded shuffle starts from, so a draw can be replayed).
// A question retired after the quiz was published stays in its pool, so
// a published quiz draws as before; a draft draws from current questions.
func (s *Service) pool(tx *gorm.DB, sv *Survey) ([]int64, error) {
	q := s.visibleQuestions(tx, staff.DepartmentScope(sv.DepartmentID)).Where("type IN ?", []QuestionType{Single, Multi, Judge}).Where("answer <> '[]'")
	if sv.PublishedAt == nil {
		q = q.Where("retired_at IS NULL")
	} else {
		q = q.Where("(retired_at IS NULL OR retired_at > ?)", *sv.PublishedAt)
	}
	if len(sv.DrawTags) > 0 {
		q = q.Where("EXISTS (SELECT 1 FROM survey_question_tags t WHERE t.question_id = survey_questions.id AND t.tag IN ?)", sv.DrawTags)
	}
	var ids []int64
	if err := q.Order("id").Pluck("id", &ids).Error; err != nil {
		return nil, fmt.Errorf("question pool: %w", err)
	}
	return ids, nil
}
