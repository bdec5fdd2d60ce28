package enterprises

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/dbtest"
	"github.com/futian/ifutian/jobs"
	"github.com/futian/ifutian/notify"
	"github.com/futian/ifutian/staff"
)

// recorder is a fake of the notify module: it records direct notices.
type recorder struct {
	mu   sync.Mutex
	sent []notify.DirectNotice
	fail bool // refuse every notice, like notify being down
	// failNext refuses that many notices more (then notify recovers).
	failNext int
	calls    int
}

// down reports whether notify refuses this call; r.mu is held.
func (r *recorder) down() bool {
	r.calls++
	if r.failNext > 0 {
		r.failNext--
		return true
	}
	return r.fail
}

func (r *recorder) SendDirect(ctx context.Context, n notify.DirectNotice) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.down() {
		return errors.New("notify down")
	}
	r.sent = append(r.sent, n)
	return nil
}

// SendDirectTx records n at once (a rolled-back transaction does not
// take it back: tests through the real notify check that); a Source sent
// before is skipped, as notify does.
func (r *recorder) SendDirectTx(tx *gorm.DB, n notify.DirectNotice) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.down() {
		return errors.New("notify down")
	}
	for _, prev := range r.sent {
		if prev.Source == n.Source {
			return nil
		}
	}
	r.sent = append(r.sent, n)
	return nil
}

func (r *recorder) notices() []notify.DirectNotice {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.sent)
}

// of returns the notices of one kind that reached someone, in order.
func (r *recorder) of(kind notify.SystemKind) []notify.DirectNotice {
	var out []notify.DirectNotice
	for _, n := range r.notices() {
		if n.Kind == kind && len(n.ResidentIDs) > 0 {
			out = append(out, n)
		}
	}
	return out
}

// benefits returns the benefit notices sent.
func (r *recorder) benefits() []notify.DirectNotice { return r.of(notify.KindBenefitMatched) }

type fixture struct {
	t     *testing.T
	db    *gorm.DB
	s     *Service
	n     *recorder
	q     *jobs.Queue
	now   time.Time
	admin *staff.Member
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{t: t, db: dbtest.Open(t), n: &recorder{}, now: time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)}
	f.s = New(Deps{DB: f.db, Notify: f.n})
	f.s.now = func() time.Time { return f.now }
	f.q = jobs.New(f.db, jobs.Config{Backoff: jobs.Backoff{Base: time.Millisecond, Max: time.Millisecond}})
	f.s.RegisterJobs(f.q)
	dept := int64(1)
	f.admin = &staff.Member{ID: 1, DepartmentID: &dept, Roles: []staff.Role{staff.CreditOfficer}}
	return f
}

// drain runs the queue's jobs until none is left to run (retries wait a
// millisecond).
func (f *fixture) drain() {
	f.t.Helper()
	for range 1000 {
		var left int64
		if err := f.db.Model(&jobs.Job{}).Where("status IN ?", []string{jobs.Queued, jobs.Running}).Count(&left).Error; err != nil {
			f.t.Fatal(err)
		}
		if left == 0 {
			return
		}
		if _, err := f.q.Work(context.Background()); err != nil {
			f.t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond)
	}
	f.t.Fatal("jobs still queued")
}

