package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/dbtest"
)

type payload struct {
	N int `json:"n"`
}

func enqueue(t *testing.T, gdb *gorm.DB, kind, key string, n int) {
	t.Helper()
	if err := gdb.Transaction(func(tx *gorm.DB) error { return Enqueue(tx, kind, key, payload{n}) }); err != nil {
		t.Fatal(err)
	}
}

func job(t *testing.T, gdb *gorm.DB, kind, key string) Job {
	t.Helper()
	var j Job
	if err := gdb.Where("kind = ? AND unique_key = ?", kind, key).Take(&j).Error; err != nil {
		t.Fatal(err)
	}
	return j
}

// drain works q until nothing is due (at most 200 rounds).
func drain(t *testing.T, q *Queue) {
	t.Helper()
	for range 200 {
		n, err := q.Work(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
	t.Fatal("queue never drained")
}

// TestEnqueueOnce: a key is enqueued once however often its cause is
// retried, and a job rolled back with its transaction does not exist.
func TestEnqueueOnce(t *testing.T) {
	gdb := dbtest.Open(t)
	enqueue(t, gdb, "k", "a", 1)
	enqueue(t, gdb, "k", "a", 2)
	enqueue(t, gdb, "other", "a", 3) // keys are per kind
	boom := errors.New("boom")
	err := gdb.Transaction(func(tx *gorm.DB) error {
		if err := Enqueue(tx, "k", "rolled-back", payload{4}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	var n int64
	gdb.Model(&Job{}).Count(&n)
	if n != 2 {
		t.Fatalf("%d jobs, want 2", n)
	}
	if j := job(t, gdb, "k", "a"); j.Payload != `{"n":1}` || j.Status != Queued || j.MaxAttempts != DefaultMaxAttempts {
		t.Fatalf("job = %+v", j)
	}
}

// TestRetryThenFail: a failing handler is retried with backoff until its
// last attempt, then the job is kept as failed with its error; a
// Permanent error fails it at once; a success is done.
func TestRetryThenFail(t *testing.T) {
	gdb := dbtest.Open(t)
	// A round runs its jobs at once: the handler and the observer count
	// under a lock.
	var mu sync.Mutex
	outcomes := map[string]int{}
	q := New(gdb, Config{Backoff: Backoff{Base: time.Millisecond, Max: time.Millisecond},
		Observe: func(kind, outcome string) { mu.Lock(); outcomes[kind+"/"+outcome]++; mu.Unlock() }})
	calls := map[int]int{}
	q.Register("flaky", func(ctx context.Context, p []byte) error {
		var pl payload
		json.Unmarshal(p, &pl)
		mu.Lock()
		calls[pl.N]++
		n := calls[pl.N]
		mu.Unlock()
		switch {
		case pl.N == 1 && n < 3:
			return errors.New("ledger down")
		case pl.N == 2:
			return fmt.Errorf("still down %d", n)
		case pl.N == 3:
			return Permanent(errors.New("no such thing"))
		}
		return nil
	})
	enqueue(t, gdb, "flaky", "recovers", 1)
	enqueue(t, gdb, "flaky", "never", 2)
	enqueue(t, gdb, "flaky", "refused", 3)
	gdb.Model(&Job{}).Where("unique_key = ?", "never").Update("max_attempts", 4)
	for range 50 {
		drain(t, q)
		time.Sleep(3 * time.Millisecond) // the backoff
	}
	if j := job(t, gdb, "flaky", "recovers"); j.Status != Done || j.Attempts != 3 || calls[1] != 3 || j.FinishedAt == nil {
		t.Fatalf("recovers: %+v after %d calls", j, calls[1])
	}
	if j := job(t, gdb, "flaky", "never"); j.Status != Failed || j.Attempts != 4 || calls[2] != 4 || j.LastError != "still down 4" {
		t.Fatalf("never: %+v after %d calls", j, calls[2])
	}
	if j := job(t, gdb, "flaky", "refused"); j.Status != Failed || j.Attempts != 1 || j.LastError != "no such thing" {
		t.Fatalf("refused: %+v", j)
	}
	// 2 retries then done; 3 retries then failed; failed at once.
	if want := map[string]int{"flaky/retry": 5, "flaky/done": 1, "flaky/failed": 2}; fmt.Sprint(outcomes) != fmt.Sprint(want) {
		t.Fatalf("observed %v, want %v", outcomes, want)
	}
}

// TestBackoffGrows: retry delays double up to the cap, jittered on their
// second half.
func TestBackoffGrows(t *testing.T) {
	b := Backoff{Base: time.Second, Max: 8 * time.Second}
	for _, c := range []struct {
		attempts int
		lo, hi   time.Duration
	}{{1, 500 * time.Millisecond, time.Second}, {2, time.Second, 2 * time.Second}, {4, 4 * time.Second, 8 * time.Second}, {30, 4 * time.Second, 8 * time.Second}} {
		for range 20 {
			if d := b.Delay(c.attempts); d < c.lo || d > c.hi {
				t.Fatalf("Delay(%d)=%v, want in [%v, %v]", c.attempts, d, c.lo, c.hi)
			}
		}
	}
	l := Lease{Until: time.Unix(100, 0)}
	if !l.Covers(time.Unix(90, 0), 10*time.Second) || l.Covers(time.Unix(91, 0), 10*time.Second) {
		t.Fatal("Covers is wrong at its edge")
	}
}

// TestTwoQueuesOnce: two queues working one database run every job
// exactly once.
func TestTwoQueuesOnce(t *testing.T) {
	gdb := dbtest.Open(t)
	const n = 60
	for i := range n {
		enqueue(t, gdb, "count", fmt.Sprint(i), i)
	}
	var mu sync.Mutex
	ran := map[int]int{}
	h := func(ctx context.Context, p []byte) error {
		var pl payload
		json.Unmarshal(p, &pl)
		mu.Lock()
		ran[pl.N]++
		mu.Unlock()
		return nil
	}
	var wg sync.WaitGroup
	for range 2 {
		q := New(gdb, Config{Batch: 4})
		q.Register("count", h)
		wg.Go(func() { drain(t, q) })
	}
	wg.Wait()
	if len(ran) != n {
		t.Fatalf("%d jobs ran, want %d", len(ran), n)
	}
	for k, c := range ran {
		if c != 1 {
			t.Fatalf("job %d ran %d times", k, c)
		}
	}
}

// TestAbandonedLease: a job whose worker died while running it is run
// again by another once the lease has run out, and not before.
func TestAbandonedLease(t *testing.T) {
	gdb := dbtest.Open(t)
	enqueue(t, gdb, "k", "a", 1)
	dead := New(gdb, Config{Lease: 300 * time.Millisecond})
	jobs, _, err := dead.claim(context.Background(), 1, func(tx *gorm.DB) *gorm.DB { return tx.Where("status IN ?", []string{Queued, Running}) })
	if err != nil || len(jobs) != 1 {
		t.Fatalf("claim: %d, %v", len(jobs), err)
	}
	q := New(gdb, Config{})
	runs := 0
	q.Register("k", func(context.Context, []byte) error { runs++; return nil })
	if n, err := q.Work(context.Background()); n != 0 || err != nil {
		t.Fatalf("worked %d, %v while the lease was held", n, err)
	}
	time.Sleep(350 * time.Millisecond)
	drain(t, q)
	if j := job(t, gdb, "k", "a"); runs != 1 || j.Status != Done || j.Attempts != 2 {
		t.Fatalf("runs=%d, job %+v", runs, j)
	}
}

// TestLeaseTooShortHandsBack: a claimed job is not started when its lease
// no longer covers an attempt's timeout; it goes back to the queue, the
// attempt uncounted.
func TestLeaseTooShortHandsBack(t *testing.T) {
	gdb := dbtest.Open(t)
	enqueue(t, gdb, "k", "a", 1)
	q := New(gdb, Config{Lease: 10 * time.Second, Timeout: 5 * time.Second})
	runs := 0
	q.Register("k", func(context.Context, []byte) error { runs++; return nil })
	jobs, lease, err := q.claim(context.Background(), 1, func(tx *gorm.DB) *gorm.DB { return tx })
	if err != nil || len(jobs) != 1 {
		t.Fatal(err)
	}
	lease.Until = q.clock().Add(5 * time.Second) // as if the claim had waited 5 s
	if _, err := q.run(context.Background(), &jobs[0], lease); err != nil {
		t.Fatal(err)
	}
	if j := job(t, gdb, "k", "a"); runs != 0 || j.Status != Queued || j.Attempts != 0 || j.LeaseOwner != "" {
		t.Fatalf("runs=%d, job %+v", runs, j)
	}
}

// TestRunKey: the job of one key runs at once; a job not queued is left
// alone.
func TestRunKey(t *testing.T) {
	gdb := dbtest.Open(t)
	q := New(gdb, Config{})
	fail := true
	q.Register("k", func(context.Context, []byte) error {
		if fail {
			return errors.New("down")
		}
		return nil
	})
	enqueue(t, gdb, "k", "a", 1)
	enqueue(t, gdb, "k", "b", 2)
	if err := q.RunKey(context.Background(), "k", "a"); err == nil || err.Error() != "down" {
		t.Fatalf("RunKey = %v, want the handler's error", err)
	}
	if j := job(t, gdb, "k", "a"); j.Status != Queued || j.Attempts != 1 || j.RunAt.Before(time.Now()) {
		t.Fatalf("after a failure: %+v", j)
	}
	// Waiting for its backoff: not run now.
	fail = false
	if err := q.RunKey(context.Background(), "k", "a"); err != nil {
		t.Fatal(err)
	}
	if j := job(t, gdb, "k", "a"); j.Attempts != 1 {
		t.Fatalf("ran during its backoff: %+v", j)
	}
	if err := q.RunKey(context.Background(), "k", "b"); err != nil {
		t.Fatal(err)
	}
	if j := job(t, gdb, "k", "b"); j.Status != Done {
		t.Fatalf("b: %+v", j)
	}
}

// TestOperators: failed and stuck jobs are listed; a failed job can be
// retried (and then runs) or cancelled; a done one can be neither.
func TestOperators(t *testing.T) {
	gdb := dbtest.Open(t)
	ctx := context.Background()
	q := New(gdb, Config{})
	ok := false
	q.Register("k", func(context.Context, []byte) error {
		if !ok {
			return Permanent(errors.New("refused"))
		}
		return nil
	})
	enqueue(t, gdb, "k", "failed", 1)
	enqueue(t, gdb, "k", "done", 2)
	enqueue(t, gdb, "orphan", "stuck", 3) // no worker runs its kind
	gdb.Model(&Job{}).Where("unique_key = ?", "stuck").Update("run_at", time.Now().Add(-time.Hour))
	drain(t, q)
	ok = true
	_ = q.RunKey(ctx, "k", "done") // already failed: not queued, nothing runs

	failed, _, err := q.List(ctx, Filter{Status: Failed, Limit: 10})
	if err != nil || len(failed) != 2 {
		t.Fatalf("failed: %d, %v", len(failed), err)
	}
	stuck, _, err := q.List(ctx, Filter{Status: "stuck", Limit: 10})
	if err != nil || len(stuck) != 1 || stuck[0].Key != "stuck" {
		t.Fatalf("stuck: %+v, %v", stuck, err)
	}
	if _, _, err := q.List(ctx, Filter{Status: "bogus"}); err == nil {
		t.Fatal("an unknown status was accepted")
	}
	page, next, err := q.List(ctx, Filter{Limit: 2})
	if err != nil || len(page) != 2 || next == 0 {
		t.Fatalf("page: %d, next %d, %v", len(page), next, err)
	}

	f := job(t, gdb, "k", "failed")
	if _, err := q.Retry(ctx, f.ID); err != nil {
		t.Fatal(err)
	}
	drain(t, q)
	if j := job(t, gdb, "k", "failed"); j.Status != Done || j.Attempts != 1 {
		t.Fatalf("retried: %+v", j)
	}
	if _, err := q.Retry(ctx, f.ID); !errors.Is(err, ErrFinished) {
		t.Fatalf("retry of a done job: %v", err)
	}
	d := job(t, gdb, "k", "done")
	if j, err := q.Cancel(ctx, d.ID); err != nil || j.Status != Cancelled {
		t.Fatalf("cancel: %+v, %v", j, err)
	}
	if _, err := q.Cancel(ctx, d.ID); !errors.Is(err, ErrFinished) {
		t.Fatalf("second cancel: %v", err)
	}
	if _, err := q.Cancel(ctx, 999999); !errors.Is(err, ErrNotFound) {
		t.Fatalf("cancel of nothing: %v", err)
	}

	stats, err := q.Stats(ctx)
	if err != nil || len(stats) != 1 || stats[0].Kind != "orphan" || stats[0].Count != 1 || stats[0].Oldest.IsZero() {
		t.Fatalf("stats: %+v, %v", stats, err)
	}
}
