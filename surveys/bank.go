package surveys

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/check"
	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/staff"
)

// The question bank for staff: a department sees its own questions and the
// starter bank (district-wide, DepartmentID nil) and manages its own; the
// starter bank is the district's (superadmins) to manage. A question
// already answered, or used by a survey that has been published (fixed, or
// in the pool a published quiz draws from), keeps its meaning: it cannot
// be edited, only retired and written anew.

// Errors of the question bank.
var (
	ErrQuestionNotFound = apperr.New(apperr.NotFound, "题目不存在")
	ErrQuestionShared   = apperr.New(apperr.PermissionDenied, "公共题库的题目由区级管理员维护，不能修改或停用")
	ErrQuestionInUse    = apperr.New(apperr.Conflict, "题目已用于发布的问卷或已有人作答，不能修改；可停用后新建一道")
	ErrQuestionRetired  = apperr.New(apperr.Conflict, "题目已停用")
)

// BankQuestion is a bank question as the bank lists it: InUse tells that
// it can no longer be edited (ErrQuestionInUse).
type BankQuestion struct {
	Question
	InUse bool `json:"in_use" doc:"Answered, or used by a published survey (fixed or in a published quiz's draw pool): it cannot be edited any more (409), only retired."`
}

// QuestionFilter narrows the bank.
// Its form tags are the query parameters of GET /admin/questions.
type QuestionFilter struct {
	Tag            string       `form:"tag" binding:"max=32" doc:"questions carrying this tag"`
	Q              string       `form:"q" binding:"max=100" doc:"words the stem contains"`
	Type           QuestionType `form:"kind" doc:"the question type"`
	IncludeRetired bool         `form:"include_retired" doc:"also retired questions (default false)"`
	Before         int64        `form:"-"` // cursor: IDs below it
	Limit          int          `form:"-"`
}

// Validate checks the filter. Returns an invalid_argument error naming the
// bad field.
func (f *QuestionFilter) Validate() error {
	return check.Struct(f)
}

// FindQuestions lists the bank questions m may use (their department's and
// the starter bank), newest first, narrowed by f. next is the cursor of
// the next page (0 on the last). Returns an invalid_argument error naming
// a bad filter field.
func (s *Service) FindQuestions(ctx context.Context, m *staff.Member, f QuestionFilter) ([]BankQuestion, int64, error) {
	if err := f.Validate(); err != nil {
		return nil, 0, err
	}
	tx := s.db.WithContext(ctx)
	q := s.visibleQuestions(tx, m.Scope())
	if f.Type != "" {
		q = q.Where("type = ?", f.Type)
	}
	if !f.IncludeRetired {
		q = q.Where("retired_at IS NULL")
	}
	if t := strings.TrimSpace(f.Tag); t != "" {
		q = q.Where("EXISTS (SELECT 1 FROM survey_question_tags t WHERE t.question_id = survey_questions.id AND t.tag = ?)", t)
	}
	if w := strings.TrimSpace(f.Q); w != "" {
		q = q.Where("stem LIKE ? ESCAPE '!'", db.Contains(w))
	}
	if f.Before > 0 {
		q = q.Where("id < ?", f.Before)
	}
	var qs []Question
	if err := q.Order("id DESC").Limit(f.Limit + 1).Find(&qs).Error; err != nil {
		return nil, 0, fmt.Errorf("find questions: %w", err)
	}
	var next int64
	if len(qs) > f.Limit {
		qs = qs[:f.Limit]
		next = qs[len(qs)-1].ID
	}
	used, err := s.inUse(tx, qs)
	if err != nil {
		return nil, 0, fmt.Errorf("find questions: %w", err)
	}
	out := make([]BankQuestion, len(qs))
	for i, q := range qs {
		out[i] = BankQuestion{Question: q, InUse: used[q.ID]}
	}
	return out, next, nil
}

// inUse reports which of qs keep answers' meaning: answered in a quiz
// attempt (or its tallies), a fixed question of a published survey, or in
// the pool of a published quiz that draws from the bank.
func (s *Service) inUse(tx *gorm.DB, qs []Question) (map[int64]bool, error) {
	used := map[int64]bool{}
	if len(qs) == 0 {
		return used, nil
	}
	ids := make([]int64, len(qs))
	for i, q := range qs {
		ids[i] = q.ID
	}
	for _, q := range []*gorm.DB{
		tx.Table("survey_items i").Joins("JOIN surveys s ON s.id = i.survey_id").
			Where("i.question_id IN ? AND s.status <> ?", ids, Draft).Distinct().Select("i.question_id"),
		tx.Table("survey_attempt_items").Where("question_id IN ?", ids).Distinct().Select("question_id"),
		tx.Table("survey_question_tallies").Where("question_id IN ?", ids).Distinct().Select("question_id"),
	} {
		var hit []int64
		if err := q.Scan(&hit).Error; err != nil {
			return nil, err
		}
		for _, id := range hit {
			used[id] = true
		}
	}
	var draws []Survey
	if err := tx.Select("id", "department_id", "draw_tags", "published_at").
		Where("status = ? AND draw_count > 0", Published).Find(&draws).Error; err != nil {
		return nil, err
	}
	for _, q := range qs {
		if !used[q.ID] && q.scored() && slices.ContainsFunc(draws, func(sv Survey) bool { return inPool(q, sv) }) {
			used[q.ID] = true
		}
	}
	return used, nil
}

