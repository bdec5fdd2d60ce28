package surveys

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/text"
	"github.com/futian/ifutian/residents"
)

// What a quiz attempt and a response share: checking a resident's answers
// against the questions they were asked, finding where the resident lives,
// and granting the survey's points once the answers are stored.

// asked is a question as a resident was asked it: with the options shown
// (an attempt's, in its shuffled order) and whether it must be answered.
type asked struct {
	Question
	Required bool
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
		if n := utf8.RuneCountInString(v); text.Blank(v) || n > maxTextAnswer {
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

// checkAnswers checks a resident's answers (question ID → values) against
// the questions asked, by decimal ID. An empty list leaves a question
// unanswered, which a required question may not be; unknown is the
// message for an answer to a question not asked. It returns the cleaned
// answered questions, or an invalid_argument error naming
// "answers.<id>" for each bad answer.
func checkAnswers(questions map[string]asked, answers map[string][]string, unknown string) (map[string][]string, error) {
	fields := map[string]string{}
	clean := map[string][]string{}
	for k, vs := range answers {
		q, ok := questions[k]
		if !ok {
			fields["answers."+k] = unknown
			continue
		}
		if len(vs) == 0 {
			continue
		}
		v, msg := checkAnswer(q.Question, vs)
		if msg != "" {
			fields["answers."+k] = msg
			continue
		}
		clean[k] = v
	}
	for k, q := range questions {
		if _, ok := clean[k]; !ok && q.Required && fields["answers."+k] == "" {
			fields["answers."+k] = "必答"
		}
	}
	if err := apperr.Fields(fields); err != nil {
		return nil, err
	}
	return clean, nil
}

// answerValue is one row of survey_choices: an option chosen, a number
// given, or "" marking a text question answered (its text stays in the
// response alone). Statistics count these rows.
type answerValue struct {
	QuestionID int64
	Value      string
}

// answerValues lists the rows of survey_choices for cleaned answers, by
// question ID.
func answerValues(questions map[string]asked, clean map[string][]string) []answerValue {
	var out []answerValue
	for k, vs := range clean {
		q := questions[k]
		if q.Type == Text {
			out = append(out, answerValue{q.ID, ""})
			continue
		}
		for _, v := range vs {
			out = append(out, answerValue{q.ID, v})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].QuestionID != out[j].QuestionID {
			return out[i].QuestionID < out[j].QuestionID
		}
		return out[i].Value < out[j].Value
	})
	return out
}

// place is where a resident lives when answering; it is kept with the
// answers, so statistics and exports are by the street of the time.
type place struct{ Street, Community string }

func (s *Service) placeOf(tx *gorm.DB, residentID int64) (place, error) {
	var p place
	err := tx.Table(residents.Table).Select(residents.StreetColumn(rs)+", "+residents.CommunityColumn(rs)).
		Where(residents.IDColumn(rs)+" = ?", residentID).Take(&p).Error
	if err != nil {
		return p, fmt.Errorf("find resident: %w", err)
	}
	return p, nil
}
