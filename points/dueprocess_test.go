package points

import (
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/dbtest"
	"github.com/futian/ifutian/notify"
	"github.com/futian/ifutian/staff"
)

func TestAppealDeadline(t *testing.T) {
	cst := func(s string) time.Time {
		tm, err := time.Parse("2006-01-02 15:04:05 -0700", s+" +0800")
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	for _, tc := range []struct{ at, want, lastDay string }{
		{"2026-11-01 09:30:00", "2026-12-02 00:00:00", "2026年12月1日"},
		{"2026-11-01 00:00:00", "2026-12-02 00:00:00", "2026年12月1日"},
		{"2026-11-01 23:59:59", "2026-12-02 00:00:00", "2026年12月1日"},
		{"2026-12-15 07:59:00", "2027-01-15 00:00:00", "2027年1月14日"}, // 23:59 UTC the day before
	} {
		got := AppealDeadline(cst(tc.at).UTC())
		if !got.Equal(cst(tc.want)) || got.Location() != time.UTC {
			t.Errorf("AppealDeadline(%s) = %v, want %s (UTC)", tc.at, got, tc.want)
		}
		if d := lastDay(got); d != tc.lastDay {
			t.Errorf("lastDay(%s) = %s, want %s", tc.at, d, tc.lastDay)
		}
	}
}

// dueProcessFixture is a points service that tells residents through a
// real notify service, with a department's officer and a resident.
type dueProcessFixture struct {
	gdb     *gorm.DB
	s       *Service
	notify  *notify.Service
	officer *staff.Member
	id      int64
}

func newDueProcess(t *testing.T) *dueProcessFixture {
	gdb := dbtest.Open(t)
	f := &dueProcessFixture{gdb: gdb, s: New(Deps{DB: gdb}), notify: notify.New(gdb)}
	f.s.SetNotifier(f.notify)
	dept := newDepartment(t, gdb, "城管")
	f.officer = &staff.Member{ID: 7, DepartmentID: &dept, Roles: []staff.Role{staff.PointsOfficer}}
	f.id = newResident(t, gdb, "华富街道")
	return f
}

// inbox returns the titles and bodies of the resident's inbox.
func (f *dueProcessFixture) inbox(t *testing.T) []notify.InboxNotice {
	t.Helper()
	items, _, err := f.notify.Inbox(ctx, f.id, notify.InboxFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]notify.InboxNotice, len(items))
	for i, it := range items {
		n, err := f.notify.Open(ctx, f.id, it.ID)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = *n
	}
	return out
}

