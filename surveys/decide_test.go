package surveys

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/notify"
	"github.com/futian/ifutian/residents"
	"github.com/futian/ifutian/staff"
)

// The pure parts of surveys, tested without a database.

// wantOutcome checks err against want: nil, a sentinel, or "field:<name>"
// for an invalid_argument error naming that field.
func wantOutcome(t *testing.T, err error, want any) {
	t.Helper()
	switch w := want.(type) {
	case nil:
		if err != nil {
			t.Fatalf("err=%v, want none", err)
		}
	case string:
		wantField(t, err, w)
	case error:
		if !errors.Is(err, w) {
			t.Fatalf("err=%v, want %v", err, w)
		}
	}
}

func TestDecideResponse(t *testing.T) {
	now := time.Date(2026, 11, 23, 16, 30, 0, 0, time.UTC) // 00:30 on the 24th in the district
	items := []item{
		{Question: Question{ID: 1, Type: Judge, Options: []string{"对", "错"}}, Required: true},
		{Question: Question{ID: 2, Type: Multi, Options: []string{"无", "发热", "咳嗽"}}, Required: true},
		{Question: Question{ID: 3, Type: Number}},
		{Question: Question{ID: 4, Type: Text}},
		{Question: Question{ID: 5, Type: Rating, Options: []string{"1", "2", "3", "4", "5"}}},
	}
	daily := &Survey{ID: 9, Kind: Declaration, Recurrence: Daily}
	for _, tc := range []struct {
		name    string
		survey  *Survey
		answers map[string][]string
		want    any // nil, an error, or "field:…"
		values  []answerValue
		day     string
	}{
		{name: "OKDaily", survey: daily,
			answers: map[string][]string{"1": {"对"}, "2": {"咳嗽", "发热", "咳嗽"}, "3": {" 38.5 "}, "4": {"  头痛  "}, "5": {}},
			values:  []answerValue{{1, "对"}, {2, "发热"}, {2, "咳嗽"}, {3, "38.5"}, {4, ""}}, day: "2026-11-24"},
		{name: "OKOneOff", survey: &Survey{ID: 9, Kind: Questionnaire},
			answers: map[string][]string{"1": {"错"}, "2": {"无"}, "5": {"4"}},
			values:  []answerValue{{1, "错"}, {2, "无"}, {5, "4"}}, day: ""},
		{name: "ErrQuiz", survey: &Survey{Kind: Quiz}, answers: map[string][]string{}, want: errQuizNeedsAttempt},
		{name: "ErrRequired", survey: daily, answers: map[string][]string{"2": {"无"}}, want: "answers.1"},
		{name: "ErrRequiredEmpty", survey: daily, answers: map[string][]string{"1": {}, "2": {"无"}}, want: "answers.1"},
		{name: "ErrNotAnOption", survey: daily, answers: map[string][]string{"1": {"对"}, "2": {"头痛"}}, want: "answers.2"},
		{name: "ErrTwoForJudge", survey: daily, answers: map[string][]string{"1": {"对", "错"}, "2": {"无"}}, want: "answers.1"},
		{name: "ErrNotANumber", survey: daily, answers: map[string][]string{"1": {"对"}, "2": {"无"}, "3": {"NaN"}}, want: "answers.3"},
		{name: "ErrTwoNumbers", survey: daily, answers: map[string][]string{"1": {"对"}, "2": {"无"}, "3": {"1", "2"}}, want: "answers.3"},
		{name: "ErrBlankText", survey: daily, answers: map[string][]string{"1": {"对"}, "2": {"无"}, "4": {"   "}}, want: "answers.4"},
		{name: "ErrUnknownQuestion", survey: daily, answers: map[string][]string{"1": {"对"}, "2": {"无"}, "99": {"x"}}, want: "answers.99"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := decideResponse(responseFacts{survey: tc.survey, items: items, place: place{"华富街道", "田面社区"}, now: now}, 7, tc.answers)
			wantOutcome(t, err, tc.want)
			if err != nil {
				return
			}
			r := p.response
			if r.ResidentID != 7 || r.SurveyID != 9 || r.Day != tc.day || r.Street != "华富街道" || r.Community != "田面社区" || !r.SubmittedAt.Equal(now) {
				t.Fatalf("response=%+v", r)
			}
			if !reflect.DeepEqual(p.values, tc.values) {
				t.Fatalf("values=%v, want %v", p.values, tc.values)
			}
			for k, vs := range tc.answers {
				if _, stored := r.Answers[k]; len(vs) == 0 && stored {
					t.Fatalf("the empty answer %s was stored: %v", k, r.Answers)
				}
			}
		})
	}
}

