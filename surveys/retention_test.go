package surveys

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/futian/ifutian/internal/district"
	"github.com/futian/ifutian/notify"
	"github.com/futian/ifutian/staff"
)

// statsViews returns the survey's statistics as JSON for every view that
// must survive erasure: all days and each day, for the district editor and
// for a 华富-scoped one; free text is left out (retention erases it).
func (f *fixture) statsViews(id int64, days ...string) []string {
	f.t.Helper()
	huafu := &staff.Member{ID: 9, DepartmentID: f.editor.DepartmentID, Roles: []staff.Role{staff.Editor}, Streets: []string{"华富街道"}}
	var out []string
	for _, m := range []*staff.Member{f.editor, huafu} {
		for _, d := range append([]string{""}, days...) {
			st, err := f.s.Stats(context.Background(), m, id, d)
			if err != nil {
				f.t.Fatal(err)
			}
			for i := range st.Questions {
				st.Questions[i].Latest = nil
			}
			b, _ := json.Marshal(st)
			out = append(out, string(b))
		}
	}
	return out
}

func wantSameStats(t *testing.T, before, after []string) {
	t.Helper()
	for i := range before {
		if before[i] != after[i] {
			t.Fatalf("view %d after erasure:\n%s\nbefore:\n%s", i, after[i], before[i])
		}
	}
}

func TestRetentionKeepsStatistics(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	one := 1
	no := false
	sv := f.publish(NewSurvey{Kind: Declaration, Title: "申报", RetentionDays: &one,
		Audience: notify.Audience{Streets: []string{"华富街道", "莲花街道"}},
		Questions: []QuestionRef{
			{Inline: &NewQuestion{Type: Judge, Stem: "体温正常？"}},
			{Inline: &NewQuestion{Type: Multi, Stem: "症状", Options: []string{"无", "发热", "咳嗽"}}},
			{Inline: &NewQuestion{Type: Number, Stem: "体温"}, Required: &no},
			{Inline: &NewQuestion{Type: Text, Stem: "备注"}, Required: &no},
		}})
	q := sv.Questions
	residents := []int64{f.resident("华富街道", ""), f.resident("华富街道", ""), f.resident("莲花街道", "")}
	day1 := district.Date(f.now)
	answers := []map[string][]string{
		{key(q[0].ID): {"对"}, key(q[1].ID): {"发热", "咳嗽"}, key(q[2].ID): {"38.5"}, key(q[3].ID): {"头痛"}},
		{key(q[0].ID): {"对"}, key(q[1].ID): {"无"}, key(q[2].ID): {"36.50"}},
		{key(q[0].ID): {"错"}, key(q[1].ID): {"无"}, key(q[2].ID): {"36.5"}, key(q[3].ID): {"无"}},
	}
	for i, r := range residents {
		if _, err := f.s.Respond(ctx, r, sv.ID, answers[i]); err != nil {
			t.Fatal(err)
		}
	}
	f.now = f.now.Add(24 * time.Hour)
	day2 := district.Date(f.now)
	for i, r := range residents[:2] {
		if _, err := f.s.Respond(ctx, r, sv.ID, answers[2-i]); err != nil {
			t.Fatal(err)
		}
	}
	// A quiz of the same department, answered on day 2.
	quiz, qq := scoringQuiz(f)
	for _, r := range residents {
		a, err := f.s.Start(ctx, r, quiz.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Submit(ctx, r, a.AttemptID, map[string][]string{key(qq[0].ID): {"乙"}, key(qq[1].ID): {"甲"}}); err != nil {
			t.Fatal(err)
		}
	}
	before, quizBefore := f.statsViews(sv.ID, day1, day2), f.statsViews(quiz.ID)

	// A day and a half after day 1: day 1's responses are past a day's
	// retention, day 2's are not; the quiz keeps its attempts a year.
	f.now = f.now.Add(12 * time.Hour)
	n, err := f.s.EraseExpired(ctx)
	if err != nil || n != 3 {
		t.Fatalf("erased %d (%v), want day 1's 3 responses", n, err)
	}
	wantSameStats(t, before, f.statsViews(sv.ID, day1, day2))
	var left []Response
	f.db.Where("survey_id = ?", sv.ID).Order("id").Find(&left)
	for _, r := range left {
		if erased := r.Day == day1; erased != (r.ErasedAt != nil) || erased != (len(r.Answers) == 0) {
			t.Fatalf("response of %s: erased_at %v answers %v", r.Day, r.ErasedAt, r.Answers)
		}
	}

	f.now = f.now.Add(400 * 24 * time.Hour)
	if n, err := f.s.EraseExpired(ctx); err != nil || n != 2+3 {
		t.Fatalf("erased %d (%v), want day 2's 2 responses and the 3 attempts", n, err)
	}
	wantSameStats(t, before, f.statsViews(sv.ID, day1, day2))
	wantSameStats(t, quizBefore, f.statsViews(quiz.ID))
	var choices, items, answered int64
	f.db.Table("survey_choices").Count(&choices)
	f.db.Table("survey_attempt_items").Count(&items)
	f.db.Table("survey_attempts").Where("answers <> '{}'").Count(&answered)
	if choices != 0 || items != 0 || answered != 0 {
		t.Fatalf("after erasure: %d choice rows, %d attempt items, %d attempts with answers", choices, items, answered)
	}
	// The resident's own export no longer holds the answers either.
	exp, err := f.s.ExportResident(ctx, residents[0])
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := json.Marshal(exp); strings.Contains(string(b), "头痛") || strings.Contains(string(b), "38.5") {
		t.Fatalf("export after erasure: %s", b)
	}
}

// Several workers erasing at once count every response once.
func TestRetentionConcurrentWorkers(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	one := 1
	sv := f.publish(NewSurvey{Kind: Questionnaire, Title: "问卷", RetentionDays: &one,
		Questions: []QuestionRef{{Inline: &NewQuestion{Type: Multi, Stem: "选", Options: []string{"甲", "乙", "丙"}}}}})
	qid := key(sv.Questions[0].ID)
	for i := range 60 {
		street := []string{"华富街道", "莲花街道", "园岭街道"}[i%3]
		r := f.resident(street, "")
		if _, err := f.s.Respond(ctx, r, sv.ID, map[string][]string{qid: {"甲", []string{"乙", "丙"}[i%2]}}); err != nil {
			t.Fatal(err)
		}
	}
	before := f.statsViews(sv.ID)
	f.now = f.now.Add(48 * time.Hour)
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		total int
	)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := f.s.EraseExpired(ctx)
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			total += n
			mu.Unlock()
		}()
	}
	wg.Wait()
	if total != 60 {
		t.Fatalf("workers erased %d responses in all, want 60", total)
	}
	wantSameStats(t, before, f.statsViews(sv.ID))
	var tallied int64
	f.db.Table("survey_question_tallies").Select("COALESCE(SUM(answered), 0)").Scan(&tallied)
	if tallied != 60 {
		t.Fatalf("tallies count %d answers, want 60", tallied)
	}
}

