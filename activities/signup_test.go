package activities_test

import (
	"errors"
	"sort"
	"sync"
	"testing"

	"github.com/futian/ifutian/activities"
)

// rush signs every resident up for activity id at once and returns how
// many got each status, and the errors.
func rush(t *testing.T, w *world, id int64, ids []int64) (map[string]int, []error) {
	t.Helper()
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		got    = map[string]int{}
		errs   []error
		starts = make(chan struct{})
	)
	for _, r := range ids {
		wg.Go(func() {
			<-starts
			sg, _, err := w.svc.Activities.SignUp(ctx, r, id)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			got[string(sg.Status)]++
		})
	}
	close(starts)
	wg.Wait()
	return got, errs
}

// TestSignUpRush: 200 residents signing up at once for 50 places give
// exactly 50 confirmed and 150 waiting, counted right, and a cancellation
// moves exactly one person up: the first who waited.
func TestSignUpRush(t *testing.T) {
	w := newWorld(t)
	a := w.activity(nil)
	ids := w.residents(200, "华富街道")
	got, errs := rush(t, w, a.ID, ids)
	if len(errs) > 0 {
		t.Fatalf("%d sign-ups failed, first: %v", len(errs), errs[0])
	}
	if got[activities.Confirmed] != 50 || got[activities.Waiting] != 150 {
		t.Fatalf("answers %v, want 50 confirmed and 150 waiting", got)
	}
	confirmed, waiting, rows := w.counts(a.ID)
	if confirmed != 50 || waiting != 150 || rows[activities.Confirmed] != 50 || rows[activities.Waiting] != 150 {
		t.Fatalf("counters %d/%d, rows %v; want 50/150", confirmed, waiting, rows)
	}

	// Signing up again, all at once, changes nothing.
	if _, errs := rush(t, w, a.ID, ids); len(errs) > 0 {
		t.Fatal(errs[0])
	}
	if c, wt, _ := w.counts(a.ID); c != 50 || wt != 150 {
		t.Fatalf("after repeats %d/%d", c, wt)
	}

	var queue []int64
	if err := w.db.Table("activity_signups").Where("activity_id = ? AND status = ?", a.ID, activities.Waiting).Order("id").Pluck("resident_id", &queue).Error; err != nil {
		t.Fatal(err)
	}
	var holder int64
	if err := w.db.Table("activity_signups").Where("activity_id = ? AND status = ?", a.ID, activities.Confirmed).Limit(1).Pluck("resident_id", &holder).Error; err != nil {
		t.Fatal(err)
	}
	sg, err := w.svc.Activities.CancelSignup(ctx, holder, a.ID)
	if err != nil || sg.Status != activities.Withdrawn {
		t.Fatalf("cancel: %+v, %v", sg, err)
	}
	if c, wt, rows := w.counts(a.ID); c != 50 || wt != 149 || rows[activities.Confirmed] != 50 || rows[activities.Waiting] != 149 {
		t.Fatalf("after a cancellation %d/%d %v, want 50/149", c, wt, rows)
	}
	first, err := w.svc.Activities.FindForResident(ctx, queue[0], a.ID)
	if err != nil || first.MySignup.Status != activities.Confirmed {
		t.Fatalf("first waiting %+v (%v), want confirmed", first.MySignup, err)
	}
	second, err := w.svc.Activities.FindForResident(ctx, queue[1], a.ID)
	if err != nil || second.MySignup.Status != activities.Waiting || *second.MySignup.Position != 1 {
		t.Fatalf("second waiting %+v (%v), want waiting at position 1", second.MySignup, err)
	}

	// Ten confirmed residents cancel at once: the next ten move up, in order.
	var holders []int64
	if err := w.db.Table("activity_signups").Where("activity_id = ? AND status = ?", a.ID, activities.Confirmed).Order("id").Limit(10).Pluck("resident_id", &holders).Error; err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for _, r := range holders {
		wg.Go(func() {
			if _, err := w.svc.Activities.CancelSignup(ctx, r, a.ID); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if c, wt, rows := w.counts(a.ID); c != 50 || wt != 139 || rows[activities.Confirmed] != 50 || rows[activities.Waiting] != 139 {
		t.Fatalf("after ten cancellations %d/%d %v, want 50/139", c, wt, rows)
	}
	var promoted []int64
	if err := w.db.Table("activity_signups").Where("activity_id = ? AND promoted_at IS NOT NULL", a.ID).Pluck("resident_id", &promoted).Error; err != nil {
		t.Fatal(err)
	}
	sort.Slice(promoted, func(i, j int) bool { return promoted[i] < promoted[j] })
	want := append([]int64(nil), queue[:11]...)
	sort.Slice(want, func(i, j int) bool { return want[i] < want[j] })
	if len(promoted) != 11 {
		t.Fatalf("promoted %v, want the first 11 of the queue %v", promoted, want)
	}
	for i := range want {
		if promoted[i] != want[i] {
			t.Fatalf("promoted %v, want the first 11 of the queue %v", promoted, want)
		}
	}
	// Each promoted resident is told, once; those still waiting are not.
	told := func(resident int64) int64 {
		var n int64
		if err := w.db.Table("notice_recipients r").Joins("JOIN notices n ON n.id = r.notice_id").
			Where("r.resident_id = ? AND n.kind = ?", resident, "activity_promoted").Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, r := range want {
		if n := told(r); n != 1 {
			t.Fatalf("promoted resident %d got %d promotion notices, want 1", r, n)
		}
	}
	if n := told(queue[11]); n != 0 {
		t.Fatalf("a resident still waiting got %d promotion notices", n)
	}
}

// TestSignUpRushFull: without a waiting list the rest are refused as full.
func TestSignUpRushFull(t *testing.T) {
	w := newWorld(t)
	a := w.activity(func(in *activities.Input) { in.Waitlist = false })
	got, errs := rush(t, w, a.ID, w.residents(200, "华富街道"))
	if got[activities.Confirmed] != 50 || got[activities.Waiting] != 0 || len(errs) != 150 {
		t.Fatalf("answers %v and %d errors, want 50 confirmed and 150 refused", got, len(errs))
	}
	for _, err := range errs {
		if !errors.Is(err, activities.ErrFull) {
			t.Fatalf("refusal %v, want ErrFull", err)
		}
	}
	if c, wt, rows := w.counts(a.ID); c != 50 || wt != 0 || rows[activities.Confirmed] != 50 || len(rows) != 1 {
		t.Fatalf("counters %d/%d rows %v", c, wt, rows)
	}
}

// TestRaiseCapacity: raising the capacity moves the waiting list up in
// order; it can't drop below the confirmed, nor the list be turned off
// while someone waits.
func TestRaiseCapacity(t *testing.T) {
	w := newWorld(t)
	a := w.activity(func(in *activities.Input) { in.Capacity = 2 })
	ids := w.residents(5, "华富街道")
	for _, r := range ids {
		if _, _, err := w.svc.Activities.SignUp(ctx, r, a.ID); err != nil {
			t.Fatal(err)
		}
	}
	one, off, four := 1, false, 4
	if _, err := w.svc.Activities.Update(ctx, w.editor, a.ID, activities.Patch{Capacity: &one}); fieldOf(err) != "capacity" {
		t.Fatalf("capacity below confirmed: %v", err)
	}
	if _, err := w.svc.Activities.Update(ctx, w.editor, a.ID, activities.Patch{Waitlist: &off}); fieldOf(err) != "waitlist" {
		t.Fatalf("waitlist off while waiting: %v", err)
	}
	if _, err := w.svc.Activities.Update(ctx, w.editor, a.ID, activities.Patch{Capacity: &four}); err != nil {
		t.Fatal(err)
	}
	if c, wt, _ := w.counts(a.ID); c != 4 || wt != 1 {
		t.Fatalf("counters %d/%d, want 4/1", c, wt)
	}
	last, err := w.svc.Activities.FindForResident(ctx, ids[4], a.ID)
	if err != nil || last.MySignup.Status != activities.Waiting {
		t.Fatalf("last %+v %v, want still waiting", last.MySignup, err)
	}
}

// TestWalkInRush: 30 residents walking in at once for 5 places at the door
// give exactly 5 checked in; the rest are told it is full.
func TestWalkInRush(t *testing.T) {
	w := newWorld(t)
	a := w.activity(func(in *activities.Input) { in.Capacity = 5; in.WalkIns = true; in.Waitlist = false })
	ids := w.residents(30, "华富街道")
	w.at(a.StartsAt)
	code, err := w.svc.Activities.VenueCode(ctx, w.editor, a.ID, activities.CheckIn)
	if err != nil {
		t.Fatal(err)
	}
	var (
		wg          sync.WaitGroup
		mu          sync.Mutex
		in, full    int
		unexpected  []error
		startSignal = make(chan struct{})
	)
	for _, r := range ids {
		wg.Go(func() {
			<-startSignal
			_, _, _, err := w.svc.Activities.Scan(ctx, r, code.Code)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				in++
			case errors.Is(err, activities.ErrFull):
				full++
			default:
				unexpected = append(unexpected, err)
			}
		})
	}
	close(startSignal)
	wg.Wait()
	if in != 5 || full != 25 || len(unexpected) > 0 {
		t.Fatalf("%d in, %d full, errors %v; want 5 and 25", in, full, unexpected)
	}
	if c, _, rows := w.counts(a.ID); c != 5 || rows[activities.Confirmed] != 5 {
		t.Fatalf("counter %d, rows %v", c, rows)
	}
}

// TestAdjustmentKeyRace: one adjustment sent ten times at once with the
// same key is appended once.
func TestAdjustmentKeyRace(t *testing.T) {
	w := newWorld(t)
	a := w.activity(nil)
	r := w.residents(1, "华富街道")[0]
	if _, _, err := w.svc.Activities.SignUp(ctx, r, a.ID); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	ids := make(chan int64, 10)
	for range 10 {
		wg.Go(func() {
			out, err := w.svc.Activities.AdjustHours(ctx, w.editor, a.ID, activities.Adjustment{ResidentID: r, Hours: 1.5, Reason: "补记", Key: "k-1"})
			if err != nil {
				t.Error(err)
				return
			}
			ids <- out.Entry.ID
		})
	}
	wg.Wait()
	close(ids)
	var first int64
	for id := range ids {
		if first == 0 {
			first = id
		}
		if id != first {
			t.Fatalf("entries %d and %d for one key", first, id)
		}
	}
	var n int64
	w.db.Table("volunteer_hours").Where("resident_id = ?", r).Count(&n)
	if n != 1 {
		t.Fatalf("%d entries, want 1", n)
	}
}
