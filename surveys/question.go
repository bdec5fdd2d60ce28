package surveys

import (
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/check"
	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/internal/text"
	"github.com/futian/ifutian/staff"
)

// Question types. Quizzes use single, multi and judge, which have correct
// answers; questionnaires and declarations may also use text, number and
// rating, which have none.
const (
	Single QuestionType = "single"
	Multi  QuestionType = "multi"
	Judge  QuestionType = "judge"
	Text   QuestionType = "text"
	Number QuestionType = "number"
	Rating QuestionType = "rating"
)

// QuestionType is how a question is answered.
type QuestionType string

// Enum lists the question types.
func (QuestionType) Enum() []string {
	return []string{string(Single), string(Multi), string(Judge), string(Text), string(Number), string(Rating)}
}

var (
	questionTypes = []QuestionType{Single, Multi, Judge, Text, Number, Rating}
	judgeOptions  = []string{"对", "错"}
	ratingOptions = []string{"1", "2", "3", "4", "5"}
)

// maxImport is the most questions one bulk import may hold.
const maxImport = 500

// Question is an item of the question bank. Options are strings, and
// answers name option strings, so shuffling options never changes what is
// correct. A bank question with DepartmentID nil (the starter bank) is
// shared by every department; others are visible to their department only.
// Answer and Explanation never leave the server for residents before they
// submit.
type Question struct {
	ID           int64        `json:"id,string"`
	DepartmentID *int64       `json:"department_id,string" doc:"null for the starter bank, shared by every department"`
	SourceKey    *string      `json:"-"`
	Type         QuestionType `json:"type"`
	Stem         string       `json:"stem"`
	Options      []string     `json:"options" gorm:"serializer:json"`
	Answer       []string     `json:"answer" gorm:"serializer:json"`
	Explanation  string       `json:"explanation"`
	Article      string       `json:"article"`
	Tags         []string     `json:"tags" gorm:"serializer:json"`
	CreatedBy    *int64       `json:"-"`
	RetiredAt    *time.Time   `json:"retired_at" doc:"When the question was retired: offered for no new survey; surveys that have it keep it."`
	CreatedAt    time.Time    `json:"created_at"`
	UpdatedAt    time.Time    `json:"updated_at"`
}

// TableName maps Question to its table.
func (Question) TableName() string { return "survey_questions" }

// NewQuestion is a question to add to the bank or to a questionnaire.
// It is the body of PATCH /admin/questions/{id} and of POST
// /admin/questions (one, or an array of them); its binding tags state the
// limits every question is held to, from the API, a CSV import or a survey
// that writes one inline.
type NewQuestion struct {
	Type        QuestionType `json:"type" binding:"required" example:"single"`
	Stem        string       `json:"stem" binding:"required,max=500" example:"未成年人的法定代理人是谁？"`
	Options     []string     `json:"options" binding:"max=10,dive,max=100" doc:"Option strings, 2–10 for single/multi; a judge question has [\"对\",\"错\"] (filled in when left out); rating defaults to [\"1\"…\"5\"]; text and number have none."`
	Answer      []string     `json:"answer" doc:"The correct option strings. Required for single (exactly one), multi (one or more) and judge (one) in the bank; questionnaire questions may leave it out."`
	Explanation string       `json:"explanation" binding:"max=2000"`
	Article     string       `json:"article" binding:"max=128" doc:"The legal article the question rests on, e.g. 民法典第十七条"`
	Tags        []string     `json:"tags" binding:"max=10,dive,max=32"`
}

// normalize fills the fixed options of judge and rating questions and
// trims text.
func (q *NewQuestion) normalize() {
	q.Stem = strings.TrimSpace(q.Stem)
	if q.Type == Judge && len(q.Options) == 0 {
		q.Options = slices.Clone(judgeOptions)
	}
	if q.Type == Rating && len(q.Options) == 0 {
		q.Options = slices.Clone(ratingOptions)
	}
	for i := range q.Options {
		q.Options[i] = strings.TrimSpace(q.Options[i])
	}
	for i := range q.Answer {
		q.Answer[i] = strings.TrimSpace(q.Answer[i])
	}
}

