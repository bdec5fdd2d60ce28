package media

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/futian/ifutian/internal/apperr"
)

// TestLimiter: a decode waits for memory and a slot at most the
// Limiter's wait, then is refused with 429 and a Retry-After; one that
// fits runs beside another; a cost over the budget waits for all of it.
func TestLimiter(t *testing.T) {
	ctx := context.Background()
	l := NewLimiter(100, 2, 10*time.Millisecond)
	a, err := l.Acquire(ctx, 60)
	if err != nil {
		t.Fatal(err)
	}
	b, err := l.Acquire(ctx, 40) // fits beside a
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Acquire(ctx, 1); !errors.Is(err, ErrBusy) || apperr.CodeOf(err) != apperr.RateLimited {
		t.Fatalf("no memory left: %v, want ErrBusy", err)
	}
	b()
	if _, err := l.Acquire(ctx, 41); !errors.Is(err, ErrBusy) {
		t.Fatalf("41 of 40 left: %v, want ErrBusy", err)
	}
	c, err := l.Acquire(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Acquire(ctx, 1); !errors.Is(err, ErrBusy) {
		t.Fatalf("no slot left: %v, want ErrBusy", err)
	}
	a()
	c()
	// A cost beyond the budget takes the whole budget rather than waiting
	// forever.
	all, err := l.Acquire(ctx, 1<<40)
	if err != nil {
		t.Fatal(err)
	}
	all()
	gone, cancel := context.WithCancel(ctx)
	cancel()
	hold, _ := l.Acquire(ctx, 100)
	if _, err := l.Acquire(gone, 1); !errors.Is(err, context.Canceled) {
		t.Fatalf("caller gone: %v, want context.Canceled", err)
	}
	hold()
	if d, _ := ErrBusy.Details["retry_after_s"].(int); d < 1 {
		t.Fatalf("ErrBusy's retry_after_s %v", ErrBusy.Details)
	}
}
