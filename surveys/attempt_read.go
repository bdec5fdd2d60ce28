package surveys

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"
)

// Attempt states a resident reads.
const (
	AttemptOpen      AttemptStatus = "open"      // started, may be submitted until its deadline
	AttemptSubmitted AttemptStatus = "submitted" // scored: the result is there
	AttemptExpired   AttemptStatus = "expired"   // the deadline passed without a submit
)

// AttemptStatus is where a quiz attempt stands.
type AttemptStatus string

// Enum lists the attempt statuses.
func (AttemptStatus) Enum() []string {
	return []string{string(AttemptOpen), string(AttemptSubmitted), string(AttemptExpired)}
}

// AttemptView is a resident's own quiz attempt: the questions drawn for it
// (never their answers), and once submitted the result the submit gave,
// so a result whose response was lost can be read again.
type AttemptView struct {
	AttemptID int64            `json:"attempt_id,string"`
	SurveyID  int64            `json:"survey_id,string"`
	Status    AttemptStatus    `json:"status"`
	Questions []PublicQuestion `json:"questions"`
	StartedAt time.Time        `json:"started_at"`
	Deadline  time.Time        `json:"deadline"`
	// Result is what the submit answered (score, pass, points and
	// corrections); nil until submitted.
	Result *Result `json:"result" doc:"The submit's result; null until submitted."`
	// AnswersErased: the answers were erased past the survey's retention;
	// the score stays, the corrections are gone.
	AnswersErased bool `json:"answers_erased" doc:"The answers were erased past the survey's retention: the score stays, corrections is empty."`
}

// Attempt returns a resident's own quiz attempt. Returns
// ErrAttemptNotFound for an unknown attempt or another resident's.
func (s *Service) Attempt(ctx context.Context, residentID, attemptID int64) (*AttemptView, error) {
	f, err := s.loadSubmit(s.db.WithContext(ctx), residentID, attemptID, s.now().UTC())
	if err != nil {
		return nil, fmt.Errorf("read attempt: %w", err)
	}
	return attemptView(*f), nil
}

// attemptView builds the view of an attempt from its facts.
func attemptView(f submitFacts) *AttemptView {
	a := f.attempt
	v := &AttemptView{
		AttemptID: a.ID, SurveyID: a.SurveyID, StartedAt: a.StartedAt, Deadline: a.Deadline,
		Questions: make([]PublicQuestion, len(a.Questions)), AnswersErased: a.ErasedAt != nil,
	}
	for i, d := range a.Questions {
		q := f.questions[d.QuestionID]
		v.Questions[i] = PublicQuestion{ID: d.QuestionID, Type: q.Type, Stem: q.Stem, Options: d.Options, Required: true}
	}
	switch {
	case a.SubmittedAt != nil:
		v.Status = AttemptSubmitted
		v.Result = storedResult(f)
	case f.now.After(a.Deadline.Add(submitGrace)):
		v.Status = AttemptExpired
	default:
		v.Status = AttemptOpen
	}
	return v
}

// storedResult rebuilds the result of a submitted attempt: its stored
// score, pass and points, and the corrections of its stored answers (none
// once they are erased).
func storedResult(f submitFacts) *Result {
	a := f.attempt
	res := &Result{AttemptID: a.ID, Passed: a.Passed, PointsAwarded: a.PointsAwarded, PointsStatus: a.PointsStatus, Corrections: []Correction{}}
	if a.Score != nil {
		res.Score = *a.Score
	}
	if a.SubmittedAt != nil {
		res.SubmittedAt = *a.SubmittedAt
	}
	if a.ErasedAt != nil {
		return res
	}
	for _, d := range a.Questions {
		q := f.questions[d.QuestionID]
		mine := nonNil(a.Answers[strconv.FormatInt(d.QuestionID, 10)])
		c := Credit(q, mine)
		res.Corrections = append(res.Corrections, Correction{
			QuestionID: d.QuestionID, Stem: q.Stem, YourAnswer: mine, Answer: q.Answer, Correct: c == 1,
			Credit: c, Explanation: q.Explanation, Article: q.Article,
		})
	}
	return res
}

// decideRepeat answers a submit of an attempt already submitted: the same
// answers (in any order) are a repeat, answered with the stored result;
// other answers, or answers no longer kept, are ErrAlreadySubmitted.
func decideRepeat(f submitFacts, answers map[string][]string) (*Result, error) {
	a := f.attempt
	if a.ErasedAt != nil {
		return nil, ErrAlreadySubmitted
	}
	questions := map[string]asked{}
	for _, d := range a.Questions {
		q := f.questions[d.QuestionID]
		q.Options = d.Options
		questions[strconv.FormatInt(d.QuestionID, 10)] = asked{Question: q}
	}
	clean, err := checkAnswers(questions, answers, "不是本次答题的题目")
	if err != nil || !sameAnswers(clean, a.Answers) {
		return nil, ErrAlreadySubmitted
	}
	return storedResult(f), nil
}

// sameAnswers reports whether two sets of cleaned answers choose the same
// options for the same questions.
func sameAnswers(x, y map[string][]string) bool {
	nonEmpty := func(m map[string][]string) []string {
		var ks []string
		for k, v := range m {
			if len(v) > 0 {
				ks = append(ks, k)
			}
		}
		slices.Sort(ks)
		return ks
	}
	if !slices.Equal(nonEmpty(x), nonEmpty(y)) {
		return false
	}
	for k := range maps.Keys(x) {
		a, b := slices.Clone(x[k]), slices.Clone(y[k])
		slices.Sort(a)
		slices.Sort(b)
		if !slices.Equal(a, b) {
			return false
		}
	}
	return true
}