// enterprise registers an enterprise with a generated valid code.
func (f *fixture) enterprise(seq int, industry, street string) *Enterprise {
	f.t.Helper()
	e, err := f.s.Create(context.Background(), f.admin, NewEnterprise{
		USCC: CompleteUSCC(fmt.Sprintf("91440304MA5%06d", seq)), Name: fmt.Sprintf("测试企业%d", seq), Industry: industry, Street: street,
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return e
}

func (f *fixture) resident() int64 {
	f.t.Helper()
	res := f.db.Exec("INSERT INTO residents (nickname, created_at, updated_at) VALUES ('r', ?, ?)", f.now, f.now)
	if res.Error != nil {
		f.t.Fatal(res.Error)
	}
	var id int64
	if err := f.db.Raw("SELECT MAX(id) FROM residents").Scan(&id).Error; err != nil {
		f.t.Fatal(err)
	}
	return id
}

func (f *fixture) member(e *Enterprise) int64 {
	f.t.Helper()
	rid := f.resident()
	b, _, err := f.s.RequestBinding(context.Background(), rid, e.USCC, RoleAgent)
	if err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.s.DecideBinding(context.Background(), f.admin, b.ID, true); err != nil {
		f.t.Fatal(err)
	}
	return rid
}

func (f *fixture) record(e *Enterprise, kind Kind, severity Severity, occurred time.Time) *RecordResult {
	f.t.Helper()
	r, _, err := f.s.Record(context.Background(), f.admin, NewCreditRecord{USCC: e.USCC, Kind: kind, Severity: severity, OccurredAt: occurred})
	if err != nil {
		f.t.Fatal(err)
	}
	return r
}

func TestNormalizeUSCC(t *testing.T) {
	for _, code := range []string{"914403001922038216", "9144030071526726XG", "9144030071526726xg", " 914403001922038216 "} {
		if _, err := NormalizeUSCC("uscc", code); err != nil {
			t.Errorf("NormalizeUSCC(%q) = %v, want valid", code, err)
		}
	}
	if got, _ := NormalizeUSCC("uscc", "9144030071526726xg"); got != "9144030071526726XG" {
		t.Errorf("normalized=%q, want upper case", got)
	}
	for name, code := range map[string]string{
		"WrongCheck":  "914403001922038217",
		"WrongCheck2": "9144030071526726XH",
		"Short":       "91440300192203821",
		"Long":        "9144030019220382160",
		"LetterI":     "9144030019220382I6",
		"LetterO":     "91440300O922038216",
		"Empty":       "",
		"LetterInDiv": "9144A3001922038216",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := NormalizeUSCC("uscc", code)
			var ae *apperr.Error
			if !errors.As(err, &ae) || ae.Code != apperr.Invalid || ae.Fields["uscc"] == "" {
				t.Fatalf("NormalizeUSCC(%q) = %v, want invalid_argument naming uscc", code, err)
			}
		})
	}
	if got := CompleteUSCC("91440300192203821"); got != "914403001922038216" {
		t.Errorf("CompleteUSCC=%q", got)
	}
}