// validate checks a question; scored questions (single, multi, judge) must
// carry their answer when requireAnswer is set. Field names are prefixed.
func (q *NewQuestion) validate(prefix string, requireAnswer bool, fields map[string]string) {
	// Presence, lengths and the type: the binding tags, the one statement.
	if err := check.Struct(q); err != nil {
		var ae *apperr.Error
		if !errors.As(err, &ae) || len(ae.Fields) == 0 {
			fields[prefix+"body"] = err.Error()
			return
		}
		for k, v := range ae.Fields {
			fields[prefix+k] = v
		}
		if _, bad := ae.Fields["type"]; bad {
			return
		}
	}
	q.normalize()
	for i, t := range q.Tags {
		if text.Blank(t) {
			fields[fmt.Sprintf("%stags[%d]", prefix, i)] = check.RequiredMessage
		}
	}
	switch q.Type {
	case Text, Number:
		if len(q.Options) > 0 {
			fields[prefix+"options"] = "填空题和数字题没有选项"
		}
		if len(q.Answer) > 0 {
			fields[prefix+"answer"] = "填空题和数字题没有标准答案"
		}
		return
	case Judge:
		if !slices.Equal(q.Options, judgeOptions) {
			fields[prefix+"options"] = `判断题的选项须为 ["对","错"]`
		}
	default:
		if _, bad := fields[prefix+"options"]; !bad && len(q.Options) < 2 {
			fields[prefix+"options"] = "须有 2–10 个选项"
		}
	}
	seen := map[string]bool{}
	for i, o := range q.Options {
		if text.Blank(o) {
			fields[fmt.Sprintf("%soptions[%d]", prefix, i)] = check.RequiredMessage
		}
		if seen[o] {
			fields[prefix+"options"] = "选项不能重复"
		}
		seen[o] = true
	}
	if q.Type == Rating {
		if len(q.Answer) > 0 {
			fields[prefix+"answer"] = "评分题没有标准答案"
		}
		return
	}
	if len(q.Answer) == 0 {
		if requireAnswer {
			fields[prefix+"answer"] = "必填"
		}
		return
	}
	chosen := map[string]bool{}
	for _, a := range q.Answer {
		if !seen[a] {
			fields[prefix+"answer"] = fmt.Sprintf("答案 %q 不在选项中", a)
		}
		if chosen[a] {
			fields[prefix+"answer"] = "答案不能重复"
		}
		chosen[a] = true
	}
	if (q.Type == Single || q.Type == Judge) && len(q.Answer) != 1 {
		fields[prefix+"answer"] = "单选题和判断题须有且仅有一个答案"
	}
}

// scored reports whether a question has a correct answer to score against.
func (q *Question) scored() bool {
	return (q.Type == Single || q.Type == Multi || q.Type == Judge) && len(q.Answer) > 0
}

// CreateQuestions adds questions to the bank of m's department, all or
// none. Every scored question must carry its answer. Returns an
// invalid_argument error naming each bad field as "[i].field" (or "field"
// for a single question).
func (s *Service) CreateQuestions(ctx context.Context, m *staff.Member, qs []NewQuestion, bulk bool) ([]Question, error) {
	if len(qs) == 0 {
		return nil, apperr.Field("items", "至少一道题")
	}
	if len(qs) > maxImport {
		return nil, apperr.Field("items", fmt.Sprintf("一次最多导入 %d 道题", maxImport))
	}
	fields := map[string]string{}
	for i := range qs {
		prefix := ""
		if bulk {
			prefix = fmt.Sprintf("[%d].", i)
		}
		qs[i].validate(prefix, true, fields)
	}
	if err := apperr.Fields(fields); err != nil {
		return nil, err
	}
	var out []Question
	err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		out = out[:0]
		dept := m.Scope().Department()
		for _, nq := range qs {
			by := m.ID
			q, err := s.insertQuestion(tx, nq, dept, &by, nil)
			if err != nil {
				return err
			}
			out = append(out, q)
		}
		if bulk {
			staff.AuditDetail(ctx, fmt.Sprintf("imported %d questions", len(out)))
		} else {
			staff.AuditTarget(ctx, "questions", strconv.FormatInt(out[0].ID, 10))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("create questions: %w", err)
	}
	return out, nil
}

