package surveys

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/points"
	"github.com/futian/ifutian/staff"
)

// Correction tells a resident, after submitting, how they did on one
// question.
type Correction struct {
	QuestionID  int64    `json:"question_id,string"`
	Stem        string   `json:"stem"`
	YourAnswer  []string `json:"your_answer"`
	Answer      []string `json:"answer"`
	Correct     bool     `json:"correct"`
	Credit      float64  `json:"credit"`
	Explanation string   `json:"explanation"`
	Article     string   `json:"article"`
}

// Result is a scored attempt.
type Result struct {
	AttemptID     int64 `json:"attempt_id,string"`
	Score         int   `json:"score" doc:"0–100: the percentage of credit earned over the drawn questions. Single/judge: 1 or 0. Multi: 1 for exactly the right set, else (right chosen − wrong chosen)/right, floored at 0. Unanswered: 0."`
	Passed        bool  `json:"passed"`
	PointsAwarded int64 `json:"points_awarded"`
	// PointsStatus is "" (no points), pending (积分发放中: the grant is
	// queued and lands later), granted or refused (a cap).
	PointsStatus PointsStatus `json:"points_status" doc:"Where the points stand: empty: none to grant (no points rule, or not passed); pending: 积分发放中, the grant is queued and lands later (the points module was unavailable); granted (points_awarded); refused (a cap, or a rule the survey may not use)."`
	Corrections  []Correction `json:"corrections"`
	SubmittedAt  time.Time    `json:"submitted_at"`
}

// Credit scores one answer to a scored question, in [0, 1]. Options are
// compared as strings, so their order never matters. Single and judge:
// 1 for the right option, else 0. Multi: 1 for exactly the right set;
// otherwise partial credit (right chosen − wrong chosen) / right, floored
// at 0 — so choosing every option earns nothing, and a subset of the right
// options earns its share.
func Credit(q Question, chosen []string) float64 {
	want := map[string]bool{}
	for _, a := range q.Answer {
		want[a] = true
	}
	got := map[string]bool{}
	for _, c := range chosen {
		got[c] = true
	}
	right, wrong := 0, 0
	for c := range got {
		if want[c] {
			right++
		} else {
			wrong++
		}
	}
	if right == len(want) && wrong == 0 {
		return 1
	}
	if q.Type != Multi || len(want) == 0 {
		return 0
	}
	return math.Max(0, float64(right-wrong)/float64(len(want)))
}

// submitFacts is what deciding a submit depends on: the attempt, its
// survey, the questions drawn for it, and when.
type submitFacts struct {
	attempt   Attempt
	survey    Survey
	questions map[int64]Question
	now       time.Time
}

// loadSubmit reads the facts of a submit. Returns ErrAttemptNotFound for
// another resident's attempt.
func (s *Service) loadSubmit(tx *gorm.DB, residentID, attemptID int64, now time.Time) (*submitFacts, error) {
	f := &submitFacts{now: now}
	err := tx.Where("id = ? AND resident_id = ?", attemptID, residentID).Take(&f.attempt).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrAttemptNotFound
	} else if err != nil {
		return nil, err
	}
	if err := tx.Where("id = ?", f.attempt.SurveyID).Take(&f.survey).Error; err != nil {
		return nil, err
	}
	ids := make([]int64, len(f.attempt.Questions))
	for i, d := range f.attempt.Questions {
		ids[i] = d.QuestionID
	}
	if f.questions, err = s.questionsByID(tx, ids); err != nil {
		return nil, err
	}
	return f, nil
}

// submitPlan is a decided submit: the result and what the attempt stores.
type submitPlan struct {
	result  Result
	answers map[string][]string
	fast    bool
}

// decideSubmit scores an attempt from its facts alone. Returns
// ErrAlreadySubmitted, ErrDeadlinePassed (past the deadline and its grace)
// or an invalid_argument error naming "answers.<id>" for an answer to a
// question not drawn or an option not offered.
func decideSubmit(f submitFacts, answers map[string][]string) (*submitPlan, error) {
	a := f.attempt
	if a.SubmittedAt != nil {
		return nil, ErrAlreadySubmitted
	}
	if f.now.After(a.Deadline.Add(submitGrace)) {
		return nil, ErrDeadlinePassed
	}
	questions := map[string]asked{}
	for _, d := range a.Questions {
		q := f.questions[d.QuestionID]
		q.Options = d.Options
		questions[strconv.FormatInt(d.QuestionID, 10)] = asked{Question: q}
	}
	clean, err := checkAnswers(questions, answers, "不是本次答题的题目")
	if err != nil {
		return nil, err
	}
	p := &submitPlan{answers: clean}
	res := &p.result
	*res = Result{AttemptID: a.ID, SubmittedAt: f.now, Corrections: make([]Correction, len(a.Questions))}
	total := 0.0
	for i, d := range a.Questions {
		q := f.questions[d.QuestionID]
		mine := nonNil(clean[strconv.FormatInt(d.QuestionID, 10)])
		c := Credit(q, mine)
		total += c
		res.Corrections[i] = Correction{
			QuestionID: d.QuestionID, Stem: q.Stem, YourAnswer: mine, Answer: q.Answer, Correct: c == 1,
			Credit: c, Explanation: q.Explanation, Article: q.Article,
		}
	}
	res.Score = int(math.Round(100 * total / float64(len(a.Questions))))
	res.Passed = res.Score >= f.survey.PassScore
	p.fast = f.now.Sub(a.StartedAt) < time.Duration(len(a.Questions))*fastPerQuestion
	return p, nil
}

