package requests_test

import (
	"testing"
	"time"
)

// TestOverdue: the metrics' count of open requests past their deadline
// grows as the clock passes a deadline.
func TestOverdue(t *testing.T) {
	e := newEnv(t)
	dept := e.department("区城管局")
	e.route("noise", "园岭街道", dept)
	e.submit(e.resident("a"), "noise", "园岭街道")
	if n := must(e.req.Overdue(e.ctx)); n != 0 {
		t.Fatalf("overdue right after submitting: %d", n)
	}
	e.now = e.now.Add(60 * 24 * time.Hour) // past any working-day deadline
	if n := must(e.req.Overdue(e.ctx)); n != 1 {
		t.Fatalf("overdue after the deadline: %d, want 1", n)
	}
}
