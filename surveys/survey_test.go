package surveys

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/dbtest"
	"github.com/futian/ifutian/internal/district"
	"github.com/futian/ifutian/jobs"
	"github.com/futian/ifutian/notify"
	"github.com/futian/ifutian/points"
	"github.com/futian/ifutian/residents"
	"github.com/futian/ifutian/staff"
)

type fixture struct {
	t       *testing.T
	db      *gorm.DB
	s       *Service
	points  *points.Service
	notify  *notify.Service
	now     time.Time
	editor  *staff.Member
	regions *residents.Regions
	seq     int
}

// newFixture builds the service over the real points and notify modules on
// a fresh database, with the district-wide rules quiz_pass and declaration
// (10 points each, no cap) and an editor of a new department.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	gdb := dbtest.Open(t)
	f := &fixture{t: t, db: gdb, points: points.New(points.Deps{DB: gdb}), notify: notify.New(gdb), now: time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)}
	f.s = New(gdb, f.notify, f.points)
	f.s.RegisterJobs(jobs.New(gdb, jobs.Config{}))
	f.s.SetClock(func() time.Time { return f.now })
	for _, code := range []string{"quiz_pass", "declaration"} {
		f.rule(points.Rule{Code: code})
	}
	d, err := staff.New(gdb).CreateDepartment(context.Background(), "普法办"+strconv.FormatInt(time.Now().UnixNano(), 10))
	if err != nil {
		t.Fatal(err)
	}
	f.editor = &staff.Member{ID: 1, DepartmentID: &d.ID, Roles: []staff.Role{staff.Editor}}
	if f.regions, err = residents.LoadRegions(); err != nil {
		t.Fatal(err)
	}
	return f
}

// rule saves a points rule worth 10 points unless r says otherwise.
func (f *fixture) rule(r points.Rule) {
	f.t.Helper()
	if r.Name == "" {
		r.Name = r.Code
	}
	if r.Points == 0 {
		r.Points = 10
	}
	if _, _, err := f.points.SaveRule(context.Background(), nil, r); err != nil {
		f.t.Fatal(err)
	}
}

// grants lists the points granted, oldest first, as
// "resident/rule/external id".
func (f *fixture) grants() []string {
	f.t.Helper()
	var rows []struct {
		ResidentID           int64
		RuleCode, ExternalID string
	}
	if err := f.db.Table("point_transactions").Where("kind = ?", "earn").Order("id").Find(&rows).Error; err != nil {
		f.t.Fatal(err)
	}
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = key(r.ResidentID) + "/" + r.RuleCode + "/" + r.ExternalID
	}
	return out
}

// resident inserts a live resident of a street.
func (f *fixture) resident(street, community string) int64 {
	f.t.Helper()
	f.seq++
	row := map[string]any{
		"openid": "o" + strconv.Itoa(f.seq) + strconv.FormatInt(time.Now().UnixNano(), 36), "street": street, "community": community,
		"birth_year": 1990, "created_at": f.now, "updated_at": f.now,
	}
	if err := f.db.Table("residents").Create(row).Error; err != nil {
		f.t.Fatal(err)
	}
	var id int64
	f.db.Table("residents").Select("MAX(id)").Scan(&id)
	return id
}

func (f *fixture) questions(qs ...NewQuestion) []Question {
	f.t.Helper()
	out, err := f.s.CreateQuestions(context.Background(), f.editor, qs, true)
	if err != nil {
		f.t.Fatal(err)
	}
	return out
}

func (f *fixture) publish(n NewSurvey) *Survey {
	f.t.Helper()
	ctx := context.Background()
	sv, err := f.s.Create(ctx, f.editor, n, f.regions)
	if err != nil {
		f.t.Fatal(err)
	}
	if sv, err = f.s.Publish(ctx, f.editor, f.regions, sv.ID); err != nil {
		f.t.Fatal(err)
	}
	return sv
}

func refs(qs []Question) []QuestionRef {
	out := make([]QuestionRef, len(qs))
	for i, q := range qs {
		out[i] = QuestionRef{ID: q.ID}
	}
	return out
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := apperr.CodeOf(err); got != code {
		t.Fatalf("err=%v (code %q), want code %q", err, got, code)
	}
}

