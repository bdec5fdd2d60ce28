package jobs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/futian/ifutian/internal/db"
)

// Handler does the work of one job: payload is what Enqueue stored. It
// must be idempotent. An error retries the job after a backoff, unless it
// is Permanent; ctx ends at the attempt's timeout.
type Handler func(ctx context.Context, payload []byte) error

// Config tunes a Queue. Zero fields take the defaults.
type Config struct {
	Lease   time.Duration // how long a claimed job is held (60 s)
	Timeout time.Duration // how long one attempt may run (at most half the lease; 25 s)
	Batch   int           // most jobs claimed at once (16)
	Backoff Backoff       // retry delay (5 s doubling to 30 min, jittered)
	// Observe, if not nil, hears of every attempt's outcome: "done",
	// "retry" (failed, to be tried again) or "failed" (for good), by kind.
	Observe func(kind, outcome string)
}

func (c *Config) defaults() {
	if c.Lease <= 0 {
		c.Lease = time.Minute
	}
	if c.Timeout <= 0 {
		c.Timeout = 25 * time.Second
	}
	c.Timeout = min(c.Timeout, c.Lease/2)
	if c.Batch <= 0 {
		c.Batch = 16
	}
	if c.Backoff.Base <= 0 {
		c.Backoff.Base = 5 * time.Second
	}
	if c.Backoff.Max <= 0 {
		c.Backoff.Max = 30 * time.Minute
	}
}

// Queue runs the jobs of the kinds registered with it. Several queues, in
// one process or many sharing a database, may work at once: each job is
// claimed by one of them. A queue claims only the kinds it has handlers
// for. It is safe for concurrent use.
type Queue struct {
	db    *gorm.DB
	cfg   Config
	clock func() time.Time

	mu       sync.RWMutex
	handlers map[string]Handler
}

// New returns a Queue over gdb.
func New(gdb *gorm.DB, cfg Config) *Queue {
	cfg.defaults()
	return &Queue{db: gdb, cfg: cfg, clock: func() time.Time { return time.Now().UTC() }, handlers: map[string]Handler{}}
}

// Register sets the handler of kind. The module that owns a kind registers
// it once, when the process is wired; a second registration of a kind
// panics.
func (q *Queue) Register(kind string, h Handler) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if _, dup := q.handlers[kind]; dup {
		panic("jobs: kind registered twice: " + kind)
	}
	q.handlers[kind] = h
}