// inPool reports whether published quiz sv may draw bank question q (pool
// spells the same rule in SQL).
func inPool(q Question, sv Survey) bool {
	if !staff.DepartmentScope(sv.DepartmentID).MayUse(q.DepartmentID) {
		return false
	}
	if q.RetiredAt != nil && sv.PublishedAt != nil && !q.RetiredAt.After(*sv.PublishedAt) {
		return false
	}
	if len(sv.DrawTags) == 0 {
		return true
	}
	return slices.ContainsFunc(q.Tags, func(t string) bool { return slices.Contains(sv.DrawTags, t) })
}

// managed loads, locked, a bank question m manages. Returns
// ErrQuestionNotFound for one m cannot see and ErrQuestionShared for a
// starter question m may use but not manage.
func (s *Service) managed(tx *gorm.DB, by staff.Scope, id int64) (*Question, error) {
	var q Question
	qq := tx.Where("id = ?", id)
	if db.DialectOf(tx) == db.MySQL {
		qq = qq.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	err := qq.Take(&q).Error
	if errors.Is(err, gorm.ErrRecordNotFound) || err == nil && !by.MayUse(q.DepartmentID) {
		return nil, ErrQuestionNotFound
	} else if err != nil {
		return nil, err
	}
	if !by.OwnsDepartment(q.DepartmentID) {
		return nil, ErrQuestionShared
	}
	return &q, nil
}

// UpdateQuestion replaces a bank question's content with nq (validated as
// a new question: a scored one needs its answer). Returns an
// invalid_argument error naming bad fields, ErrQuestionNotFound,
// ErrQuestionShared, ErrQuestionRetired for a retired question and
// ErrQuestionInUse for one whose answers must keep their meaning.
func (s *Service) UpdateQuestion(ctx context.Context, m *staff.Member, id int64, nq NewQuestion) (*Question, error) {
	fields := map[string]string{}
	nq.validate("", true, fields)
	if err := apperr.Fields(fields); err != nil {
		return nil, err
	}
	var out *Question
	err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		q, err := s.managed(tx, m.Scope(), id)
		if err != nil {
			return err
		}
		if q.RetiredAt != nil {
			return ErrQuestionRetired
		}
		used, err := s.inUse(tx, []Question{*q})
		if err != nil {
			return err
		}
		if used[q.ID] {
			return ErrQuestionInUse
		}
		q.Type, q.Stem, q.Options, q.Answer = nq.Type, nq.Stem, nonNil(nq.Options), nonNil(nq.Answer)
		q.Explanation, q.Article, q.Tags, q.UpdatedAt = nq.Explanation, nq.Article, dedupe(nq.Tags), s.now().UTC()
		if err := tx.Model(q).Select("type", "stem", "options", "answer", "explanation", "article", "tags", "updated_at").Updates(q).Error; err != nil {
			return err
		}
		if err := tx.Exec("DELETE FROM survey_question_tags WHERE question_id = ?", q.ID).Error; err != nil {
			return err
		}
		for _, t := range q.Tags {
			if err := tx.Table("survey_question_tags").Create(map[string]any{"question_id": q.ID, "tag": t}).Error; err != nil {
				return err
			}
		}
		out = q
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("update question: %w", err)
	}
	return out, nil
}

// RetireQuestion takes a bank question out of use for new surveys: it is
// offered for no new survey or draw; surveys that have it, and published
// quizzes that drew from it, keep it. Returns ErrQuestionNotFound,
// ErrQuestionShared and ErrQuestionRetired for one already retired.
func (s *Service) RetireQuestion(ctx context.Context, m *staff.Member, id int64) (*Question, error) {
	var out *Question
	err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		q, err := s.managed(tx, m.Scope(), id)
		if err != nil {
			return err
		}
		if q.RetiredAt != nil {
			return ErrQuestionRetired
		}
		now := s.now().UTC()
		if err := tx.Model(q).Updates(map[string]any{"retired_at": now, "updated_at": now}).Error; err != nil {
			return err
		}
		q.RetiredAt, q.UpdatedAt = &now, now
		out = q
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("retire question: %w", err)
	}
	return out, nil
}