func wantField(t *testing.T, err error, field string) {
	t.Helper()
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Code != apperr.Invalid {
		t.Fatalf("err=%v, want invalid_argument", err)
	}
	if _, ok := ae.Fields[field]; !ok {
		t.Fatalf("fields=%v, want %q", ae.Fields, field)
	}
}

func key(id int64) string { return strconv.FormatInt(id, 10) }

func TestCredit(t *testing.T) {
	single := Question{Type: Single, Options: []string{"a", "b", "c"}, Answer: []string{"b"}}
	judge := Question{Type: Judge, Options: []string{"对", "错"}, Answer: []string{"错"}}
	multi := Question{Type: Multi, Options: []string{"a", "b", "c", "d"}, Answer: []string{"a", "b", "c"}}
	for _, tc := range []struct {
		name   string
		q      Question
		chosen []string
		want   float64
	}{
		{"single right", single, []string{"b"}, 1},
		{"single wrong", single, []string{"a"}, 0},
		{"single none", single, nil, 0},
		{"judge right", judge, []string{"错"}, 1},
		{"judge wrong", judge, []string{"对"}, 0},
		{"multi exact any order", multi, []string{"c", "a", "b"}, 1},
		{"multi two of three", multi, []string{"a", "b"}, 2.0 / 3},
		{"multi two right one wrong", multi, []string{"a", "b", "d"}, 1.0 / 3},
		{"multi all options", multi, []string{"a", "b", "c", "d"}, 2.0 / 3},
		{"multi one right one wrong", multi, []string{"a", "d"}, 0},
		{"multi only wrong", multi, []string{"d"}, 0},
		{"multi none", multi, nil, 0},
	} {
		if got := Credit(tc.q, tc.chosen); got != tc.want {
			t.Errorf("%s: Credit=%v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestSeedStarter(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	n, err := f.s.SeedStarter(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n < 40 {
		t.Fatalf("seeded %d questions, want at least 40", n)
	}
	if again, err := f.s.SeedStarter(ctx); err != nil || again != 0 {
		t.Fatalf("second seed added %d (err %v), want 0", again, err)
	}
	var qs []Question
	f.db.Find(&qs)
	if len(qs) != n {
		t.Fatalf("%d rows, want %d", len(qs), n)
	}
	laws := map[string]int{}
	for _, q := range qs {
		if q.Article == "" || q.Explanation == "" || !q.scored() {
			t.Fatalf("question %d lacks article, explanation or answer: %+v", q.ID, q)
		}
		for _, tag := range q.Tags {
			laws[tag]++
		}
	}
	for _, law := range []string{"民法典", "知识产权法", "个人信息保护法", "数据安全法"} {
		if laws[law] < 5 {
			t.Errorf("law %s has %d questions", law, laws[law])
		}
	}
}

func TestQuizDrawScoreAndPoints(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.s.SeedStarter(ctx); err != nil {
		t.Fatal(err)
	}
	pass := 60
	sv := f.publish(NewSurvey{Kind: Quiz, Title: "民法典竞答", Draw: &Draw{Tags: []string{"民法典"}, Count: 5},
		AttemptsPerDay: 2, PassScore: &pass, PointsRule: "quiz_pass"})
	r := f.resident("华富街道", "")

	a, err := f.s.Start(ctx, r, sv.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Questions) != 5 {
		t.Fatalf("drew %d questions, want 5", len(a.Questions))
	}
	if got := a.Deadline.Sub(a.StartedAt); got != defaultTimeLimit*time.Second {
		t.Fatalf("deadline %v after start, want %ds", got, defaultTimeLimit)
	}
	// The stored seed replays the draw exactly (audit).
	var stored Attempt
	f.db.Take(&stored, a.AttemptID)
	replay, err := f.s.draw(f.db, sv, stored.Seed)
	if err != nil {
		t.Fatal(err)
	}
	for i, d := range replay {
		if d.QuestionID != a.Questions[i].ID || len(d.Options) != len(a.Questions[i].Options) || d.Options[0] != a.Questions[i].Options[0] {
			t.Fatalf("replayed draw %d = %+v, shown %+v", i, d, a.Questions[i])
		}
	}

	// Answer everything right, 20 s later.
	f.now = f.now.Add(20 * time.Second)
	answers := map[string][]string{}
	for _, pq := range a.Questions {
		var q Question
		f.db.Take(&q, pq.ID)
		if q.Tags[0] != "民法典" {
			t.Fatalf("drew question %d tagged %v", q.ID, q.Tags)
		}
		answers[key(q.ID)] = q.Answer
	}
	res, err := f.s.Submit(ctx, r, a.AttemptID, answers)
	if err != nil {
		t.Fatal(err)
	}
	if res.Score != 100 || !res.Passed || res.PointsAwarded != 10 || res.PointsStatus != PointsGranted || len(res.Corrections) != 5 {
		t.Fatalf("result=%+v, want 100, passed, 10 points, 5 corrections", res)
	}
	for _, c := range res.Corrections {
		if !c.Correct || c.Explanation == "" || c.Article == "" {
			t.Fatalf("correction=%+v", c)
		}
	}
	if want := key(r) + "/quiz_pass/attempt:" + key(a.AttemptID); f.grants()[0] != want {
		t.Fatalf("grant=%q, want %q", f.grants()[0], want)
	}

	t.Run("RepeatAnswersStoredResult", func(t *testing.T) {
		grants := len(f.grants())
		again, err := f.s.Submit(ctx, r, a.AttemptID, answers)
		if err != nil || again.Score != res.Score || again.PointsAwarded != res.PointsAwarded || !again.SubmittedAt.Equal(res.SubmittedAt) ||
			len(again.Corrections) != len(res.Corrections) {
			t.Fatalf("repeat=%+v, %v; want the stored %+v", again, err, res)
		}
		if got := len(f.grants()); got != grants {
			t.Fatalf("a repeat granted again: %d grants, want %d", got, grants)
		}
	})
	t.Run("ErrAlreadySubmitted", func(t *testing.T) {
		_, err := f.s.Submit(ctx, r, a.AttemptID, map[string][]string{})
		if !errors.Is(err, ErrAlreadySubmitted) {
			t.Fatalf("err=%v", err)
		}
	})
	t.Run("ErrForeignAttempt", func(t *testing.T) {
		other := f.resident("华富街道", "")
		_, err := f.s.Submit(ctx, other, a.AttemptID, answers)
		wantCode(t, err, apperr.NotFound)
	})
	t.Run("CapReachedEarnsNothing", func(t *testing.T) {
		a2, err := f.s.Start(ctx, r, sv.ID)
		if err != nil {
			t.Fatal(err)
		}
		// One passed quiz a day earns points.
		f.rule(points.Rule{Code: "quiz_pass", DailyCap: 1})
		ans := map[string][]string{}
		for _, pq := range a2.Questions {
			var q Question
			f.db.Take(&q, pq.ID)
			ans[key(q.ID)] = q.Answer
		}
		res, err := f.s.Submit(ctx, r, a2.AttemptID, ans)
		if err != nil || !res.Passed || res.PointsAwarded != 0 {
			t.Fatalf("res=%+v err=%v, want passed with 0 points", res, err)
		}
	})
	t.Run("ErrNoAttemptsLeft", func(t *testing.T) {
		_, err := f.s.Start(ctx, r, sv.ID)
		if !errors.Is(err, ErrNoAttemptsLeft) {
			t.Fatalf("err=%v", err)
		}
		f.now = f.now.Add(24 * time.Hour)
		if _, err := f.s.Start(ctx, r, sv.ID); err != nil {
			t.Fatalf("next day: %v", err)
		}
	})
}

// scoringQuiz is a fixed quiz: a single, a multi (3 right of 4) and a judge.
func scoringQuiz(f *fixture) (*Survey, []Question) {
	qs := f.questions(
		NewQuestion{Type: Single, Stem: "单选", Options: []string{"甲", "乙", "丙"}, Answer: []string{"乙"}, Explanation: "解析一"},
		NewQuestion{Type: Multi, Stem: "多选", Options: []string{"甲", "乙", "丙", "丁"}, Answer: []string{"甲", "乙", "丙"}},
		NewQuestion{Type: Judge, Stem: "判断", Answer: []string{"对"}},
	)
	pass := 60
	return f.publish(NewSurvey{Kind: Quiz, Title: "固定题测验", Questions: refs(qs), TimeLimitS: 60, AttemptsPerDay: 10, PassScore: &pass}), qs
}

func TestSubmitScoring(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	sv, qs := scoringQuiz(f)
	r := f.resident("华富街道", "")
	for _, tc := range []struct {
		name    string
		answers map[string][]string
		score   int
		passed  bool
	}{
		{"AllRight", map[string][]string{key(qs[0].ID): {"乙"}, key(qs[1].ID): {"丙", "甲", "乙"}, key(qs[2].ID): {"对"}}, 100, true},
		{"PartialMulti", map[string][]string{key(qs[0].ID): {"乙"}, key(qs[1].ID): {"甲", "乙"}, key(qs[2].ID): {"错"}}, 56, false},
		{"MultiWithWrong", map[string][]string{key(qs[0].ID): {"乙"}, key(qs[1].ID): {"甲", "乙", "丁"}, key(qs[2].ID): {"对"}}, 78, true},
		{"Unanswered", map[string][]string{}, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := f.s.Start(ctx, r, sv.ID)
			if err != nil {
				t.Fatal(err)
			}
			res, err := f.s.Submit(ctx, r, a.AttemptID, tc.answers)
			if err != nil {
				t.Fatal(err)
			}
			if res.Score != tc.score || res.Passed != tc.passed {
				t.Fatalf("score=%d passed=%v, want %d %v", res.Score, res.Passed, tc.score, tc.passed)
			}
		})
	}
	t.Run("ErrBadAnswers", func(t *testing.T) {
		a, err := f.s.Start(ctx, r, sv.ID)
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.s.Submit(ctx, r, a.AttemptID, map[string][]string{key(qs[0].ID): {"戊"}})
		wantField(t, err, "answers."+key(qs[0].ID))
		_, err = f.s.Submit(ctx, r, a.AttemptID, map[string][]string{key(qs[0].ID): {"甲", "乙"}})
		wantField(t, err, "answers."+key(qs[0].ID))
		_, err = f.s.Submit(ctx, r, a.AttemptID, map[string][]string{"999999": {"甲"}})
		wantField(t, err, "answers.999999")
		// Bad input does not use up the attempt.
		if _, err := f.s.Submit(ctx, r, a.AttemptID, map[string][]string{}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("ErrDeadlinePassed", func(t *testing.T) {
		a, err := f.s.Start(ctx, r, sv.ID)
		if err != nil {
			t.Fatal(err)
		}
		f.now = f.now.Add(60*time.Second + submitGrace + time.Millisecond)
		_, err = f.s.Submit(ctx, r, a.AttemptID, map[string][]string{})
		if !errors.Is(err, ErrDeadlinePassed) {
			t.Fatalf("err=%v", err)
		}
	})
}

func TestConcurrentAttempts(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	sv, _ := scoringQuiz(f) // 10 attempts a day
	r := f.resident("华富街道", "")
	var wg sync.WaitGroup
	var mu sync.Mutex
	started := []int64{}
	for range 25 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a, err := f.s.Start(ctx, r, sv.ID)
			if err == nil {
				mu.Lock()
				started = append(started, a.AttemptID)
				mu.Unlock()
			} else if !errors.Is(err, ErrNoAttemptsLeft) {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if len(started) != 10 {
		t.Fatalf("%d attempts started, want 10", len(started))
	}
	// Many concurrent submits of one attempt with the same answers (a
	// client retrying): exactly one is scored, every one answers its
	// result.
	ok := 0
	var results []time.Time
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := f.s.Submit(ctx, r, started[0], map[string][]string{})
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				ok++
				results = append(results, res.SubmittedAt)
			} else {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	var items int64
	f.db.Table("survey_attempt_items").Where("attempt_id = ?", started[0]).Count(&items)
	if ok != 10 || items != 3 {
		t.Fatalf("%d submits answered, %d items; want 10 and 3", ok, items)
	}
	for _, at := range results {
		if !at.Equal(results[0]) {
			t.Fatalf("submits answered different results: %v", results)
		}
	}
	// Other answers to it are refused.
	if _, err := f.s.Submit(ctx, r, started[0], map[string][]string{"x": {"y"}}); !errors.Is(err, ErrAlreadySubmitted) {
		t.Fatalf("other answers: err=%v", err)
	}
}

func TestAudienceAndWindow(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	qs := f.questions(NewQuestion{Type: Judge, Stem: "判断", Answer: []string{"对"}})
	closes := f.now.Add(time.Hour)
	sv := f.publish(NewSurvey{Kind: Quiz, Title: "华富专属", Questions: refs(qs), ClosesAt: &closes,
		Audience: notify.Audience{Streets: []string{"华富街道"}}})
	in, out := f.resident("华富街道", ""), f.resident("莲花街道", "")
	if _, err := f.s.FindForResident(ctx, in, sv.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.FindForResident(ctx, out, sv.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("outsider: err=%v", err)
	}
	if _, err := f.s.Start(ctx, out, sv.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("outsider start: err=%v", err)
	}
	list, _, err := f.s.ListForResident(ctx, out, 0, 20)
	if err != nil || len(list) != 0 {
		t.Fatalf("outsider list=%v err=%v", list, err)
	}
	list, _, err = f.s.ListForResident(ctx, in, 0, 20)
	if err != nil || len(list) != 1 || list[0].AttemptsLeftToday == nil || *list[0].AttemptsLeftToday != 1 {
		t.Fatalf("list=%+v err=%v", list, err)
	}
	draft, err := f.s.Create(ctx, f.editor, NewSurvey{Kind: Quiz, Title: "草稿", Questions: refs(qs)}, f.regions)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.FindForResident(ctx, in, draft.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("draft: err=%v", err)
	}
	f.now = closes
	if _, err := f.s.FindForResident(ctx, in, sv.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("closed: err=%v", err)
	}
}

func declaration(f *fixture) (*Survey, []Question) {
	no := false
	sv := f.publish(NewSurvey{Kind: Declaration, Title: "每日健康申报", PointsRule: "declaration",
		Audience: notify.Audience{Streets: []string{"华富街道", "莲花街道"}},
		Questions: []QuestionRef{
			{Inline: &NewQuestion{Type: Judge, Stem: "体温正常？"}},
			{Inline: &NewQuestion{Type: Multi, Stem: "症状", Options: []string{"无", "发热", "咳嗽"}}},
			{Inline: &NewQuestion{Type: Number, Stem: "体温"}, Required: &no},
			{Inline: &NewQuestion{Type: Text, Stem: "备注"}, Required: &no},
		}})
	qs := make([]Question, len(sv.Questions))
	for i, it := range sv.Questions {
		qs[i] = it.Question
	}
	return sv, qs
}

func TestDeclarationDaily(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	sv, qs := declaration(f)
	if sv.Recurrence != Daily {
		t.Fatalf("recurrence=%q", sv.Recurrence)
	}
	r := f.resident("华富街道", "")
	ok := map[string][]string{key(qs[0].ID): {"对"}, key(qs[1].ID): {"无"}, key(qs[2].ID): {"36.6"}}
	rec, err := f.s.Respond(ctx, r, sv.ID, ok)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Day != "2026-11-23" || rec.PointsAwarded != 10 {
		t.Fatalf("receipt=%+v", rec)
	}
	if want := key(r) + "/declaration/decl:" + key(sv.ID) + ":" + key(r) + ":2026-11-23"; f.grants()[0] != want {
		t.Fatalf("grant=%q, want %q", f.grants()[0], want)
	}
	if _, err := f.s.Respond(ctx, r, sv.ID, ok); !errors.Is(err, ErrAlreadySubmitted) {
		t.Fatalf("second the same day: err=%v", err)
	}
	// 16:00 UTC is midnight in the district: a new day.
	f.now = time.Date(2026, 11, 23, 16, 0, 0, 0, time.UTC)
	if rec, err := f.s.Respond(ctx, r, sv.ID, ok); err != nil || rec.Day != "2026-11-24" {
		t.Fatalf("next day: %+v %v", rec, err)
	}
	for _, tc := range []struct {
		name    string
		answers map[string][]string
		field   string
	}{
		{"ErrRequiredMissing", map[string][]string{key(qs[1].ID): {"无"}}, "answers." + key(qs[0].ID)},
		{"ErrNotAnOption", map[string][]string{key(qs[0].ID): {"对"}, key(qs[1].ID): {"头痛"}}, "answers." + key(qs[1].ID)},
		{"ErrTwoForJudge", map[string][]string{key(qs[0].ID): {"对", "错"}, key(qs[1].ID): {"无"}}, "answers." + key(qs[0].ID)},
		{"ErrNotANumber", map[string][]string{key(qs[0].ID): {"对"}, key(qs[1].ID): {"无"}, key(qs[2].ID): {"高"}}, "answers." + key(qs[2].ID)},
		{"ErrUnknownQuestion", map[string][]string{key(qs[0].ID): {"对"}, key(qs[1].ID): {"无"}, "12345": {"x"}}, "answers.12345"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			other := f.resident("莲花街道", "")
			_, err := f.s.Respond(ctx, other, sv.ID, tc.answers)
			wantField(t, err, tc.field)
		})
	}
}

func TestStatsMissingRemindExport(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	sv, qs := declaration(f)
	hf1, hf2, lh := f.resident("华富街道", "田面社区"), f.resident("华富街道", ""), f.resident("莲花街道", "")
	f.resident("园岭街道", "") // not targeted
	if _, err := f.s.Respond(ctx, hf1, sv.ID, map[string][]string{key(qs[0].ID): {"对"}, key(qs[1].ID): {"发热", "咳嗽"}, key(qs[3].ID): {"=cmd()"}}); err != nil {
		t.Fatal(err)
	}
	d := district.Date(f.now)

	st, err := f.s.Stats(ctx, f.editor, sv.ID, d)
	if err != nil {
		t.Fatal(err)
	}
	if st.Participants != 1 || st.Questions[1].Distribution["发热"] != 1 || st.Questions[1].Distribution["无"] != 0 ||
		len(st.ByStreet) != 2 || st.ByStreet[0].Street != "华富街道" || st.ByStreet[0].Audience != 2 || st.ByStreet[0].ResponseRate != 0.5 ||
		st.ByStreet[1].Street != "莲花街道" || st.ByStreet[1].Participants != 0 || st.ByStreet[1].Audience != 1 {
		t.Fatalf("stats=%+v", st)
	}

	missing, next, err := f.s.Missing(ctx, f.editor, sv.ID, d, 0, 1)
	if err != nil || len(missing) != 1 || missing[0].ResidentID != hf2 || next != hf2 {
		t.Fatalf("page 1 = %+v next %d err %v", missing, next, err)
	}
	missing, next, err = f.s.Missing(ctx, f.editor, sv.ID, d, next, 1)
	if err != nil || len(missing) != 1 || missing[0].ResidentID != lh || next != 0 {
		t.Fatalf("page 2 = %+v next %d err %v", missing, next, err)
	}
	scoped := &staff.Member{ID: 2, DepartmentID: f.editor.DepartmentID, Roles: []staff.Role{staff.Editor}, Streets: []string{"莲花街道"}}
	missing, _, _ = f.s.Missing(ctx, scoped, sv.ID, d, 0, 10)
	if len(missing) != 1 || missing[0].ResidentID != lh {
		t.Fatalf("street-scoped missing=%+v", missing)
	}
	otherDept := int64(999999)
	if _, _, err := f.s.Missing(ctx, &staff.Member{ID: 3, DepartmentID: &otherDept, Roles: []staff.Role{staff.Editor}}, sv.ID, d, 0, 10); !errors.Is(err, ErrNotFound) {
		t.Fatalf("other department: err=%v", err)
	}

	rem, err := f.s.Remind(ctx, f.editor, sv.ID, d)
	var notices []struct {
		ID     int64
		Source string
	}
	f.db.Table("notices").Find(&notices)
	if err != nil || rem.Reminded != 2 || len(notices) != 1 {
		t.Fatalf("remind %+v err=%v notices=%d", rem, err, len(notices))
	}
	var to []int64
	f.db.Table("notice_recipients").Where("notice_id = ?", notices[0].ID).Order("resident_id").Pluck("resident_id", &to)
	if notices[0].Source != "survey:"+key(sv.ID)+":remind:"+d || len(to) != 2 || to[0] != hf2 || to[1] != lh {
		t.Fatalf("notice=%+v to %v", notices[0], to)
	}

	// Export, street-scoped: only 华富街道's response for the scoped staff of 华富.
	exp, err := f.s.PrepareExport(ctx, f.editor, sv.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	var rows [][]any
	exp.each(ctx, func(r []any) error { rows = append(rows, r); return nil })
	if len(rows) != 1 || rows[0][1] != key(hf1) || rows[0][3] != "田面社区" || rows[0][6] != "发热、咳嗽" {
		t.Fatalf("rows=%v", rows)
	}
	if h := exp.header(); len(h) != 5+len(qs) || h[5] != qs[0].Stem {
		t.Fatalf("header=%v", h)
	}
	scoped.Streets = []string{"莲花街道"}
	exp, _ = f.s.PrepareExport(ctx, scoped, sv.ID, "")
	rows = nil
	exp.each(ctx, func(r []any) error { rows = append(rows, r); return nil })
	if len(rows) != 0 {
		t.Fatalf("scoped rows=%v", rows)
	}
}

func TestQuizStatsFlagsFastAttempts(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	sv, qs := scoringQuiz(f)
	fast, slow := f.resident("华富街道", ""), f.resident("莲花街道", "")
	right := map[string][]string{key(qs[0].ID): {"乙"}, key(qs[1].ID): {"甲", "乙", "丙"}, key(qs[2].ID): {"对"}}
	a, _ := f.s.Start(ctx, fast, sv.ID)
	f.now = f.now.Add(3 * time.Second) // 3 questions in 3 s
	if _, err := f.s.Submit(ctx, fast, a.AttemptID, right); err != nil {
		t.Fatal(err)
	}
	b, _ := f.s.Start(ctx, slow, sv.ID)
	f.now = f.now.Add(40 * time.Second)
	if _, err := f.s.Submit(ctx, slow, b.AttemptID, map[string][]string{key(qs[0].ID): {"甲"}}); err != nil {
		t.Fatal(err)
	}
	st, err := f.s.Stats(ctx, f.editor, sv.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if st.Participants != 2 || st.Passed != 1 || st.PassRate != 0.5 || st.FastAttempts != 1 || len(st.Questions) != 3 || len(st.ByStreet) != 2 {
		t.Fatalf("stats=%+v", st)
	}
	for _, q := range st.Questions {
		if q.Answered != 2 || *q.CorrectRate != 0.5 && q.QuestionID != qs[0].ID {
			t.Fatalf("question stats=%+v", q)
		}
	}
}

func TestEraseResident(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	sv, qs := declaration(f)
	r := f.resident("华富街道", "")
	if _, err := f.s.Respond(ctx, r, sv.ID, map[string][]string{key(qs[0].ID): {"对"}, key(qs[1].ID): {"无"}}); err != nil {
		t.Fatal(err)
	}
	if err := f.s.EraseResident(f.db, r); err != nil {
		t.Fatal(err)
	}
	var n int64
	f.db.Table("survey_responses").Count(&n)
	if n != 0 {
		t.Fatalf("%d responses left", n)
	}
}

func TestRespondKeepsResponseWhenAwardFails(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	sv, qs := declaration(f)
	r := f.resident("华富街道", "")
	ended := time.Now().Add(-time.Hour)
	f.rule(points.Rule{Code: "declaration", ValidUntil: &ended})
	rec, err := f.s.Respond(ctx, r, sv.ID, map[string][]string{key(qs[0].ID): {"对"}, key(qs[1].ID): {"无"}})
	if err != nil || rec.PointsAwarded != 0 || rec.PointsStatus != PointsRefused {
		t.Fatalf("rec=%+v err=%v, want the stored receipt, its points refused", rec, err)
	}
	var n int64
	f.db.Table("survey_responses").Count(&n)
	if n != 1 {
		t.Fatalf("%d responses, want 1", n)
	}
}

func TestConcurrentDeclarations(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	sv, qs := declaration(f)
	r := f.resident("华富街道", "")
	answers := map[string][]string{key(qs[0].ID): {"对"}, key(qs[1].ID): {"无", "发热"}}
	var (
		wg sync.WaitGroup
		mu sync.Mutex
		ok int
	)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := f.s.Respond(ctx, r, sv.ID, answers)
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				ok++
			} else if !errors.Is(err, ErrAlreadySubmitted) {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	var responses, choices int64
	f.db.Table("survey_responses").Count(&responses)
	f.db.Table("survey_choices").Count(&choices)
	if ok != 1 || responses != 1 || choices != 3 || len(f.grants()) != 1 {
		t.Fatalf("ok=%d responses=%d choices=%d grants=%d, want 1, 1, 3, 1", ok, responses, choices, len(f.grants()))
	}
}