// applySubmit stores a decided submit. The conditional update claims the
// attempt: a concurrent second submit waits on the row and then matches
// nothing (ErrAlreadySubmitted).
func applySubmit(tx *gorm.DB, a *Attempt, p *submitPlan) error {
	res := &p.result
	up := tx.Model(&Attempt{}).Where("id = ? AND submitted_at IS NULL", a.ID).Updates(map[string]any{
		"submitted_at": res.SubmittedAt, "answers": mustJSON(p.answers), "score": res.Score, "passed": res.Passed,
		"fast": p.fast, "updated_at": res.SubmittedAt,
	})
	if up.Error != nil {
		return up.Error
	}
	if up.RowsAffected == 0 {
		return ErrAlreadySubmitted
	}
	for _, c := range res.Corrections {
		if err := tx.Table("survey_attempt_items").Create(map[string]any{
			"attempt_id": a.ID, "question_id": c.QuestionID, "survey_id": a.SurveyID, "credit": c.Credit, "correct": c.Correct,
		}).Error; err != nil {
			if isDuplicate(err) {
				return ErrAlreadySubmitted
			}
			return err
		}
	}
	return nil
}

// Submit scores an attempt: score is 0–100, the percentage of the credit
// earned over all drawn questions (an unanswered question earns 0). A
// passed quiz with a points rule queues its points grant in the same
// transaction (idempotent on the attempt; a cap refusal is 0 points, not
// an error) and runs it at once: the result says granted or refused, or
// pending if the points module failed, the queue then granting them later.
// A repeat of a submit (the same answers to an attempt already
// submitted, e.g. resent after a lost response) returns the stored result
// again; other answers to a submitted attempt are ErrAlreadySubmitted.
// Returns ErrAttemptNotFound for another resident's attempt,
// ErrDeadlinePassed after the deadline, and an invalid_argument error
// naming "answers.<id>" for an answer to a question not drawn or an
// option not offered.
func (s *Service) Submit(ctx context.Context, residentID, attemptID int64, answers map[string][]string) (*Result, error) {
	// As precise as MySQL keeps it, so a repeat's stored result reads the
	// same submitted_at as the first answer.
	now := s.now().UTC().Truncate(time.Microsecond)
	var (
		plan   *submitPlan
		stored *Result
		job    string
		course [2]string // a course's job: kind and key
		err    error
	)
	// A concurrent submit that wins the claim makes this one a repeat: a
	// second run answers it as one.
	for range 2 {
		plan, stored, job, course, err = s.submitOnce(ctx, residentID, attemptID, answers, now)
		if plan == nil || !errors.Is(err, ErrAlreadySubmitted) {
			break
		}
	}
	if err != nil {
		return nil, fmt.Errorf("submit attempt: %w", err)
	}
	if stored != nil {
		return stored, nil
	}
	res := &plan.result
	if course[0] != "" && s.jobs != nil {
		_ = s.jobs.RunKey(ctx, course[0], course[1]) // at once; the queue retries a failure
	}
	if job != "" {
		if res.PointsAwarded, res.PointsStatus, err = s.settleAward(ctx, job, "survey_attempts", attemptID); err != nil {
			res.PointsStatus = PointsPending // stored and queued all the same
		}
	}
	return res, nil
}

// submitOnce scores and stores a submit in one transaction, queuing a
// pass's points grant (job, its key), or answers a repeat with the stored
// result (stored).
func (s *Service) submitOnce(ctx context.Context, residentID, attemptID int64, answers map[string][]string, now time.Time) (plan *submitPlan, stored *Result, job string, course [2]string, err error) {
	err = db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		plan, stored, job, course = nil, nil, "", [2]string{}
		f, err := s.loadSubmit(tx, residentID, attemptID, now)
		if err != nil {
			return err
		}
		if f.attempt.SubmittedAt != nil {
			stored, err = decideRepeat(*f, answers)
			return err
		}
		if plan, err = decideSubmit(*f, answers); err != nil {
			return err
		}
		if err := applySubmit(tx, &f.attempt, plan); err != nil {
			return err
		}
		if plan.result.Passed {
			job, err = s.enqueueAward(tx, &f.survey, residentID, "survey_attempts", attemptID,
				fmt.Sprintf("attempt:%d", attemptID), "普法答题："+f.survey.Title)
			if err != nil {
				return err
			}
			// A course's pass: its job, in the same transaction.
			course[0], course[1], err = enqueueCourse(tx, &f.survey, &f.attempt, plan.result.Score, now)
		}
		return err
	})
	return plan, stored, job, course, err
}

// grant awards points under the survey's rule, on behalf of the survey's
// department (so only a rule that department may use grants anything); a
// cap refusal earns 0 and is no error.
func (s *Service) grant(ctx context.Context, sv *Survey, residentID int64, externalID, note string) (int64, error) {
	if s.points == nil {
		return 0, nil
	}
	t, _, err := s.points.Grant(ctx, staff.DepartmentScope(sv.DepartmentID), points.AwardRequest{
		ResidentID: residentID, RuleCode: sv.PointsRule, ExternalID: externalID, Note: note,
	})
	if errors.Is(err, points.ErrCapReached) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("award points: %w", err)
	}
	return t.Delta, nil
}
