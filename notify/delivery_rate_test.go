package notify

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/futian/ifutian/internal/dbtest"
	"github.com/futian/ifutian/internal/ratelimit"
	"github.com/futian/ifutian/wechat"
)

// countingSender counts the sends that reach the provider.
type countingSender struct {
	Sender
	mu sync.Mutex
	n  int
}

func (c *countingSender) SendSubscribe(ctx context.Context, m wechat.Message) error {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
	return c.Sender.SendSubscribe(ctx, m)
}

// TestDeliverySharedRate: two Deliverers sharing a gate of 200 sends a
// second (as two processes share a Redis limiter) send every resident's
// message once, and the gate never grants more than its burst plus one
// send per interval in any window: no send goes out without a grant.
func TestDeliverySharedRate(t *testing.T) {
	gdb := dbtest.Open(t)
	s := New(Deps{DB: gdb})
	const n, tpl = 150, "TPL_SHARED_RATE"
	seedSends(t, gdb, s, n, tpl)
	sender := &countingSender{Sender: wechat.New(wechat.Config{AppID: "wxsharedrate", AppSecret: "s"})}
	limit := ratelimit.PerSecond(200)
	shared := ratelimit.NewMemory()
	type grant struct {
		from, to time.Time
		n        int
	}
	var (
		mu     sync.Mutex
		grants []grant
	)
	gate := func(ctx context.Context, want int) (int, error) {
		from := time.Now()
		k, err := ratelimit.WaitUpTo(ctx, shared, "send", limit, want)
		mu.Lock()
		grants = append(grants, grant{from, time.Now(), k})
		mu.Unlock()
		return k, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for range 2 {
		// Each alone could send twice as fast as they may together.
		d := s.NewDeliverer(sender, DeliveryConfig{Rate: 400, Batch: 30, Idle: 10 * time.Millisecond, Gate: gate})
		wg.Go(func() { deliverUntil(ctx, d) })
	}
	waitDrained(t, gdb)
	cancel()
	wg.Wait()

	got := received(tpl)
	if len(got) != n {
		t.Fatalf("%d residents got the message, want %d", len(got), n)
	}
	for openid, k := range got {
		if k != 1 {
			t.Fatalf("%s got the message %d times", openid, k)
		}
	}
	granted := 0
	for _, g := range grants {
		granted += g.n
	}
	if sender.n > granted {
		t.Fatalf("%d sends made on %d grants", sender.n, granted)
	}
	// Only a grant whose call lay wholly inside a window counts for it: a
	// slow test makes a window look emptier, never fuller.
	interval := limit.Period / time.Duration(limit.Count)
	for _, w := range []time.Duration{interval, limit.Period, 250 * time.Millisecond, time.Second} {
		for _, a := range grants {
			k := 0
			for _, g := range grants {
				if !g.from.Before(a.from) && !g.to.After(a.from.Add(w)) {
					k += g.n
				}
			}
			if most := limit.Count + int(w/interval); k > most {
				t.Fatalf("%d sends granted in %v, at most %d allowed", k, w, most)
			}
		}
	}
}
