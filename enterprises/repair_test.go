package enterprises

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/notify"
	"github.com/futian/ifutian/staff"
	"github.com/futian/ifutian/surveys"
)

// fakeQuizzes stands in for the surveys module: quizzes by ID and
// residents' attempts.
type fakeQuizzes struct {
	mu       sync.Mutex
	quizzes  map[int64]*surveys.Survey
	attempts map[int64]*surveys.AttemptView
	owners   map[int64]int64
}

func (q *fakeQuizzes) Quiz(ctx context.Context, id int64) (*surveys.Survey, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if sv, ok := q.quizzes[id]; ok {
		return sv, nil
	}
	return nil, surveys.ErrNotFound
}

func (q *fakeQuizzes) Attempt(ctx context.Context, residentID, attemptID int64) (*surveys.AttemptView, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if a, ok := q.attempts[attemptID]; ok && q.owners[attemptID] == residentID {
		return a, nil
	}
	return nil, surveys.ErrAttemptNotFound
}

// passed records a submitted attempt of resident at quiz with score.
func (q *fakeQuizzes) passed(id, resident, quiz int64, score int, at time.Time) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.attempts[id] = &surveys.AttemptView{AttemptID: id, SurveyID: quiz, Status: surveys.AttemptSubmitted,
		Result: &surveys.Result{AttemptID: id, Score: score, Passed: score >= 60, SubmittedAt: at}}
	q.owners[id] = resident
}

func repairFixture(t *testing.T) (*fixture, *fakeQuizzes) {
	f := newFixture(t)
	dept := int64(1)
	q := &fakeQuizzes{quizzes: map[int64]*surveys.Survey{
		7: {ID: 7, Kind: surveys.Quiz, Title: "食品安全法测验", DepartmentID: &dept, Draw: &surveys.Draw{Tags: []string{"食品安全"}, Count: 5}},
		8: {ID: 8, Kind: surveys.Quiz, Title: "他部门测验", DepartmentID: new(int64(2))},
	}, attempts: map[int64]*surveys.AttemptView{}, owners: map[int64]int64{}}
	f.s.quizzes = q
	if _, _, err := f.s.PutCourse(context.Background(), f.admin, CourseInput{Kind: KindPenalty, SurveyID: 7, PassScore: 80}); err != nil {
		t.Fatal(err)
	}
	return f, q
}

func wantField(t *testing.T, err error, field string) {
	t.Helper()
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Fields[field] == "" {
		t.Fatalf("err=%v, want a field error naming %s", err, field)
	}
}

func TestCourseInput(t *testing.T) {
	f, _ := repairFixture(t)
	ctx := context.Background()
	for name, in := range map[string]CourseInput{
		"kind":       {Kind: KindHonor, SurveyID: 7, PassScore: 80},
		"pass_score": {Kind: KindPenalty, SurveyID: 7, PassScore: 101},
		"survey_id":  {Kind: KindPenalty, SurveyID: 99, PassScore: 80},
	} {
		_, _, err := f.s.PutCourse(ctx, f.admin, in)
		wantField(t, err, name)
	}
	_, _, err := f.s.PutCourse(ctx, f.admin, CourseInput{Kind: KindPenalty, SurveyID: 8, PassScore: 80})
	wantField(t, err, "survey_id") // another department's quiz
	c, created, err := f.s.PutCourse(ctx, f.admin, CourseInput{Kind: KindPenalty, SurveyID: 7, PassScore: 70})
	if err != nil || created || c.PassScore != 70 {
		t.Fatalf("redefine: %+v created=%v err=%v", c, created, err)
	}
	cs, err := f.s.FindCourses(ctx, f.admin.Scope())
	if err != nil || len(cs) != 1 || cs[0].QuizTitle != "食品安全法测验" || cs[0].QuizTags[0] != "食品安全" {
		t.Fatalf("courses %+v err=%v", cs, err)
	}
	other := &staff.Member{ID: 2, DepartmentID: new(int64(2)), Roles: []staff.Role{staff.CreditOfficer}}
	if cs, _ := f.s.FindCourses(ctx, other.Scope()); len(cs) != 0 {
		t.Fatalf("another department sees %+v", cs)
	}
	if err := f.s.DeleteCourse(ctx, other, c.ID); !errors.Is(err, ErrCourseGone) {
		t.Fatalf("delete by another department: %v", err)
	}
}

