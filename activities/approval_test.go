package activities_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/futian/ifutian/activities"
	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/staff"
)

// sumMinutes is a resident's total for an activity in the ledger.
func (w *world) sumMinutes(activityID, residentID int64) int64 {
	w.t.Helper()
	var total int64
	if err := w.db.Table("volunteer_hours").Where("activity_id = ? AND resident_id = ?", activityID, residentID).
		Select("COALESCE(SUM(minutes), 0)").Scan(&total).Error; err != nil {
		w.t.Fatal(err)
	}
	return total
}

// TestAdjustmentBoundRace: twenty members' adjustments of one resident's
// hours at once, with a check-out among them, never take the ledger past
// the activity's length (three hours); what does not fit waits for
// approval, and every adjustment lands on one side.
func TestAdjustmentBoundRace(t *testing.T) {
	w := newWorld(t)
	a := w.activity(nil)
	r := w.residents(1, "华富街道")[0]
	checkInAll(t, w, a, []int64{r})
	w.at(a.EndsAt.Add(-5 * time.Minute))
	var wg sync.WaitGroup
	var mu sync.Mutex
	applied, pending := 0, 0
	for i := range 20 {
		wg.Go(func() {
			out, err := w.svc.Activities.AdjustHours(ctx, w.editor, a.ID, activities.Adjustment{ResidentID: r, Hours: 0.5, Reason: "补记"})
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if out.Entry != nil {
				applied++
			} else {
				pending++
			}
		})
		if i == 10 {
			wg.Go(func() {
				code, _ := w.svc.MemberCodes.Issue(r)
				if _, _, err := w.svc.Activities.Attend(ctx, w.editor, a.ID, activities.CheckOut, activities.Who{MemberCode: code}); err != nil {
					t.Error(err)
				}
			})
		}
	}
	wg.Wait()
	if total := w.sumMinutes(a.ID, r); total > 180 {
		t.Fatalf("the ledger holds %d minutes for a 180-minute activity", total)
	}
	if applied+pending != 20 || applied > 6 {
		t.Fatalf("%d applied, %d pending", applied, pending)
	}
	var n int64
	w.db.Table("volunteer_hours_approvals").Where("resident_id = ? AND status = ?", r, activities.ApprovalPending).Count(&n)
	if n != int64(pending) {
		t.Fatalf("%d approvals stored, %d answered pending", n, pending)
	}
}

// TestApprovalRace: ten approvals of one pending adjustment at once by
// ten other members enter it once; a rejection racing them loses or wins
// whole.
func TestApprovalRace(t *testing.T) {
	w := newWorld(t)
	a := w.activity(nil)
	r := w.residents(1, "华富街道")[0]
	if _, _, err := w.svc.Activities.SignUp(ctx, r, a.ID); err != nil {
		t.Fatal(err)
	}
	out, err := w.svc.Activities.AdjustHours(ctx, w.editor, a.ID, activities.Adjustment{ResidentID: r, Hours: 4, Reason: "补记"})
	if err != nil || out.Pending == nil {
		t.Fatalf("adjustment %+v: %v", out, err)
	}
	if _, _, err := w.svc.Activities.Decide(ctx, w.editor, a.ID, out.Pending.ID, true); apperr.CodeOf(err) != apperr.PermissionDenied {
		t.Fatalf("the asker approved their own: %v", err)
	}
	var members []*staff.Member
	for i := range 10 {
		members = append(members, w.member("approver"+string(rune('a'+i)), []staff.Role{staff.Editor}))
	}
	var wg sync.WaitGroup
	for _, m := range members {
		wg.Go(func() {
			if _, _, err := w.svc.Activities.Decide(ctx, m, a.ID, out.Pending.ID, true); err != nil && !errors.Is(err, activities.ErrDecided) {
				t.Error(err)
			}
		})
	}
	wg.Go(func() {
		if _, _, err := w.svc.Activities.Decide(ctx, w.editor, a.ID, out.Pending.ID, false); err != nil && !errors.Is(err, activities.ErrDecided) {
			t.Error(err)
		}
	})
	wg.Wait()
	p, _, err := w.svc.Activities.Decide(ctx, members[0], a.ID, out.Pending.ID, true)
	total := w.sumMinutes(a.ID, r)
	switch {
	case err == nil && p.Status == activities.ApprovalApproved && total == 240 && p.EntryID != nil:
	case errors.Is(err, activities.ErrDecided) && total == 0:
	default:
		t.Fatalf("after the race: %+v, %v, total %d", p, err, total)
	}
}

// TestAdjustmentKeyRaceAtTheBound: one adjustment sent ten times at once
// with the same key, which fits exactly under the activity's length, is
// one entry: the repeats find it instead of queueing an approval.
func TestAdjustmentKeyRaceAtTheBound(t *testing.T) {
	w := newWorld(t)
	a := w.activity(nil)
	r := w.residents(1, "华富街道")[0]
	if _, _, err := w.svc.Activities.SignUp(ctx, r, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.Activities.AdjustHours(ctx, w.editor, a.ID, activities.Adjustment{ResidentID: r, Hours: 2.5, Reason: "补记"}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			out, err := w.svc.Activities.AdjustHours(ctx, w.editor, a.ID, activities.Adjustment{ResidentID: r, Hours: 0.5, Reason: "补记", Key: "k-2"})
			if err != nil || out.Entry == nil {
				t.Errorf("%+v: %v", out, err)
			}
		})
	}
	wg.Wait()
	var approvals int64
	w.db.Table("volunteer_hours_approvals").Count(&approvals)
	if total := w.sumMinutes(a.ID, r); total != 180 || approvals != 0 {
		t.Fatalf("total %d minutes and %d approvals, want 180 and none", total, approvals)
	}
}