func (s *Service) insertQuestion(tx *gorm.DB, nq NewQuestion, dept, by *int64, sourceKey *string) (Question, error) {
	now := s.now().UTC()
	tags := dedupe(nq.Tags)
	q := Question{
		DepartmentID: dept, SourceKey: sourceKey, Type: nq.Type, Stem: nq.Stem,
		Options: nonNil(nq.Options), Answer: nonNil(nq.Answer), Explanation: nq.Explanation,
		Article: nq.Article, Tags: tags, CreatedBy: by, CreatedAt: now, UpdatedAt: now,
	}
	if err := tx.Create(&q).Error; err != nil {
		return q, err
	}
	for _, t := range tags {
		if err := tx.Table("survey_question_tags").Create(map[string]any{"question_id": q.ID, "tag": t}).Error; err != nil {
			return q, err
		}
	}
	return q, nil
}

// csvColumns is the header a CSV import must start with. Options, answer
// and tags hold several values separated by "|".
var csvColumns = []string{"type", "stem", "options", "answer", "explanation", "article", "tags"}

// ParseQuestionsCSV reads a CSV import: a header row naming csvColumns
// (explanation, article and tags may be left out), then one question a
// row. Returns an invalid_argument error for a malformed file.
func ParseQuestionsCSV(r io.Reader) ([]NewQuestion, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, apperr.Field("body", "CSV 缺少表头")
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))] = i
	}
	for _, c := range csvColumns[:4] {
		if _, ok := col[c]; !ok {
			return nil, apperr.Field("body", "CSV 表头须含 type,stem,options,answer")
		}
	}
	get := func(rec []string, name string) string {
		if i, ok := col[name]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	list := func(s string) []string {
		if s == "" {
			return nil
		}
		return strings.Split(s, "|")
	}
	var out []NewQuestion
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, apperr.Field("body", fmt.Sprintf("第 %d 行无法解析", line))
		}
		if len(out) == maxImport {
			return nil, apperr.Field("items", fmt.Sprintf("一次最多导入 %d 道题", maxImport))
		}
		out = append(out, NewQuestion{
			Type: QuestionType(get(rec, "type")), Stem: get(rec, "stem"), Options: list(get(rec, "options")),
			Answer: list(get(rec, "answer")), Explanation: get(rec, "explanation"),
			Article: get(rec, "article"), Tags: list(get(rec, "tags")),
		})
	}
	return out, nil
}

//go:embed bank/starter.json
var starterBank []byte

// SeedStarter loads the starter bank of legal-education questions (民法典,
// 知识产权法, 个人信息保护法, 数据安全法), shared by every department. It is
// idempotent: a question already loaded (by its stem) is skipped. It
// returns how many questions it added.
func (s *Service) SeedStarter(ctx context.Context) (int, error) {
	var bank []NewQuestion
	if err := json.Unmarshal(starterBank, &bank); err != nil {
		return 0, fmt.Errorf("starter bank: %w", err)
	}
	added := 0
	for i, nq := range bank {
		fields := map[string]string{}
		nq.validate("", true, fields)
		if len(fields) > 0 {
			return added, fmt.Errorf("starter bank question %d: %v", i, fields)
		}
		sum := sha256.Sum256([]byte(nq.Stem))
		key := "starter:" + hex.EncodeToString(sum[:16])
		inserted := false
		err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
			var n int64
			if err := tx.Model(&Question{}).Where("source_key = ?", key).Count(&n).Error; err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			_, err := s.insertQuestion(tx, nq, nil, nil, &key)
			inserted = err == nil
			return err
		})
		if err != nil && !isDuplicate(err) {
			return added, fmt.Errorf("seed starter bank: %w", err)
		}
		if err == nil && inserted {
			added++
		}
	}
	return added, nil
}

func dedupe(ss []string) []string {
	out := []string{}
	for _, s := range ss {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func nonNil(ss []string) []string {
	if ss == nil {
		return []string{}
	}
	return ss
}