// TestDeductionNotice: a deduction tells the resident in their inbox, with
// the case, the points, the deadline and how to appeal, never the officer's
// reason; repeating it (the same case), also many times at once, deducts
// and tells once.
func TestDeductionNotice(t *testing.T) {
	f := newDueProcess(t)
	f.s.now = func() time.Time { return time.Date(2026, 11, 1, 1, 30, 0, 0, time.UTC) } // 09:30 in Futian
	req := DeductRequest{ResidentID: f.id, Points: 12, CaseRef: "福田城管罚〔2026〕12号", Reason: "店外占道经营，经劝阻不改"}
	var wg sync.WaitGroup
	var mu sync.Mutex
	created := 0
	var first *Transaction
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t2, repeated, err := f.s.Deduct(ctx, f.officer, req)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if !repeated {
				created++
				first = t2
			}
		}()
	}
	wg.Wait()
	if created != 1 {
		t.Fatalf("%d deductions created, want 1", created)
	}
	want := time.Date(2026, 12, 1, 16, 0, 0, 0, time.UTC) // 2026-12-02 00:00 in Futian
	if first.AppealDeadline == nil || !first.AppealDeadline.Equal(want) {
		t.Fatalf("appeal_deadline %v, want %v", first.AppealDeadline, want)
	}
	items := f.inbox(t)
	if len(items) != 1 {
		t.Fatalf("inbox holds %d notices, want 1: %+v", len(items), items)
	}
	n := items[0]
	for _, s := range []string{"12 分", "2026年12月1日", "申诉", "编号 " + strconv.FormatInt(first.ID, 10)} {
		if !strings.Contains(n.Body, s) {
			t.Errorf("notice body %q does not name %q", n.Body, s)
		}
	}
	for _, typed := range []string{"占道经营", "福田城管罚"} {
		if strings.Contains(n.Body, typed) || strings.Contains(n.Title, typed) {
			t.Errorf("notice pushes the officer's words %q: %+v", typed, n)
		}
	}
	if n.Target == nil || *n.Target != (notify.Target{Type: "points_transaction", ID: strconv.FormatInt(first.ID, 10)}) {
		t.Errorf("notice target %+v, want the deduction", n.Target)
	}
	var kind string
	var dept *int64
	if err := f.gdb.Raw("SELECT kind, department_id FROM notices WHERE id = ?", n.ID).Row().Scan(&kind, &dept); err != nil {
		t.Fatal(err)
	}
	if kind != string(notify.KindDeductionRecorded) || dept == nil || *dept != *f.officer.DepartmentID {
		t.Fatalf("notice kind %q department %v, want %q of the deduction's department", kind, dept, notify.KindDeductionRecorded)
	}
	// Listed back with its deadline.
	ts, _, err := f.s.FindTransactions(ctx, f.id, 0, 10)
	if err != nil || len(ts) != 1 || ts[0].AppealDeadline == nil || !ts[0].AppealDeadline.Equal(want) {
		t.Fatalf("transactions %+v (%v), want the deduction with its deadline", ts, err)
	}
	mustReconcile(t, f.s)
}

// TestDeductionNoticeRollsBack: a deduction whose notice cannot be written
// is not recorded either (they commit together).
func TestDeductionNoticeRollsBack(t *testing.T) {
	f := newDueProcess(t)
	f.s.SetNotifier(failingNotifier{})
	_, _, err := f.s.Deduct(ctx, f.officer, DeductRequest{ResidentID: f.id, Points: 5, CaseRef: "FT-1", Reason: "占道"})
	if err == nil {
		t.Fatal("deduction recorded without its notice")
	}
	if postings, _ := history(t, f.gdb, f.id); postings != 0 {
		t.Fatalf("%d postings after a failed notice, want 0", postings)
	}
}

type failingNotifier struct{}

func (failingNotifier) SendDirectTx(*gorm.DB, notify.DirectNotice) error {
	return errors.New("notify down")
}

// TestAppealWindow: an appeal is taken until the end of the 30th district
// day after the deduction's, and refused with appeal_window_closed from
// then on; a deduction recorded before deadlines were stored counts its
// window from when it was recorded.
func TestAppealWindow(t *testing.T) {
	f := newDueProcess(t)
	at := time.Date(2026, 11, 1, 1, 30, 0, 0, time.UTC)
	f.s.now = func() time.Time { return at }
	d1, _, err := f.s.Deduct(ctx, f.officer, DeductRequest{ResidentID: f.id, Points: 5, CaseRef: "FT-1", Reason: "占道"})
	if err != nil {
		t.Fatal(err)
	}
	d2, _, err := f.s.Deduct(ctx, f.officer, DeductRequest{ResidentID: f.id, Points: 5, CaseRef: "FT-2", Reason: "占道"})
	if err != nil {
		t.Fatal(err)
	}
	d3, _, err := f.s.Deduct(ctx, f.officer, DeductRequest{ResidentID: f.id, Points: 5, CaseRef: "FT-3", Reason: "占道"})
	if err != nil {
		t.Fatal(err)
	}
	// d3 as if recorded before the column existed.
	if err := f.gdb.Exec("UPDATE point_transactions SET appeal_deadline = NULL WHERE id = ?", d3.ID).Error; err != nil {
		t.Fatal(err)
	}
	last := time.Date(2026, 12, 1, 15, 59, 59, 0, time.UTC) // 2026-12-01 23:59:59 in Futian
	f.s.now = func() time.Time { return last }
	if _, err := f.s.CreateAppeal(ctx, f.id, AppealInput{TransactionID: d1.ID, Reason: "不在现场"}); err != nil {
		t.Fatalf("appeal on the last day: %v", err)
	}
	f.s.now = func() time.Time { return last.Add(time.Second) }
	for _, d := range []*Transaction{d2, d3} {
		_, err = f.s.CreateAppeal(ctx, f.id, AppealInput{TransactionID: d.ID, Reason: "不在现场"})
		var ae *apperr.Error
		if !errors.Is(err, ErrAppealWindowClosed) || !errors.As(err, &ae) || ae.Details["reason"] != "appeal_window_closed" || ae.Code != apperr.Conflict {
			t.Fatalf("appeal after the deadline: err=%v, want conflict appeal_window_closed", err)
		}
	}
	var n int64
	if err := f.gdb.Table("point_appeals").Count(&n).Error; err != nil || n != 1 {
		t.Fatalf("%d appeals (%v), want 1", n, err)
	}
}

