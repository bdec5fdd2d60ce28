package surveys

import (
	"testing"
	"time"
)

func TestDecideRepeat(t *testing.T) {
	start := time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)
	questions := map[int64]Question{
		1: {ID: 1, Type: Single, Options: []string{"甲", "乙", "丙"}, Answer: []string{"乙"}, Explanation: "解析"},
		2: {ID: 2, Type: Multi, Options: []string{"甲", "乙", "丙", "丁"}, Answer: []string{"甲", "乙", "丙"}},
	}
	score := 83
	submitted := start.Add(20 * time.Second)
	attempt := func(erased bool) Attempt {
		a := Attempt{ID: 5, SurveyID: 9, StartedAt: start, Deadline: start.Add(time.Minute), SubmittedAt: &submitted,
			Score: &score, Passed: true, PointsAwarded: 7,
			Questions: []drawn{{QuestionID: 1, Options: []string{"丙", "甲", "乙"}}, {QuestionID: 2, Options: []string{"丁", "丙", "乙", "甲"}}},
			Answers:   map[string][]string{"1": {"乙"}, "2": {"甲", "乙"}}}
		if erased {
			a.ErasedAt = &submitted
			a.Answers = map[string][]string{}
		}
		return a
	}
	for _, tc := range []struct {
		name    string
		erased  bool
		answers map[string][]string
		want    error
	}{
		{name: "Same", answers: map[string][]string{"1": {"乙"}, "2": {"甲", "乙"}}},
		{name: "SameOtherOrder", answers: map[string][]string{"2": {"乙", "甲"}, "1": {"乙"}}},
		{name: "ErrQuestionNotDrawn", answers: map[string][]string{"1": {"乙"}, "2": {"甲", "乙"}, "3": nil}, want: ErrAlreadySubmitted},
		{name: "ErrOtherOption", answers: map[string][]string{"1": {"甲"}, "2": {"甲", "乙"}}, want: ErrAlreadySubmitted},
		{name: "ErrOneLeftOut", answers: map[string][]string{"1": {"乙"}}, want: ErrAlreadySubmitted},
		{name: "ErrNotOffered", answers: map[string][]string{"1": {"戊"}, "2": {"甲", "乙"}}, want: ErrAlreadySubmitted},
		{name: "ErrErased", erased: true, answers: map[string][]string{"1": {"乙"}, "2": {"甲", "乙"}}, want: ErrAlreadySubmitted},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := submitFacts{attempt: attempt(tc.erased), survey: Survey{PassScore: 60}, questions: questions, now: start.Add(time.Hour)}
			res, err := decideRepeat(f, tc.answers)
			wantOutcome(t, err, tc.want)
			if err != nil {
				return
			}
			if res.Score != 83 || !res.Passed || res.PointsAwarded != 7 || !res.SubmittedAt.Equal(submitted) || len(res.Corrections) != 2 {
				t.Fatalf("result=%+v", res)
			}
			if c := res.Corrections[1]; c.Credit != 2.0/3 || c.Correct || len(c.YourAnswer) != 2 || c.Explanation != "" {
				t.Fatalf("correction=%+v", c)
			}
		})
	}
}

func TestAttemptView(t *testing.T) {
	start := time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)
	questions := map[int64]Question{1: {ID: 1, Type: Single, Stem: "题", Options: []string{"甲", "乙"}, Answer: []string{"乙"}, Explanation: "解析"}}
	score := 100
	for _, tc := range []struct {
		name      string
		after     time.Duration
		submitted bool
		erased    bool
		status    AttemptStatus
		fixes     int
	}{
		{name: "Open", after: time.Minute, status: AttemptOpen},
		{name: "OpenWithinGrace", after: time.Minute + submitGrace, status: AttemptOpen},
		{name: "Expired", after: time.Minute + submitGrace + time.Millisecond, status: AttemptExpired},
		{name: "Submitted", after: time.Hour, submitted: true, status: AttemptSubmitted, fixes: 1},
		{name: "Erased", after: 400 * 24 * time.Hour, submitted: true, erased: true, status: AttemptSubmitted},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := Attempt{ID: 5, SurveyID: 9, StartedAt: start, Deadline: start.Add(time.Minute),
				Questions: []drawn{{QuestionID: 1, Options: []string{"乙", "甲"}}}}
			if tc.submitted {
				at := start.Add(time.Second)
				a.SubmittedAt, a.Score, a.Passed, a.Answers = &at, &score, true, map[string][]string{"1": {"乙"}}
			}
			if tc.erased {
				a.ErasedAt, a.Answers = a.SubmittedAt, map[string][]string{}
			}
			v := attemptView(submitFacts{attempt: a, questions: questions, now: start.Add(tc.after)})
			if v.Status != tc.status || len(v.Questions) != 1 || v.Questions[0].Options[0] != "乙" || v.AnswersErased != tc.erased {
				t.Fatalf("view=%+v", v)
			}
			if !tc.submitted {
				if v.Result != nil {
					t.Fatalf("result before submission: %+v", v.Result)
				}
				return
			}
			if v.Result == nil || v.Result.Score != 100 || len(v.Result.Corrections) != tc.fixes {
				t.Fatalf("result=%+v", v.Result)
			}
		})
	}
}
