package activities_test

import (
	"testing"
	"time"

	"github.com/futian/ifutian/activities"
)

// TestEraseResident: deleting an account removes the resident's sign-ups
// hours and pending adjustments; a place they held goes to the first waiting.
func TestEraseResident(t *testing.T) {
	w := newWorld(t)
	past := w.activity(nil)
	ids := w.residents(3, "华富街道")
	checkInAll(t, w, past, ids[:1])
	w.at(past.EndsAt.Add(-time.Minute))
	if _, _, err := w.svc.Activities.Attend(ctx, w.editor, past.ID, activities.CheckOut, activities.Who{ResidentID: ids[0], Reason: "手工签退"}); err != nil {
		t.Fatal(err)
	}
	out, err := w.svc.Activities.AdjustHours(ctx, w.editor, past.ID, activities.Adjustment{ResidentID: ids[0], Hours: 5, Reason: "会后整理场地"})
	if err != nil || out.Pending == nil {
		t.Fatalf("adjustment beyond the length %+v: %v", out, err)
	}
	next := w.activity(func(in *activities.Input) { in.Capacity = 1 })
	for _, r := range []int64{ids[0], ids[1], ids[2]} {
		if _, _, err := w.svc.Activities.SignUp(ctx, r, next.ID); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.svc.Residents.Delete(ctx, ids[0]); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"activity_signups", "volunteer_hours", "volunteer_hours_approvals"} {
		var n int64
		if err := w.db.Table(table).Where("resident_id = ?", ids[0]).Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%d rows of %s left", n, table)
		}
	}
	if c, wt, rows := w.counts(next.ID); c != 1 || wt != 1 || rows[activities.Confirmed] != 1 || rows[activities.Waiting] != 1 {
		t.Fatalf("counters %d/%d %v, want 1/1", c, wt, rows)
	}
	v, err := w.svc.Activities.FindForResident(ctx, ids[1], next.ID)
	if err != nil || v.MySignup.Status != activities.Confirmed {
		t.Fatalf("the first waiting %+v (%v), want confirmed", v.MySignup, err)
	}
	mustReconcile(t, w.svc.Points)
}