func TestRepairApprovalEndsPublicationAndRerates(t *testing.T) {
	f, q := repairFixture(t)
	ctx := context.Background()
	e := f.enterprise(1, "餐饮业", "华富街道")
	m := f.member(e)
	rec := f.record(e, KindPenalty, General, f.now.Add(-100*24*time.Hour)) // past the shortest period
	if rec.Rating.Grade != "C" {                                           // 85 − 15 = 70
		t.Fatalf("grade before %s", rec.Rating.Grade)
	}
	// Not a member; a failing attempt; another's attempt.
	q.passed(1, m, 7, 90, f.now)
	if _, _, err := f.s.StartRepair(ctx, f.resident(), e.USCC, rec.ID, RepairStart{AttemptID: 1}); !errors.Is(err, ErrNotMember) {
		t.Fatalf("stranger: %v", err)
	}
	q.passed(2, m, 7, 60, f.now)
	_, _, err := f.s.StartRepair(ctx, m, e.USCC, rec.ID, RepairStart{AttemptID: 2})
	wantField(t, err, "attempt_id")
	if _, err := f.s.Commit(ctx, m, e.USCC, rec.ID, Commitment{Text: "承诺"}); !errors.Is(err, ErrRepairNotStarted) {
		t.Fatalf("commit before the course: %v", err)
	}
	v, created, err := f.s.StartRepair(ctx, m, e.USCC, rec.ID, RepairStart{AttemptID: 1})
	if err != nil || !created || v.Status != RepairCoursePassed {
		t.Fatalf("start: %+v created=%v err=%v", v, created, err)
	}
	if v, created, err = f.s.StartRepair(ctx, m, e.USCC, rec.ID, RepairStart{AttemptID: 1}); err != nil || created {
		t.Fatalf("repeat: %+v created=%v err=%v", v, created, err)
	}
	_, err = f.s.Commit(ctx, m, e.USCC, rec.ID, Commitment{Text: "  "})
	wantField(t, err, "text")
	if v, err = f.s.Commit(ctx, m, e.USCC, rec.ID, Commitment{Text: "本企业承诺整改到位。"}); err != nil || v.Status != RepairSubmitted {
		t.Fatalf("commit: %+v err=%v", v, err)
	}
	// Another department may not decide it.
	other := &staff.Member{ID: 2, DepartmentID: new(int64(2)), Roles: []staff.Role{staff.CreditOfficer}}
	yes := true
	if _, err := f.s.DecideRepair(ctx, other, v.Repair.ID, RepairDecision{Approve: &yes, Reason: "好"}); !errors.Is(err, ErrRepairGone) {
		t.Fatalf("other department: %v", err)
	}
	list, _, err := f.s.FindRepairs(ctx, f.admin, RepairFilter{})
	if err != nil || len(list) != 1 || list[0].Commitment != "本企业承诺整改到位。" || list[0].Record.ID != rec.ID {
		t.Fatalf("queue %+v err=%v", list, err)
	}
	f.now = f.now.Add(time.Hour)
	r, err := f.s.DecideRepair(ctx, f.admin, v.Repair.ID, RepairDecision{Approve: &yes, Reason: "整改到位"})
	if err != nil || r.Status != RepairApproved || !r.EndsAt.Equal(f.now) || !r.OriginalExpiresAt.Equal(rec.ExpiresAt) {
		t.Fatalf("approve: %+v err=%v", r, err)
	}
	if _, err := f.s.DecideRepair(ctx, f.admin, v.Repair.ID, RepairDecision{Approve: &yes, Reason: "again"}); !errors.Is(err, ErrDecided) {
		t.Fatalf("again: %v", err)
	}
	got, _ := f.s.FindByID(ctx, e.ID)
	if got.Grade != "B" || *got.Score != 85 {
		t.Fatalf("after repair: %s %d", got.Grade, *got.Score)
	}
	if n := f.n.of(notify.KindRepairDecided); len(n) != 1 || n[0].Data["result"] != notify.ResultRepairApproved || n[0].ResidentIDs[0] != m {
		t.Fatalf("repair notices %+v", n)
	}
	if n := f.n.of(notify.KindGradeChanged); len(n) != 2 || n[1].Data["new_grade"] != "B" {
		t.Fatalf("grade notices %+v", n)
	}
	d, err := f.s.Detail(ctx, m, e.USCC)
	if err != nil || len(d.Factors) != 0 || len(d.Repairs) != 1 {
		t.Fatalf("detail %+v err=%v", d, err)
	}
	if x := d.Repairs[0]; x.Status != RepairApproved || x.RepairedAt == nil || !x.OriginalExpiresAt.Equal(rec.ExpiresAt) || x.Block != BlockRepaired {
		t.Fatalf("explained %+v", x)
	}
	// A repaired record cannot be repaired again.
	q.passed(3, m, 7, 100, f.now)
	if _, _, err := f.s.StartRepair(ctx, m, e.USCC, rec.ID, RepairStart{AttemptID: 3}); !errors.Is(err, ErrRepairUnderWay) {
		t.Fatalf("again after approval: %v", err)
	}
	stats, err := f.s.RepairStats(ctx, staff.DistrictScope(), f.now.Add(-24*time.Hour), f.now.Add(time.Hour))
	if err != nil || len(stats) != 1 || stats[0].Started != 1 || stats[0].Completed != 1 || stats[0].RecordsRepaired != 1 ||
		stats[0].People != 1 || stats[0].Rule != "penalty" || stats[0].DepartmentID == nil || *stats[0].DepartmentID != 1 || stats[0].Subject != "credit" {
		t.Fatalf("stats %+v err=%v", stats, err)
	}
	if stats, _ := f.s.RepairStats(ctx, other.Scope(), f.now.Add(-24*time.Hour), f.now.Add(time.Hour)); len(stats) != 0 {
		t.Fatalf("another department's stats %+v", stats)
	}
}