func TestGrading(t *testing.T) {
	f := newFixture(t)
	clean := f.enterprise(1, "制造业", "华富街道")
	if got, want := clean.Grade, Grade("B"); got != want {
		t.Fatalf("clean grade=%q, want %q", got, want)
	}
	if got, want := *clean.Score, BaseScore; got != want {
		t.Fatalf("clean score=%d, want %d", got, want)
	}
	for i, tc := range []struct {
		kind     Kind
		severity Severity
		score    int
		grade    Grade
	}{
		{KindPenalty, Minor, 80, "B"},
		{KindPenalty, General, 70, "C"},
		{KindPenalty, Serious, 55, "D"},
		{KindHonor, Serious, 95, "A"},
		{KindComplaint, Minor, 83, "B"},
	} {
		t.Run(string(tc.kind)+"_"+string(tc.severity), func(t *testing.T) {
			e := f.enterprise(10+i, "制造业", "华富街道")
			r := f.record(e, tc.kind, tc.severity, f.now.Add(-time.Hour))
			if r.Rating.Score != tc.score || r.Rating.Grade != tc.grade || r.Rating.ModelVersion != ModelVersion {
				t.Fatalf("rating=%+v, want score %d grade %s", r.Rating, tc.score, tc.grade)
			}
			got, err := f.s.FindByID(context.Background(), e.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Grade != tc.grade || *got.Score != tc.score {
				t.Fatalf("enterprise grade=%q score=%d, want mirrored %s %d", got.Grade, *got.Score, tc.grade, tc.score)
			}
			hist, _ := f.s.History(context.Background(), e.ID, 10)
			if len(hist) != 2 || len(hist[0].Factors) != 1 || hist[0].Factors[0].ID != r.ID || hist[0].Factors[0].Points != tc.score-BaseScore {
				t.Fatalf("history=%+v", hist)
			}
		})
	}
	t.Run("Clamped", func(t *testing.T) {
		e := f.enterprise(30, "", "华富街道")
		for range 4 {
			f.record(e, KindPenalty, Serious, f.now.Add(-time.Hour))
		}
		got, _ := f.s.FindByID(context.Background(), e.ID)
		if *got.Score != 0 || got.Grade != "D" {
			t.Fatalf("score=%d grade=%s, want 0 D", *got.Score, got.Grade)
		}
	})
}

func TestPublicationWindows(t *testing.T) {
	f := newFixture(t)
	e := f.enterprise(1, "", "华富街道")
	occ := f.now.Add(-24 * time.Hour)
	for name, tc := range map[string]struct {
		severity Severity
		expires  time.Time
		ok       bool
	}{
		"MinorDefault":     {Minor, time.Time{}, true},
		"MinorTooLong":     {Minor, occ.Add(4 * month), false},
		"GeneralTooShort":  {General, occ.Add(month), false},
		"GeneralOK":        {General, occ.Add(6 * month), true},
		"SeriousTooShort":  {Serious, occ.Add(6 * month), false},
		"SeriousTooLong":   {Serious, occ.Add(4 * year), false},
		"SeriousOK":        {Serious, occ.Add(2 * year), true},
		"ExpiresBeforeOcc": {Minor, occ.Add(-time.Hour), false},
	} {
		t.Run(name, func(t *testing.T) {
			_, _, err := f.s.Record(context.Background(), f.admin, NewCreditRecord{USCC: e.USCC, Kind: KindPenalty, Severity: tc.severity, OccurredAt: occ, ExpiresAt: tc.expires})
			if tc.ok && err != nil {
				t.Fatal(err)
			}
			var ae *apperr.Error
			if !tc.ok && (!errors.As(err, &ae) || ae.Fields["expires_at"] == "") {
				t.Fatalf("err=%v, want invalid expires_at", err)
			}
		})
	}
	r := f.record(e, KindArrears, General, occ)
	if got, want := r.ExpiresAt, occ.Add(year); !got.Equal(want) {
		t.Fatalf("default expiry=%v, want %v", got, want)
	}
}

func TestExpiry(t *testing.T) {
	f := newFixture(t)
	e := f.enterprise(1, "", "华富街道")
	minor := f.record(e, KindPenalty, Minor, f.now.Add(-time.Hour))     // counts 3 months
	general := f.record(e, KindPenalty, General, f.now.Add(-time.Hour)) // counts 1 year
	if got := general.Rating.Score; got != BaseScore-20 {
		t.Fatalf("score=%d, want %d", got, BaseScore-20)
	}
	if !general.Rating.ValidUntil.Equal(minor.ExpiresAt) {
		t.Fatalf("valid_until=%v, want the minor record's expiry %v", general.Rating.ValidUntil, minor.ExpiresAt)
	}
	// Nothing is due yet.
	if n, err := f.s.RerateDue(context.Background()); err != nil || n != 0 {
		t.Fatalf("RerateDue=%d, %v; want 0", n, err)
	}
	f.now = minor.ExpiresAt.Add(time.Minute)
	if n, err := f.s.RerateDue(context.Background()); err != nil || n != 1 {
		t.Fatalf("RerateDue=%d, %v; want 1", n, err)
	}
	got, _ := f.s.FindByID(context.Background(), e.ID)
	if *got.Score != BaseScore-15 || got.Grade != "C" {
		t.Fatalf("after minor expiry score=%d grade=%s, want %d C", *got.Score, got.Grade, BaseScore-15)
	}
	f.now = general.ExpiresAt
	if n, err := f.s.RerateDue(context.Background()); err != nil || n != 1 {
		t.Fatalf("RerateDue=%d, %v; want 1", n, err)
	}
	got, _ = f.s.FindByID(context.Background(), e.ID)
	if *got.Score != BaseScore || got.Grade != "B" {
		t.Fatalf("after general expiry score=%d grade=%s, want %d B", *got.Score, got.Grade, BaseScore)
	}
	hist, _ := f.s.History(context.Background(), e.ID, 10)
	if len(hist) != 5 || hist[0].Cause != CauseDue || len(hist[0].Factors) != 0 {
		t.Fatalf("history=%+v", hist)
	}
	// With no record left the rating is re-confirmed after RatingPeriod.
	if want := f.now.Add(RatingPeriod); !got.ValidUntil.Equal(want) {
		t.Fatalf("valid_until=%v, want %v", got.ValidUntil, want)
	}
}

func TestObjection(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	e := f.enterprise(1, "", "华富街道")
	member := f.member(e)
	stranger := f.resident()
	r := f.record(e, KindPenalty, Serious, f.now.Add(-time.Hour))
	if _, err := f.s.Object(ctx, stranger, e.USCC, r.ID, "不是我们"); !errors.Is(err, ErrNotMember) {
		t.Fatalf("stranger objection err=%v, want ErrNotMember", err)
	}
	if _, err := f.s.Object(ctx, member, e.USCC, r.ID+100, "x"); apperr.CodeOf(err) != apperr.Invalid {
		t.Fatalf("unknown factor err=%v", err)
	}
	o, err := f.s.Object(ctx, member, e.USCC, r.ID, "已整改并撤销处罚")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Object(ctx, member, e.USCC, r.ID, "again"); !errors.Is(err, ErrPendingExists) {
		t.Fatalf("second objection err=%v, want ErrPendingExists", err)
	}
	scoped := &staff.Member{ID: 2, DepartmentID: f.admin.DepartmentID, Roles: []staff.Role{staff.CreditOfficer}, Streets: []string{"莲花街道"}}
	if _, err := f.s.DecideObjection(ctx, scoped, o.ID, true, "已核实"); !errors.Is(err, ErrObjectionGone) {
		t.Fatalf("other street decide err=%v", err)
	}
	res, err := f.s.DecideObjection(ctx, f.admin, o.ID, true, "已核实")
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != ObjectionApproved || res.Rating.Grade != "B" || *res.Rating.Score != BaseScore {
		t.Fatalf("decided=%+v rating=%+v", res.Objection, res.Rating)
	}
	if _, err := f.s.DecideObjection(ctx, f.admin, o.ID, false, "已核实"); !errors.Is(err, ErrDecided) {
		t.Fatalf("re-decide err=%v", err)
	}
	d, err := f.s.Detail(ctx, member, e.USCC)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Factors) != 0 || d.History[0].Cause != CauseObjection {
		t.Fatalf("detail=%+v", d)
	}
}

