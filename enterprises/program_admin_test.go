package enterprises

import (
	"context"
	"errors"
	"sync"
	"testing"
)

// TestEndProgramHoldsPendingNotices: a program ended while its notices are
// held (notify down) sends none of them later; the matches stay, never
// notified, and a re-rating matches no new enterprise.
func TestEndProgramHoldsPendingNotices(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	e := f.enterprise(1, "软件", "华富街道")
	f.member(e)
	f.n.fail = true
	p, err := f.s.CreateProgram(ctx, f.admin, NewProgram{Name: "研发补贴", Criteria: Criteria{MinGrade: "B"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.EndProgram(ctx, f.admin, p.ID); err != nil {
		t.Fatal(err)
	}
	f.n.fail = false
	later := f.enterprise(2, "软件", "华富街道")
	f.member(later)
	if _, err := f.s.RerateDue(ctx); err != nil {
		t.Fatal(err)
	}
	f.drain() // the held notice's job runs, and drops it
	if got := f.n.benefits(); len(got) != 0 {
		t.Fatalf("notices sent after the end: %+v", got)
	}
	ms, _, err := f.s.FindMatches(ctx, f.admin.Scope(), p.ID, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 1 || ms[0].USCC != e.USCC || ms[0].NotifiedAt != nil {
		t.Fatalf("matches %+v, want the first enterprise's alone, never notified", ms)
	}
}

// TestEndProgramConcurrent: of many concurrent ends of one program,
// exactly one ends it; the others find it ended.
func TestEndProgramConcurrent(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	p, err := f.s.CreateProgram(ctx, f.admin, NewProgram{Name: "研发补贴", Criteria: Criteria{MinGrade: "B"}})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	ended, refused := 0, 0
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			_, err := f.s.EndProgram(ctx, f.admin, p.ID)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ended++
			case errors.Is(err, ErrProgramEnded):
				refused++
			default:
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if ended != 1 || refused != 7 {
		t.Fatalf("ended %d, refused %d; want 1 and 7", ended, refused)
	}
}