func TestRepairRefusals(t *testing.T) {
	f, q := repairFixture(t)
	ctx := context.Background()
	e := f.enterprise(1, "餐饮业", "华富街道")
	m := f.member(e)
	serious := f.record(e, KindPenalty, Serious, f.now.Add(-24*time.Hour))
	q.passed(1, m, 7, 100, f.now)
	_, _, err := f.s.StartRepair(ctx, m, e.USCC, serious.ID, RepairStart{AttemptID: 1})
	wantField(t, err, "record_id")
	arrears := f.record(e, KindArrears, Minor, f.now.Add(-24*time.Hour)) // no course for arrears
	_, _, err = f.s.StartRepair(ctx, m, e.USCC, arrears.ID, RepairStart{AttemptID: 1})
	wantField(t, err, "record_id")
	d, err := f.s.Detail(ctx, m, e.USCC)
	if err != nil || len(d.Repairs) != 2 || d.Repairs[0].Block != BlockSerious || d.Repairs[1].Block != BlockNoCourse {
		t.Fatalf("detail repairs %+v err=%v", d.Repairs, err)
	}
	// A rejection lets the enterprise try again with a new attempt.
	minor := f.record(e, KindPenalty, Minor, f.now.Add(-24*time.Hour))
	v, _, err := f.s.StartRepair(ctx, m, e.USCC, minor.ID, RepairStart{AttemptID: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Commit(ctx, m, e.USCC, minor.ID, Commitment{Text: "承诺"}); err != nil {
		t.Fatal(err)
	}
	no := false
	if _, err := f.s.DecideRepair(ctx, f.admin, v.Repair.ID, RepairDecision{Approve: &no, Reason: " "}); err == nil {
		t.Fatal("blank reason accepted")
	}
	if _, err := f.s.DecideRepair(ctx, f.admin, v.Repair.ID, RepairDecision{Approve: &no, Reason: "承诺内容不具体"}); err != nil {
		t.Fatal(err)
	}
	_, _, err = f.s.StartRepair(ctx, m, e.USCC, minor.ID, RepairStart{AttemptID: 1})
	wantField(t, err, "attempt_id") // the rejected attempt
	q.passed(2, m, 7, 100, f.now.Add(time.Minute))
	if _, created, err := f.s.StartRepair(ctx, m, e.USCC, minor.ID, RepairStart{AttemptID: 2}); err != nil || !created {
		t.Fatalf("anew: created=%v err=%v", created, err)
	}
	if n := f.n.of(notify.KindRepairDecided); len(n) != 1 || n[0].Data["result"] != notify.ResultRepairRejected {
		t.Fatalf("notices %+v", n)
	}
}

// TestConcurrentRepairStarts: members starting a record's repair at once
// with different passed attempts make one repair.
func TestConcurrentRepairStarts(t *testing.T) {
	f, q := repairFixture(t)
	ctx := context.Background()
	e := f.enterprise(1, "餐饮业", "华富街道")
	rec := f.record(e, KindPenalty, Minor, f.now.Add(-24*time.Hour))
	const n = 8
	members := make([]int64, n)
	for i := range n {
		members[i] = f.member(e)
		q.passed(int64(100+i), members[i], 7, 100, f.now)
	}
	var wg sync.WaitGroup
	created := make(chan bool, n*2)
	for i := range n * 2 {
		wg.Go(func() {
			_, c, err := f.s.StartRepair(ctx, members[i%n], e.USCC, rec.ID, RepairStart{AttemptID: int64(100 + i%n)})
			if err != nil && !errors.Is(err, ErrRepairUnderWay) {
				t.Error(err)
			}
			created <- c
		})
	}
	wg.Wait()
	close(created)
	made := 0
	for c := range created {
		if c {
			made++
		}
	}
	var rows int64
	f.db.Model(&Repair{}).Where("credit_record_id = ?", rec.ID).Count(&rows)
	if made != 1 || rows != 1 {
		t.Fatalf("created %d, rows %d; want 1", made, rows)
	}
}
