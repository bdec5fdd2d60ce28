package activities_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/futian/ifutian/activities"
	"github.com/futian/ifutian/jobs"
	"github.com/futian/ifutian/points"
	"github.com/futian/ifutian/residents"
	"github.com/futian/ifutian/staff"
)

// checkInAll signs residents up for a and checks them in by scanning the
// venue's code five minutes after the start.
func checkInAll(t *testing.T, w *world, a *activities.Activity, ids []int64) {
	t.Helper()
	for _, r := range ids {
		if _, _, err := w.svc.Activities.SignUp(ctx, r, a.ID); err != nil {
			t.Fatal(err)
		}
	}
	w.at(a.StartsAt.Add(5 * time.Minute))
	code, err := w.svc.Activities.VenueCode(ctx, w.editor, a.ID, activities.CheckIn)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range ids {
		sg, _, repeated, err := w.svc.Activities.Scan(ctx, r, code.Code)
		if err != nil || repeated || sg.Attendance != activities.AttCheckedIn {
			t.Fatalf("check-in %+v repeated=%v: %v", sg, repeated, err)
		}
	}
}

// TestCreditedOnce: whatever is scanned twice, retried or settled at the
// same time, each resident is credited once: one hours entry, one points
// grant, and the ledger reconciles.
func TestCreditedOnce(t *testing.T) {
	w := newWorld(t)
	a := w.activity(nil)
	ids := w.residents(20, "华富街道")
	checkInAll(t, w, a, ids)

	// Ten leave five minutes before the end, each scanning the check-out
	// code three times and shown to staff twice, all at once.
	w.at(a.EndsAt.Add(-5 * time.Minute))
	out, err := w.svc.Activities.VenueCode(ctx, w.editor, a.ID, activities.CheckOut)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for _, r := range ids[:10] {
		for range 3 {
			wg.Go(func() {
				if _, _, _, err := w.svc.Activities.Scan(ctx, r, out.Code); err != nil {
					t.Error(err)
				}
			})
		}
		for range 2 {
			wg.Go(func() {
				code, _ := w.svc.MemberCodes.Issue(r)
				if _, _, err := w.svc.Activities.Attend(ctx, w.editor, a.ID, activities.CheckOut, activities.Who{MemberCode: code}); err != nil {
					t.Error(err)
				}
			})
		}
	}
	wg.Wait()

	// The other ten never check out: once check-out has closed, rounds of
	// the settlement running at once credit them the scheduled hours.
	w.at(a.EndsAt.Add(activities.CheckoutGrace + time.Minute))
	if _, _, _, err := w.svc.Activities.Scan(ctx, ids[10], out.Code); err == nil {
		t.Fatal("a check-out code accepted after check-out closed")
	}
	for range 4 {
		wg.Go(func() {
			if _, err := w.svc.Activities.Settle(ctx); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n, err := w.svc.Activities.Settle(ctx); err != nil || n != 0 {
		t.Fatalf("a later round credited %d (%v), want 0", n, err)
	}
	drainJobs(t, w.svc.Jobs) // the credits' points grants

	for _, r := range ids {
		var entries []struct {
			Kind    string
			Minutes int64
		}
		if err := w.db.Table("volunteer_hours").Where("resident_id = ? AND activity_id = ?", r, a.ID).Scan(&entries).Error; err != nil {
			t.Fatal(err)
		}
		if len(entries) != 1 || entries[0].Kind != activities.EntryCredit || entries[0].Minutes != 120 {
			t.Errorf("resident %d: hours entries %+v, want one credit of 120 minutes", r, entries)
		}
		var grants int64
		if err := w.db.Table("point_transactions").Where("resident_id = ? AND external_id = ?", r, fmt.Sprintf("activity:%d:%d", a.ID, r)).Count(&grants).Error; err != nil {
			t.Fatal(err)
		}
		acc, err := w.svc.Points.FindAccount(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		if grants != 1 || acc.Balance != 10 {
			t.Errorf("resident %d: %d grants, balance %d; want 1 and 10", r, grants, acc.Balance)
		}
		v, err := w.svc.Activities.FindForResident(ctx, r, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if v.MySignup.Hours != 2 || v.MySignup.PointsStatus != activities.PointsGranted || v.MySignup.PointsAwarded != 10 {
			t.Errorf("resident %d: sign-up %+v", r, v.MySignup)
		}
	}
	mustReconcile(t, w.svc.Points)
}

// TestCreditUnderCap: a grant refused by the rule's cap still credits the
// hours, and the refusal is recorded.
func TestCreditUnderCap(t *testing.T) {
	w := newWorld(t)
	if _, _, err := w.svc.Points.SaveRule(ctx, nil, pointsRule("capped_act", w.dept, 1)); err != nil {
		t.Fatal(err)
	}
	r := w.residents(1, "华富街道")[0]
	// Two activities at the same time, whose grants are made at the same
	// moment, on the same day: the second is over the cap.
	capped := func(in *activities.Input) { in.PointsRule = "capped_act" }
	first, second := w.activity(capped), w.activity(capped)
	if _, _, err := w.svc.Activities.SignUp(ctx, r, second.ID); err != nil {
		t.Fatal(err)
	}
	checkInAll(t, w, first, []int64{r})
	if _, _, err := w.svc.Activities.Attend(ctx, w.editor, second.ID, activities.CheckIn, activities.Who{ResidentID: r, Reason: "忘记扫码"}); err != nil {
		t.Fatal(err)
	}
	w.at(first.EndsAt.Add(-time.Minute))
	for _, a := range []*activities.Activity{first, second} {
		if _, _, err := w.svc.Activities.Attend(ctx, w.editor, a.ID, activities.CheckOut, activities.Who{ResidentID: r, Reason: "忘记扫码"}); err != nil {
			t.Fatal(err)
		}
	}
	v, err := w.svc.Activities.FindForResident(ctx, r, second.ID)
	if err != nil {
		t.Fatal(err)
	}
	if v.MySignup.Hours != 2 || v.MySignup.PointsStatus != activities.PointsRefused {
		t.Fatalf("second activity's sign-up %+v, want 2 hours and the grant refused", v.MySignup)
	}
	rec, err := w.svc.Activities.VolunteerRecord(ctx, r)
	if err != nil || rec.TotalHours != 4 || len(rec.Entries) != 2 {
		t.Fatalf("record %+v (%v), want 4 hours in 2 entries", rec, err)
	}
	mustReconcile(t, w.svc.Points)
}

// TestCheckInRules: the window, sign-ups only unless walk-ins are taken,
// the waiting list, and walk-ins within capacity.
func TestCheckInRules(t *testing.T) {
	w := newWorld(t)
	a := w.activity(func(in *activities.Input) { in.Capacity = 1 })
	ids := w.residents(4, "华富街道")
	for _, r := range ids[:2] {
		if _, _, err := w.svc.Activities.SignUp(ctx, r, a.ID); err != nil {
			t.Fatal(err)
		}
	}
	manual := func(r int64) error {
		_, _, err := w.svc.Activities.Attend(ctx, w.editor, a.ID, activities.CheckIn, activities.Who{ResidentID: r, Reason: "现场核实"})
		return err
	}
	w.at(a.StartsAt.Add(-activities.CheckinOpens - time.Minute))
	if err := manual(ids[0]); !errors.Is(err, activities.ErrOutsideWindow) {
		t.Fatalf("before the window: %v", err)
	}
	w.at(a.StartsAt.Add(-activities.CheckinOpens))
	if err := manual(ids[1]); !errors.Is(err, activities.ErrStillWaiting) {
		t.Fatalf("waiting: %v", err)
	}
	if err := manual(ids[2]); !errors.Is(err, activities.ErrNotSignedUp) {
		t.Fatalf("not signed up: %v", err)
	}
	if err := manual(ids[0]); err != nil {
		t.Fatal(err)
	}
	w.at(a.EndsAt)
	if err := manual(ids[0]); err != nil {
		t.Fatalf("checking in again after the end is a repeat: %v", err)
	}

	// Walk-ins take places while they last.
	b := w.activity(func(in *activities.Input) { in.Capacity = 1; in.WalkIns = true; in.Waitlist = false })
	w.at(b.StartsAt)
	code, err := w.svc.Activities.VenueCode(ctx, w.editor, b.ID, activities.CheckIn)
	if err != nil {
		t.Fatal(err)
	}
	if sg, _, _, err := w.svc.Activities.Scan(ctx, ids[2], code.Code); err != nil || !sg.WalkIn {
		t.Fatalf("walk-in %+v: %v", sg, err)
	}
	if _, _, _, err := w.svc.Activities.Scan(ctx, ids[3], code.Code); !errors.Is(err, activities.ErrFull) {
		t.Fatalf("walk-in past capacity: %v", err)
	}
	if c, wt, rows := w.counts(b.ID); c != 1 || wt != 0 || rows[activities.Confirmed] != 1 {
		t.Fatalf("counters %d/%d %v", c, wt, rows)
	}
}

// TestVenueCodes: a code is accepted in its window and the next, not
// after; a tampered code, or one of another action, is refused.
func TestVenueCodes(t *testing.T) {
	w := newWorld(t)
	a := w.activity(nil)
	r := w.residents(1, "华富街道")[0]
	if _, _, err := w.svc.Activities.SignUp(ctx, r, a.ID); err != nil {
		t.Fatal(err)
	}
	issued := a.StartsAt.Truncate(activities.CodeWindow)
	w.at(issued)
	code, err := w.svc.Activities.VenueCode(ctx, w.editor, a.ID, activities.CheckIn)
	if err != nil {
		t.Fatal(err)
	}
	if !code.ExpiresAt.Equal(issued.Add(2*activities.CodeWindow)) || !code.RefreshAt.Equal(issued.Add(activities.CodeWindow)) {
		t.Fatalf("code %+v issued at %v", code, issued)
	}
	reason := func(err error) string {
		if fieldOf(err) != "code" {
			return fmt.Sprintf("not a refusal naming code: %v", err)
		}
		return detail(err)
	}
	w.at(issued.Add(2 * activities.CodeWindow))
	if _, _, _, err := w.svc.Activities.Scan(ctx, r, code.Code); reason(err) != "expired" {
		t.Fatalf("a code two windows old: %v", err)
	}
	b := []byte(code.Code)
	b[len(b)/2] ^= 1
	for _, bad := range []string{string(b), code.Code + "A", code.Code[:len(code.Code)-2], "", "not-a-code"} {
		if _, _, _, err := w.svc.Activities.Scan(ctx, r, bad); reason(err) != "invalid" {
			t.Fatalf("code %q: %v", bad, err)
		}
	}
	// A member code is no venue code.
	mc, _ := w.svc.MemberCodes.Issue(r)
	if _, _, _, err := w.svc.Activities.Scan(ctx, r, mc); reason(err) != "invalid" {
		t.Fatalf("a member code as venue code: %v", err)
	}
	w.at(issued.Add(2*activities.CodeWindow - time.Second))
	if sg, _, _, err := w.svc.Activities.Scan(ctx, r, code.Code); err != nil || sg.Attendance != activities.AttCheckedIn {
		t.Fatalf("the code in the next window: %+v %v", sg, err)
	}
}

// TestPendingGrantRecovered: the points ledger is down when a resident
// checks out. The check-out and its hours commit, the grant stays pending
// with its job queued; then the queue's retries and repeated check-outs,
// all at once, grant it exactly once.
func TestPendingGrantRecovered(t *testing.T) {
	w := newWorld(t)
	ledger := &flakyLedger{Service: w.svc.Points, fails: 1}
	regions, err := residents.LoadRegions()
	if err != nil {
		t.Fatal(err)
	}
	svc := activities.New(activities.Deps{DB: w.db, Regions: regions, Notify: w.svc.Notify, Points: ledger, MemberCodes: w.svc.MemberCodes,
		Key: bytes.Repeat([]byte{9}, residents.MemberCodeKeySize), Now: w.clock})
	q := jobs.New(w.db, jobs.Config{Backoff: jobs.Backoff{Base: time.Millisecond, Max: time.Millisecond}})
	svc.RegisterJobs(q)
	w.svc.Activities = svc
	a := w.activity(nil)
	r := w.residents(1, "华富街道")[0]
	checkInAll(t, w, a, []int64{r})
	w.at(a.EndsAt.Add(-time.Minute))
	sg, _, err := svc.Attend(ctx, w.editor, a.ID, activities.CheckOut, activities.Who{ResidentID: r, Reason: "签退"})
	if err != nil {
		t.Fatal(err)
	}
	if sg.PointsStatus != activities.PointsPending || sg.Hours == 0 {
		t.Fatalf("after a check-out with the ledger down: %+v, want hours credited, points pending", sg)
	}
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() { drainJobs(t, q) })
		wg.Go(func() {
			if _, _, err := svc.Attend(ctx, w.editor, a.ID, activities.CheckOut, activities.Who{ResidentID: r, Reason: "补签退"}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	drainJobs(t, q)
	var grants int64
	if err := w.db.Table("point_transactions").Where("resident_id = ?", r).Count(&grants).Error; err != nil {
		t.Fatal(err)
	}
	v, err := svc.FindForResident(ctx, r, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if grants != 1 || v.MySignup.PointsStatus != activities.PointsGranted || v.MySignup.PointsAwarded != 10 || ledger.calls() < 2 {
		t.Fatalf("%d grants after %d calls, sign-up %+v; want one grant recorded after the outage", grants, ledger.calls(), v.MySignup)
	}
	mustReconcile(t, w.svc.Points)
}

// flakyLedger is the points module failing its first fails grants.
type flakyLedger struct {
	*points.Service
	mu       sync.Mutex
	fails, n int
}

func (l *flakyLedger) Grant(ctx context.Context, by staff.Scope, req points.AwardRequest) (*points.Transaction, bool, error) {
	l.mu.Lock()
	l.n++
	fail := l.n <= l.fails
	l.mu.Unlock()
	if fail {
		return nil, false, errors.New("dial tcp 127.0.0.1:3306: connect: connection refused")
	}
	return l.Service.Grant(ctx, by, req)
}

func (l *flakyLedger) calls() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.n
}

// drainJobs works q until no job is due, waiting out short backoffs.
func drainJobs(t *testing.T, q *jobs.Queue) {
	t.Helper()
	idle := 0
	for range 500 {
		n, err := q.Work(ctx)
		if err != nil {
			t.Error(err)
			return
		}
		if n > 0 {
			idle = 0
			continue
		}
		if idle++; idle > 5 {
			return
		}
		time.Sleep(3 * time.Millisecond)
	}
}