// TestAppealDecidedNotice: the decision tells the resident the result
// (not the officer's note), with the points back on approval; an appeal
// decided twice at once tells once.
func TestAppealDecidedNotice(t *testing.T) {
	for _, approve := range []bool{true, false} {
		f := newDueProcess(t)
		mustRule(t, f.s, Rule{Code: "volunteer", Name: "志愿服务", Points: 30})
		if _, _, err := f.s.Grant(ctx, staff.DistrictScope(), AwardRequest{ResidentID: f.id, RuleCode: "volunteer", ExternalID: "x"}); err != nil {
			t.Fatal(err)
		}
		d, _, err := f.s.Deduct(ctx, f.officer, DeductRequest{ResidentID: f.id, Points: 10, CaseRef: "FT-9", Reason: "占道"})
		if err != nil {
			t.Fatal(err)
		}
		ap, err := f.s.CreateAppeal(ctx, f.id, AppealInput{TransactionID: d.ID, Reason: "当天不在现场"})
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		decided := 0
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := f.s.DecideAppeal(ctx, f.officer, ap.ID, approve, "经核查监控录像，当事人当日确在现场")
				if err != nil && !errors.Is(err, ErrAppealDecided) {
					t.Error(err)
				}
				if err == nil {
					mu.Lock()
					decided++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if decided != 1 {
			t.Fatalf("approve=%v: %d decisions, want 1", approve, decided)
		}
		items := f.inbox(t)
		if len(items) != 2 {
			t.Fatalf("approve=%v: inbox holds %d notices, want the deduction's and the decision's", approve, len(items))
		}
		n := items[0] // newest first
		want := "申诉未获支持"
		if approve {
			want = "申诉成立"
		}
		if !strings.Contains(n.Body, want) || strings.Contains(n.Body, "FT-9") || strings.Contains(n.Body, "监控录像") {
			t.Fatalf("approve=%v: decision notice %q", approve, n.Body)
		}
		wantBalance := int64(20)
		if approve {
			wantBalance = 30
		}
		if got := balance(t, f.s, f.id); got != wantBalance {
			t.Fatalf("approve=%v: balance %d, want %d", approve, got, wantBalance)
		}
		// The resident reads the note in their appeals.
		views, _, err := f.s.FindResidentAppeals(ctx, f.id, 0, 10)
		if err != nil || len(views) != 1 || views[0].Note != "经核查监控录像，当事人当日确在现场" || views[0].Deduction.CaseRef != "FT-9" || views[0].Deduction.Points != 10 {
			t.Fatalf("approve=%v: appeals %+v (%v)", approve, views, err)
		}
		mustReconcile(t, f.s)
	}
}