func TestBenefitNotices(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	a := f.enterprise(1, "软件", "华富街道")
	b := f.enterprise(2, "软件", "华富街道")
	other := f.enterprise(3, "餐饮", "华富街道")
	f.record(a, KindHonor, Serious, f.now.Add(-time.Hour)) // A
	ma1, ma2 := f.member(a), f.member(a)
	mb := f.member(b)
	f.member(other)
	p, err := f.s.CreateProgram(ctx, f.admin, NewProgram{Name: "研发补贴", Criteria: Criteria{MinGrade: "A", Industries: []string{"软件"}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Matches) != 1 || p.Matches[0].USCC != a.USCC {
		t.Fatalf("matches=%+v, want only %s", p.Matches, a.USCC)
	}
	sent := f.n.benefits()
	if len(sent) != 1 || !slices.Equal(sent[0].ResidentIDs, []int64{ma1, ma2}) ||
		sent[0].Source != fmt.Sprintf("benefit:%d:ent:%d", p.ID, a.ID) {
		t.Fatalf("sent=%+v, want one notice to %d,%d", sent, ma1, ma2)
	}
	// A re-rating that keeps a qualified does not notify again.
	f.record(a, KindComplaint, Minor, f.now.Add(-time.Hour))
	if got := len(f.n.benefits()); got != 1 {
		t.Fatalf("notices=%d after re-rating, want still 1", got)
	}
	// b newly qualifies after a re-rating.
	f.record(b, KindTaxGrade, Serious, f.now.Add(-time.Hour)) // 93 → A
	sent = f.n.benefits()
	if len(sent) != 2 || !slices.Equal(sent[1].ResidentIDs, []int64{mb}) {
		t.Fatalf("sent=%+v, want a second notice to %d", sent, mb)
	}
	list, err := f.s.Benefits(ctx, mb, b.USCC)
	if err != nil || len(list) != 1 || list[0].ID != p.ID {
		t.Fatalf("benefits=%+v, %v", list, err)
	}
	// b drops out and qualifies again: still notified only once.
	r := f.record(b, KindPenalty, Minor, f.now.Add(-time.Hour))
	if list, _ := f.s.Benefits(ctx, mb, b.USCC); len(list) != 0 {
		t.Fatalf("benefits after drop=%+v", list)
	}
	f.now = r.ExpiresAt
	if _, err := f.s.RerateDue(ctx); err != nil {
		t.Fatal(err)
	}
	if got := len(f.n.benefits()); got != 2 {
		t.Fatalf("notices=%d, want 2", got)
	}
}

func TestBindingVisibility(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	e := f.enterprise(1, "", "华富街道")
	member := f.member(e)
	pending := f.resident()
	if _, _, err := f.s.RequestBinding(ctx, pending, e.USCC, RoleLegalRep); err != nil {
		t.Fatal(err)
	}
	stranger := f.resident()
	if _, err := f.s.Detail(ctx, member, e.USCC); err != nil {
		t.Fatal(err)
	}
	for name, rid := range map[string]int64{"Pending": pending, "Stranger": stranger} {
		if _, err := f.s.Detail(ctx, rid, e.USCC); !errors.Is(err, ErrNotMember) {
			t.Fatalf("%s detail err=%v", name, err)
		}
		if _, err := f.s.Benefits(ctx, rid, e.USCC); !errors.Is(err, ErrNotMember) {
			t.Fatalf("%s benefits err=%v", name, err)
		}
	}
	// A pending binding is listed with its status, without the score.
	mine, err := f.s.Mine(ctx, pending)
	if err != nil || len(mine) != 1 || mine[0].Status != BindingPending || mine[0].Score != nil || mine[0].DecidedAt != nil {
		t.Fatalf("pending mine=%+v, %v", mine, err)
	}
	if mine, err := f.s.Mine(ctx, stranger); err != nil || len(mine) != 0 {
		t.Fatalf("stranger mine=%+v, %v", mine, err)
	}
	mine, err = f.s.Mine(ctx, member)
	if err != nil || len(mine) != 1 || mine[0].USCC != e.USCC || mine[0].Grade != "B" || mine[0].Status != BindingApproved || mine[0].Score == nil {
		t.Fatalf("member mine=%+v, %v", mine, err)
	}
}

// TestConcurrentWrites runs duplicate binding requests and credit records
// in parallel: one binding per resident, every record counted exactly once
// and the enterprise's mirror equal to its newest rating.
func TestConcurrentWrites(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	e := f.enterprise(1, "", "华富街道")
	rid := f.resident()
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 20 {
		wg.Go(func() {
			if _, _, err := f.s.RequestBinding(ctx, rid, e.USCC, RoleAgent); err != nil {
				errs <- err
			}
		})
		wg.Go(func() {
			kind := KindComplaint
			if i%2 == 0 {
				kind = KindHonor
			}
			if _, _, err := f.s.Record(ctx, f.admin, NewCreditRecord{USCC: e.USCC, Kind: kind, Severity: Minor, OccurredAt: f.now.Add(-time.Hour)}); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	var n int64
	f.db.Model(&Binding{}).Where("resident_id = ?", rid).Count(&n)
	if n != 1 {
		t.Fatalf("bindings=%d, want 1", n)
	}
	got, _ := f.s.FindByID(ctx, e.ID)
	want := BaseScore + 10*2 - 10*2
	cur, _ := f.s.current(ctx, e.ID)
	if *got.Score != want || cur.Score != want || len(cur.Factors) != 20 {
		t.Fatalf("score=%d current=%d factors=%d, want %d and 20", *got.Score, cur.Score, len(cur.Factors), want)
	}
}

// TestBenefitNoticeLandsOnce: notify fails when a program matches and on
// the queue's next two attempts. The program and its match are stored all
// the same, the match shows not yet notified, and the notice lands later,
// exactly once, however often its job runs.
func TestBenefitNoticeLandsOnce(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	e := f.enterprise(1, "软件", "华富街道")
	m := f.member(e)
	f.n.failNext = 3
	p, err := f.s.CreateProgram(ctx, f.admin, NewProgram{Name: "贴息", Criteria: Criteria{MinGrade: "B"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(f.n.benefits()); got != 0 || len(p.Matches) != 1 {
		t.Fatalf("notices=%d while notify is down, matches %+v", got, p.Matches)
	}
	ms, _, err := f.s.FindMatches(ctx, f.admin.Scope(), p.ID, 0, 10)
	if err != nil || len(ms) != 1 || ms[0].NotifiedAt != nil {
		t.Fatalf("matches %+v, %v; want one not yet notified", ms, err)
	}
	var j jobs.Job
	f.db.Where("kind = ?", JobBenefitNotice).Take(&j)
	if j.Status != jobs.Queued || j.Attempts != 1 || j.LastError == "" || j.Key != benefitKey(p.ID, e.ID) {
		t.Fatalf("job %+v, want queued for a retry after its first attempt", j)
	}

	f.drain()
	sent := f.n.benefits()
	if len(sent) != 1 || !slices.Equal(sent[0].ResidentIDs, []int64{m}) || sent[0].Source != fmt.Sprintf("benefit:%d:ent:%d", p.ID, e.ID) {
		t.Fatalf("sent=%+v, want one notice to %d", sent, m)
	}
	f.db.Take(&j, j.ID)
	if j.Status != jobs.Done || j.Attempts != 4 {
		t.Fatalf("job %s after %d attempts, want done after 4", j.Status, j.Attempts)
	}
	ms, _, _ = f.s.FindMatches(ctx, f.admin.Scope(), p.ID, 0, 10)
	if len(ms) != 1 || ms[0].NotifiedAt == nil {
		t.Fatalf("matches %+v, want notified", ms)
	}

	// The job run again (its worker died before recording it done), and a
	// re-rating keeping the enterprise qualified, notify nobody again.
	calls := f.n.calls
	if err := f.s.runBenefitNotice(ctx, []byte(j.Payload)); err != nil {
		t.Fatal(err)
	}
	f.db.Model(&jobs.Job{}).Where("id = ?", j.ID).Updates(map[string]any{"status": jobs.Queued, "run_at": time.Now().Add(-time.Second)})
	f.drain()
	if f.n.calls != calls {
		t.Fatalf("%d more calls to notify after repeats, want none", f.n.calls-calls)
	}
	f.record(e, KindHonor, Minor, f.now.Add(-time.Hour))
	f.drain()
	if got := len(f.n.benefits()); got != 1 {
		t.Fatalf("notices=%d after repeats, want still 1", got)
	}
}

// TestConcurrentPrograms creates programs while enterprises are re-rated
// into qualification: every (program, enterprise) pair is notified once.
func TestConcurrentPrograms(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	var es []*Enterprise
	for i := range 5 {
		e := f.enterprise(i+1, "软件", "华富街道")
		f.member(e)
		es = append(es, e)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for i := range 5 {
		wg.Go(func() {
			if _, err := f.s.CreateProgram(ctx, f.admin, NewProgram{Name: fmt.Sprintf("项目%d", i), Criteria: Criteria{MinGrade: "A"}}); err != nil {
				errs <- err
			}
		})
		for _, e := range es {
			wg.Go(func() {
				if _, _, err := f.s.Record(ctx, f.admin, NewCreditRecord{USCC: e.USCC, Kind: KindHonor, Severity: Minor, OccurredAt: f.now.Add(-time.Hour)}); err != nil {
					errs <- err
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if _, err := f.s.RerateDue(ctx); err != nil {
		t.Fatal(err)
	}
	f.drain()
	seen := map[string]int{}
	for _, n := range f.n.benefits() {
		seen[n.Source]++
	}
	if len(seen) != 25 {
		t.Fatalf("distinct notices=%d, want 25 (5 programs × 5 enterprises): %v", len(seen), seen)
	}
	for src, n := range seen {
		if n != 1 {
			t.Fatalf("%s sent %d times", src, n)
		}
	}
}
