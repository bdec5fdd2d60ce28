// Package media turns residents' uploaded pictures (request photos,
// avatars) into clean stored files and serves them through signed links.
//
// Decoding a picture costs memory by its pixels, bit depth and channels,
// not by its size on the wire: a 323 KB PNG can decode to 320 MB. So
// every decode first estimates its cost from the file's header (Inspect),
// refuses one over MaxDecodedBytes, and then runs under a Limiter shared by
// the whole process, which bounds the bytes all decodes hold at once and
// how many run.
package media

import (
	"context"
	"math"
	"runtime"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/futian/ifutian/internal/apperr"
)

// Defaults of the process-wide Limiter.
const (
	// DefaultBudget is the memory all decodes of the process may hold at
	// once (their estimated cost: decoded pixels, the file, working
	// images): one of the largest admitted pictures with smaller ones
	// beside it, or a few phone photos. Go's collector lets the heap grow
	// to about twice what is live, so decoding takes at most about twice
	// this (TestUploadMemoryCeiling measures it).
	DefaultBudget = 256 << 20
	// DefaultWait is how long an upload waits for its turn before it is
	// refused with 429 and Retry-After.
	DefaultWait = 15 * time.Second
	// RetryAfter is the Retry-After of that refusal.
	RetryAfter = 5 * time.Second
)

// ErrBusy is the refusal of a decode that could not start within the wait:
// 429 with Retry-After.
var ErrBusy = apperr.New(apperr.RateLimited, "图片处理繁忙，请稍后再试").With("retry_after_s", int(RetryAfter/time.Second))

// Limiter bounds the decodes of one process: the memory they hold at once
// (by each decode's estimated cost) and how many run (half the CPUs, at
// least one, so that decoding leaves every other request a CPU). It is
// safe for concurrent use; one Limiter serves every kind of upload.
type Limiter struct {
	bytes  *semaphore.Weighted
	slots  *semaphore.Weighted
	budget int64
	wait   time.Duration
}

// NewLimiter returns a Limiter holding at most budget bytes of decodes at
// once, in at most slots decodes (0: half of GOMAXPROCS, at least one),
// each waiting at most wait for its turn.
func NewLimiter(budget int64, slots int, wait time.Duration) *Limiter {
	if slots <= 0 {
		slots = max(1, runtime.GOMAXPROCS(0)/2)
	}
	return &Limiter{
		bytes: semaphore.NewWeighted(budget), slots: semaphore.NewWeighted(int64(slots)),
		budget: budget, wait: wait,
	}
}

// NewDefaultLimiter returns a Limiter with DefaultBudget, a slot per two
// CPUs and DefaultWait.
func NewDefaultLimiter() *Limiter { return NewLimiter(DefaultBudget, 0, DefaultWait) }

// Budget is the memory the Limiter lets decodes hold at once.
func (l *Limiter) Budget() int64 { return l.budget }

// Acquire waits for cost bytes and a slot, at most the Limiter's wait.
// Returns ErrBusy when the wait ends first, the context's error when the
// caller went away. The caller calls release once done. Process acquires
// for itself; a caller acquires only to hold memory of its own.
func (l *Limiter) Acquire(ctx context.Context, cost int64) (release func(), err error) {
	cost = min(max(cost, 1), l.budget)
	wctx, cancel := context.WithTimeout(ctx, l.wait)
	defer cancel()
	if err := l.bytes.Acquire(wctx, cost); err != nil {
		return nil, busy(ctx)
	}
	if err := l.slots.Acquire(wctx, 1); err != nil {
		l.bytes.Release(cost)
		return nil, busy(ctx)
	}
	return func() { l.slots.Release(1); l.bytes.Release(cost) }, nil
}

func busy(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return ErrBusy
}

// saturating multiplication for cost estimates from untrusted headers.
func mul(a, b int64) int64 {
	if a <= 0 || b <= 0 {
		return 0
	}
	if a > math.MaxInt64/b {
		return math.MaxInt64
	}
	return a * b
}