// Kinds lists the registered kinds, sorted.
func (q *Queue) Kinds() []string {
	q.mu.RLock()
	defer q.mu.RUnlock()
	out := make([]string, 0, len(q.handlers))
	for k := range q.handlers {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func (q *Queue) handler(kind string) Handler {
	q.mu.RLock()
	defer q.mu.RUnlock()
	return q.handlers[kind]
}

// Work claims one batch of due jobs (queued ones whose time has come and
// running ones whose lease ran out, their process having died), runs them
// and records each outcome. It returns how many it ran; the error is the
// first failure to claim or record (a handler's failure is the job's,
// recorded on it, not Work's).
func (q *Queue) Work(ctx context.Context) (int, error) {
	kinds := q.Kinds()
	if len(kinds) == 0 {
		return 0, nil
	}
	jobs, lease, err := q.claim(ctx, q.cfg.Batch, func(tx *gorm.DB) *gorm.DB {
		return tx.Where("status IN ? AND kind IN ?", []string{Queued, Running}, kinds)
	})
	if err != nil || len(jobs) == 0 {
		return 0, err
	}
	var wg sync.WaitGroup
	errs := make([]error, len(jobs))
	for i := range jobs {
		wg.Go(func() { _, errs[i] = q.run(ctx, &jobs[i], lease) })
	}
	wg.Wait()
	return len(jobs), errors.Join(errs...)
}

// RunKey runs the job (kind, key) now, in the caller's goroutine, if it is
// queued and due: the change that enqueued it can so have its effect at
// once in the common case, while an outage leaves the job to the workers'
// retries. It returns the handler's error (nil if the job was not due or
// is held by a worker); either way the outcome is recorded on the job.
func (q *Queue) RunKey(ctx context.Context, kind, key string) error {
	if q.handler(kind) == nil {
		return nil
	}
	jobs, lease, err := q.claim(ctx, 1, func(tx *gorm.DB) *gorm.DB {
		return tx.Where("kind = ? AND unique_key = ? AND status = ?", kind, key, Queued)
	})
	if err != nil || len(jobs) == 0 {
		return err
	}
	herr, err := q.run(ctx, &jobs[0], lease)
	if err != nil {
		return err
	}
	return herr
}

// claim takes up to n due jobs matching where and marks them running under
// a new lease.
func (q *Queue) claim(ctx context.Context, n int, where func(*gorm.DB) *gorm.DB) ([]Job, Lease, error) {
	now := q.clock()
	lease := Lease{Token: NewToken(), Until: now.Add(q.cfg.Lease)}
	var jobs []Job
	err := db.Transact(ctx, q.db, func(tx *gorm.DB) error {
		jobs = nil
		var ids []int64
		err := where(tx.Model(&Job{}).Clauses(clause.Locking{Strength: "UPDATE", Options: "SKIP LOCKED"})).
			Where("run_at <= ?", now).Order("run_at").Limit(n).Pluck("id", &ids).Error
		if err != nil || len(ids) == 0 {
			return err
		}
		err = tx.Model(&Job{}).Where("id IN ?", ids).Updates(map[string]any{
			"status": Running, "lease_owner": lease.Token, "lease_until": lease.Until, "run_at": lease.Until,
			"attempts": gorm.Expr("attempts + 1"), "updated_at": now,
		}).Error
		if err != nil {
			return err
		}
		return tx.Where("id IN ? AND lease_owner = ?", ids, lease.Token).Order("id").Find(&jobs).Error
	})
	if err != nil {
		return nil, lease, fmt.Errorf("claim jobs: %w", err)
	}
	return jobs, lease, nil
}

// run runs one claimed job and records its outcome. It returns the
// handler's error, and the error of recording. Outcomes are recorded even
// when ctx has ended, so a shutdown loses nothing.
func (q *Queue) run(ctx context.Context, j *Job, lease Lease) (handlerErr, err error) {
	rec, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	h := q.handler(j.Kind)
	// An attempt must end before the lease does, or another worker could
	// start the same job meanwhile.
	if h == nil || ctx.Err() != nil || !lease.Covers(q.clock(), q.cfg.Timeout+time.Second) {
		return nil, q.handBack(rec, j, lease)
	}
	handlerErr = q.call(ctx, h, j)
	if handlerErr == nil {
		q.observe(j.Kind, Done)
		return nil, q.record(rec, j, lease, map[string]any{"status": Done, "finished_at": q.clock()})
	}
	if ctx.Err() != nil && errors.Is(handlerErr, context.Canceled) {
		return handlerErr, q.handBack(rec, j, lease)
	}
	msg := errText(handlerErr)
	if IsPermanent(handlerErr) || j.Attempts >= j.MaxAttempts {
		q.observe(j.Kind, Failed)
		return handlerErr, q.record(rec, j, lease, map[string]any{"status": Failed, "finished_at": q.clock(), "last_error": msg})
	}
	q.observe(j.Kind, "retry")
	return handlerErr, q.record(rec, j, lease, map[string]any{
		"status": Queued, "run_at": q.clock().Add(q.cfg.Backoff.Delay(j.Attempts)), "last_error": msg,
	})
}

func (q *Queue) observe(kind, outcome string) {
	if q.cfg.Observe != nil {
		q.cfg.Observe(kind, outcome)
	}
}

// call runs h with the attempt's timeout, turning a panic into an error.
func (q *Queue) call(ctx context.Context, h Handler, j *Job) (err error) {
	ctx, cancel := context.WithTimeout(ctx, q.cfg.Timeout)
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("job %s panicked: %v", j.Kind, p)
		}
	}()
	return h(ctx, []byte(j.Payload))
}

// handBack returns a job claimed but never started to the queue; the
// attempt does not count.
func (q *Queue) handBack(ctx context.Context, j *Job, lease Lease) error {
	return q.record(ctx, j, lease, map[string]any{"status": Queued, "run_at": q.clock(), "attempts": gorm.Expr("attempts - 1")})
}

// record writes a claimed job's outcome, if the claim is still ours.
func (q *Queue) record(ctx context.Context, j *Job, lease Lease, upd map[string]any) error {
	upd["lease_owner"], upd["lease_until"], upd["updated_at"] = "", nil, q.clock()
	err := db.Retry(ctx, 8, func() error {
		return q.db.WithContext(ctx).Model(&Job{}).Where("id = ? AND lease_owner = ? AND status = ?", j.ID, lease.Token, Running).Updates(upd).Error
	})
	if err != nil {
		return fmt.Errorf("record job %d: %w", j.ID, err)
	}
	return nil
}

func errText(err error) string {
	s := err.Error()
	if len(s) > 1000 {
		s = s[:1000]
		for len(s) > 0 && s[len(s)-1]&0xC0 == 0x80 { // don't cut a character
			s = s[:len(s)-1]
		}
		if len(s) > 0 && s[len(s)-1] >= 0xC0 {
			s = s[:len(s)-1]
		}
	}
	return s
}