func TestDecideSubmit(t *testing.T) {
	start := time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)
	questions := map[int64]Question{
		1: {ID: 1, Type: Single, Options: []string{"甲", "乙", "丙"}, Answer: []string{"乙"}, Explanation: "解析"},
		2: {ID: 2, Type: Multi, Options: []string{"甲", "乙", "丙", "丁"}, Answer: []string{"甲", "乙", "丙"}},
		3: {ID: 3, Type: Judge, Options: []string{"对", "错"}, Answer: []string{"对"}},
	}
	attempt := func(submitted bool) Attempt {
		a := Attempt{ID: 5, SurveyID: 9, StartedAt: start, Deadline: start.Add(time.Minute), Questions: []drawn{
			{QuestionID: 1, Options: []string{"丙", "甲", "乙"}}, {QuestionID: 2, Options: []string{"丁", "丙", "乙", "甲"}}, {QuestionID: 3, Options: []string{"对", "错"}},
		}}
		if submitted {
			a.SubmittedAt = &start
		}
		return a
	}
	right := map[string][]string{"1": {"乙"}, "2": {"丙", "甲", "乙"}, "3": {"对"}}
	for _, tc := range []struct {
		name      string
		submitted bool
		after     time.Duration
		answers   map[string][]string
		want      any
		score     int
		passed    bool
		fast      bool
	}{
		{name: "AllRight", after: 30 * time.Second, answers: right, score: 100, passed: true},
		{name: "Fast", after: 5 * time.Second, answers: right, score: 100, passed: true, fast: true},
		{name: "PartialMulti", after: 30 * time.Second, answers: map[string][]string{"1": {"乙"}, "2": {"甲", "乙"}, "3": {"错"}}, score: 56},
		{name: "UnansweredEarnsNothing", after: 30 * time.Second, answers: map[string][]string{"1": {}}, score: 0},
		{name: "WithinGrace", after: time.Minute + submitGrace, answers: right, score: 100, passed: true},
		{name: "ErrDeadline", after: time.Minute + submitGrace + time.Millisecond, answers: right, want: ErrDeadlinePassed},
		{name: "ErrAlreadySubmitted", submitted: true, after: time.Second, answers: right, want: ErrAlreadySubmitted},
		{name: "ErrNotOffered", after: time.Second, answers: map[string][]string{"1": {"戊"}}, want: "answers.1"},
		{name: "ErrTwoForSingle", after: time.Second, answers: map[string][]string{"1": {"甲", "乙"}}, want: "answers.1"},
		{name: "ErrNotDrawn", after: time.Second, answers: map[string][]string{"4": {"甲"}}, want: "answers.4"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := submitFacts{attempt: attempt(tc.submitted), survey: Survey{PassScore: 60}, questions: questions, now: start.Add(tc.after)}
			p, err := decideSubmit(f, tc.answers)
			wantOutcome(t, err, tc.want)
			if err != nil {
				return
			}
			res := p.result
			if res.Score != tc.score || res.Passed != tc.passed || p.fast != tc.fast || len(res.Corrections) != 3 || res.AttemptID != 5 {
				t.Fatalf("result=%+v fast=%v, want score %d passed %v fast %v", res, p.fast, tc.score, tc.passed, tc.fast)
			}
			if c := res.Corrections[0]; c.QuestionID != 1 || c.Explanation != "解析" || c.YourAnswer == nil {
				t.Fatalf("correction=%+v", c)
			}
		})
	}
}

func TestSummarizeNumbers(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	many := map[string]int64{}
	for i := range 21 {
		many[fmt.Sprint(i)] = 1 // 0…20: 21 numbers in 10 ranges of 2
	}
	for _, tc := range []struct {
		name   string
		counts map[string]int64
		want   numberSummary
	}{
		{"None", map[string]int64{}, numberSummary{Distribution: map[string]int64{}}},
		{"SameNumberWrittenTwoWays", map[string]int64{"36.5": 1, "36.50": 1, "38.5": 1},
			numberSummary{Min: f(36.5), Max: f(38.5), Mean: f(37.17), Distribution: map[string]int64{"36.5": 2, "38.5": 1}}},
		{"Negative", map[string]int64{"-2": 3, "4": 1}, numberSummary{Min: f(-2), Max: f(4), Mean: f(-0.5), Distribution: map[string]int64{"-2": 3, "4": 1}}},
		{"IgnoresJunk", map[string]int64{"x": 5, "1": 1}, numberSummary{Min: f(1), Max: f(1), Mean: f(1), Distribution: map[string]int64{"1": 1}}},
		{"Ranges", many, numberSummary{Min: f(0), Max: f(20), Mean: f(10), Distribution: map[string]int64{
			"0–2": 2, "2–4": 2, "4–6": 2, "6–8": 2, "8–10": 2, "10–12": 2, "12–14": 2, "14–16": 2, "16–18": 2, "18–20": 3}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := summarizeNumbers(tc.counts); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %s, want %s", show(got), show(tc.want))
			}
		})
	}
}

func show(n numberSummary) string {
	v := func(p *float64) any {
		if p == nil {
			return nil
		}
		return *p
	}
	return fmt.Sprintf("{min %v max %v mean %v %v}", v(n.Min), v(n.Max), v(n.Mean), n.Distribution)
}

