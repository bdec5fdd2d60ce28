package surveys

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/futian/ifutian/jobs"
	"github.com/futian/ifutian/points"
	"github.com/futian/ifutian/staff"
)

// flakyLedger is the points module failing its first fails grants, as in
// a database outage between the answers' commit and the grant.
type flakyLedger struct {
	granter
	fails, calls int
}

func (l *flakyLedger) Grant(ctx context.Context, by staff.Scope, req points.AwardRequest) (*points.Transaction, bool, error) {
	l.calls++
	if l.calls <= l.fails {
		return nil, false, errors.New("dial tcp 127.0.0.1:3306: connect: connection refused")
	}
	return l.granter.Grant(ctx, by, req)
}

// TestQuizPointsLandLaterOnce: the points module fails when a passed quiz
// is submitted and on the first retry. The answers are stored and scored
// all the same, the resident sees the points pending (积分发放中), and the
// queue grants them later, exactly once, however often the job runs.
// (Regression: the grant was tried once after the commit and its failure
// only logged, so the points were lost for good.)
func TestQuizPointsLandLaterOnce(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	ledger := &flakyLedger{granter: f.points, fails: 2}
	s := New(Deps{DB: f.db, Notify: f.notify, Points: ledger, Now: func() time.Time { return f.now }})
	q := jobs.New(f.db, jobs.Config{Backoff: jobs.Backoff{Base: time.Millisecond, Max: time.Millisecond}})
	s.RegisterJobs(q)
	sv, qs := scoringQuiz(f)
	f.db.Model(&Survey{}).Where("id = ?", sv.ID).Update("points_rule", "quiz_pass")
	r := f.resident("华富街道", "")

	a, err := s.Start(ctx, r, sv.ID)
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Submit(ctx, r, a.AttemptID, map[string][]string{key(qs[0].ID): {"乙"}, key(qs[1].ID): {"甲", "乙", "丙"}, key(qs[2].ID): {"对"}})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Passed || res.PointsAwarded != 0 || res.PointsStatus != PointsPending {
		t.Fatalf("result %+v, want passed with its points pending", res)
	}
	var stored Attempt
	f.db.Take(&stored, a.AttemptID)
	if stored.SubmittedAt == nil || stored.Score == nil || *stored.Score != 100 || stored.PointsStatus != PointsPending {
		t.Fatalf("stored attempt %+v, want submitted, scored, points pending", stored)
	}
	if g := f.grants(); len(g) != 0 {
		t.Fatalf("granted %v while the ledger was down", g)
	}

	for range 100 {
		if _, err := q.Work(ctx); err != nil {
			t.Fatal(err)
		}
		var j jobs.Job
		f.db.Where("kind = ?", JobAward).Take(&j)
		if j.Status == jobs.Done {
			break
		}
		time.Sleep(2 * time.Millisecond) // the backoff
	}
	want := []string{key(r) + "/quiz_pass/attempt:" + key(a.AttemptID)}
	if g := f.grants(); !slices.Equal(g, want) {
		t.Fatalf("grants %v, want %v", g, want)
	}
	f.db.Take(&stored, a.AttemptID)
	if stored.PointsAwarded != 10 || stored.PointsStatus != PointsGranted || ledger.calls != 3 {
		t.Fatalf("attempt points %d %q after %d grant calls, want 10 granted after 3", stored.PointsAwarded, stored.PointsStatus, ledger.calls)
	}

	// A job run again (its worker died before recording it) grants nothing more.
	var j jobs.Job
	f.db.Where("kind = ?", JobAward).Take(&j)
	if err := s.runAward(ctx, []byte(j.Payload)); err != nil {
		t.Fatal(err)
	}
	if g := f.grants(); !slices.Equal(g, want) {
		t.Fatalf("grants after a repeat %v, want %v", g, want)
	}
	if j.Attempts != 3 {
		t.Fatalf("job took %d attempts, want 3", j.Attempts)
	}
}