// Many simultaneous reminders of one survey send one notice.
func TestRemindConcurrent(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	sv, _ := declaration(f)
	for range 5 {
		f.resident("华富街道", "")
	}
	var (
		wg  sync.WaitGroup
		mu  sync.Mutex
		got = map[int]int{}
	)
	for range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := f.s.Remind(ctx, f.editor, sv.ID, "")
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			got[r.Reminded]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	var notices, recipients, reminders int64
	f.db.Table("notices").Count(&notices)
	f.db.Table("notice_recipients").Count(&recipients)
	f.db.Table("survey_reminders").Count(&reminders)
	if notices != 1 || recipients != 5 || reminders != 1 || got[5] != 12 {
		t.Fatalf("%d notices, %d recipients, %d reminders, answers %v; want 1, 5, 1 and 5 twelve times", notices, recipients, reminders, got)
	}
	// The next day's reminder is a new one; another day is refused.
	f.now = f.now.Add(24 * time.Hour)
	if r, err := f.s.Remind(ctx, f.editor, sv.ID, district.Date(f.now)); err != nil || r.Reminded != 5 || r.Repeated {
		t.Fatalf("next day: %+v %v", r, err)
	}
	if _, err := f.s.Remind(ctx, f.editor, sv.ID, "2026-11-23"); err == nil {
		t.Fatal("a reminder for yesterday was accepted")
	} else {
		wantField(t, err, "date")
	}
}

// A department uses its own questions and the starter bank, never another
// department's, whether by ID or in a draw.
func TestQuestionBankScope(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.s.SeedStarter(ctx); err != nil {
		t.Fatal(err)
	}
	other, err := staff.New(staff.Deps{DB: f.db}).CreateDepartment(ctx, "其他部门")
	if err != nil {
		t.Fatal(err)
	}
	theirs := &staff.Member{ID: 5, DepartmentID: &other.ID, Roles: []staff.Role{staff.Editor}}
	foreign, err := f.s.CreateQuestions(ctx, theirs, []NewQuestion{{Type: Judge, Stem: "他部门的题", Answer: []string{"对"}, Tags: []string{"仅他部门"}}}, false)
	if err != nil {
		t.Fatal(err)
	}
	if foreign[0].DepartmentID == nil || *foreign[0].DepartmentID != other.ID {
		t.Fatalf("question of department %v, want %d", foreign[0].DepartmentID, other.ID)
	}
	var starter Question
	f.db.Where("department_id IS NULL").Take(&starter)
	own := f.questions(NewQuestion{Type: Judge, Stem: "本部门的题", Answer: []string{"对"}, Tags: []string{"仅他部门"}})

	_, err = f.s.Create(ctx, f.editor, NewSurvey{Kind: Quiz, Title: "测验", Questions: []QuestionRef{{ID: foreign[0].ID}}}, f.regions)
	wantField(t, err, "questions[0]")
	if _, err := f.s.Create(ctx, f.editor, NewSurvey{Kind: Quiz, Title: "测验", Questions: []QuestionRef{{ID: starter.ID}, {ID: own[0].ID}}}, f.regions); err != nil {
		t.Fatal(err)
	}
	// The draw's pool holds the own question of the tag, not theirs.
	sv := f.publish(NewSurvey{Kind: Quiz, Title: "抽题", Draw: &Draw{Tags: []string{"仅他部门"}, Count: 1}})
	pool, err := f.s.pool(f.db, sv)
	if err != nil || len(pool) != 1 || pool[0] != own[0].ID {
		t.Fatalf("pool %v (%v), want only %d", pool, err, own[0].ID)
	}
	_, err = f.s.Create(ctx, f.editor, NewSurvey{Kind: Quiz, Title: "抽题", Draw: &Draw{Tags: []string{"仅他部门"}, Count: 2}}, f.regions)
	wantField(t, err, "draw.count")
}