func TestReminderNotice(t *testing.T) {
	dept := int64(3)
	for _, tc := range []struct {
		name  string
		sv    Survey
		body  string
		categ string
	}{
		{"Daily", Survey{ID: 7, Kind: Declaration, Recurrence: Daily, Title: "每日健康申报", DepartmentID: &dept},
			"您尚未填写今天（2026-11-23）的申报，请在「i福田」小程序中打开本消息完成填写。", "health"},
		// The title is an editor's words, never quoted.
		{"TitleNotQuoted", Survey{ID: 7, Kind: Questionnaire, Title: "【紧急】您的社保卡已冻结，请致电 0755-12345678", DepartmentID: &dept},
			"您有一份问卷尚未填写，请在「i福田」小程序中打开本消息完成填写。", "activity"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := reminderNotice(&tc.sv, "2026-11-23", []int64{1, 2})
			if n.Title != reminderTitle || n.Body != tc.body || n.Category != tc.categ || n.Source != "survey:7:remind:2026-11-23" ||
				n.DepartmentID != &dept || len(n.ResidentIDs) != 2 || n.Kind != notify.KindSurveyReminder ||
				*n.Target != (notify.Target{Type: "survey", ID: "7"}) || n.Data["date"] != "2026-11-23" {
				t.Fatalf("notice=%+v", n)
			}
		})
	}
}

// TestCheckReach: a survey's audience is held to the scope by the notices'
// rule (notify.CheckReach), as creating and editing a survey use it.
func TestCheckReach(t *testing.T) {
	regions, err := residents.LoadRegions()
	if err != nil {
		t.Fatal(err)
	}
	dept := int64(1)
	huafu := (&staff.Member{ID: 1, DepartmentID: &dept, Roles: []staff.Role{staff.Editor}, Streets: []string{"华富街道"}}).Scope()
	everywhere := (&staff.Member{ID: 2, DepartmentID: &dept, Roles: []staff.Role{staff.Editor}}).Scope()
	for _, tc := range []struct {
		name  string
		by    staff.Scope
		a     notify.Audience
		field string // "" when allowed
	}{
		{"OwnStreet", huafu, notify.Audience{Streets: []string{"华富街道"}}, ""},
		{"OwnCommunity", huafu, notify.Audience{Communities: []string{"莲花一村社区"}}, ""},
		{"OwnStreetAndCommunity", huafu, notify.Audience{Streets: []string{"华富街道"}, Communities: []string{"莲花二村社区"}}, ""},
		{"OtherStreet", huafu, notify.Audience{Streets: []string{"香蜜湖街道"}}, "audience.streets"},
		{"Everyone", huafu, notify.Audience{}, "audience.streets"},
		{"EveryoneTagged", huafu, notify.Audience{Tags: []string{"党员"}}, "audience.streets"},
		{"OtherCommunity", huafu, notify.Audience{Communities: []string{"香蜜社区"}}, "audience.communities"},
		{"OwnStreetOtherCommunity", huafu, notify.Audience{Streets: []string{"华富街道"}, Communities: []string{"香蜜社区"}}, "audience.communities"},
		{"UnscopedAnywhere", everywhere, notify.Audience{Streets: []string{"香蜜湖街道"}}, ""},
		{"UnscopedEveryone", everywhere, notify.Audience{}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := notify.CheckReach(tc.by, tc.a, regions)
			if tc.field == "" {
				if err != nil {
					t.Fatalf("err=%v, want allowed", err)
				}
				return
			}
			var ae *apperr.Error
			if !errors.As(err, &ae) || ae.Code != apperr.PermissionDenied || ae.Fields[tc.field] == "" {
				t.Fatalf("err=%v, want permission_denied naming %s", err, tc.field)
			}
		})
	}
}

func TestHistogram(t *testing.T) {
	for _, tc := range []struct {
		name   string
		scores map[int]int64
		want   map[int]int64 // bucket index → count; others 0
	}{
		{"Empty", map[int]int64{}, map[int]int64{}},
		{"Edges", map[int]int64{0: 1, 9: 2, 10: 3, 99: 4, 100: 5}, map[int]int64{0: 3, 1: 3, 9: 9}},
		{"OutOfRange", map[int]int64{-5: 1, 120: 2}, map[int]int64{0: 1, 9: 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := histogram(tc.scores)
			if len(got) != 10 || got[0].From != 0 || got[9].To != 100 {
				t.Fatalf("buckets %+v", got)
			}
			for i, b := range got {
				if b.Count != tc.want[i] {
					t.Fatalf("bucket %d (%d–%d) = %d, want %d", i, b.From, b.To, b.Count, tc.want[i])
				}
			}
		})
	}
}

func TestByStreet(t *testing.T) {
	got := byStreet([]StreetStats{{Street: "莲花街道", Participants: 1, Submissions: 2}},
		map[string]int64{"莲花街道": 4, "华富街道": 3})
	if len(got) != 2 || got[0].Street != "华富街道" || got[0].Audience != 3 || got[0].Participants != 0 ||
		got[1].Audience != 4 || got[1].ResponseRate != 0.25 {
		t.Fatalf("byStreet %+v", got)
	}
	if got := byStreet(nil, map[string]int64{}); got == nil || len(got) != 0 {
		t.Fatalf("no streets: %#v", got)
	}
}
