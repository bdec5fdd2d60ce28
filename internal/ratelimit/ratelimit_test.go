package ratelimit

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func exercise(t *testing.T, l Allower, key string) {
	t.Helper()
	limit := Limit{Count: 3, Period: time.Minute}
	for i := range 3 {
		ok, _, err := l.Allow(context.Background(), key, limit)
		if err != nil || !ok {
			t.Fatalf("event %d refused: %v", i, err)
		}
	}
	ok, wait, err := l.Allow(context.Background(), key, limit)
	if err != nil || ok || wait <= 0 {
		t.Fatalf("4th event: ok=%v wait=%v err=%v, want refused with a wait", ok, wait, err)
	}
	if ok, _, _ := l.Allow(context.Background(), key+"-other", limit); !ok {
		t.Fatal("keys share a budget")
	}
}

// exercisePeek: a peek takes nothing, sees the limit reached with a wait no
// longer than one interval, and a reset makes the key fresh.
func exercisePeek(t *testing.T, l Limiter, key string) {
	t.Helper()
	ctx := context.Background()
	limit := Limit{Count: 3, Period: time.Minute}
	for i := range 5 {
		if ok, _, err := l.Peek(ctx, key, limit); err != nil || !ok {
			t.Fatalf("peek %d on a fresh key: ok=%v err=%v", i, ok, err)
		}
	}
	for range 3 {
		if ok, _, err := l.Allow(ctx, key, limit); err != nil || !ok {
			t.Fatalf("allow refused after peeks: ok=%v err=%v (peeks took events)", ok, err)
		}
	}
	ok, wait, err := l.Peek(ctx, key, limit)
	if err != nil || ok || wait <= 0 || wait > 21*time.Second {
		t.Fatalf("peek at the limit: ok=%v wait=%v err=%v, want refused within one interval (20s)", ok, wait, err)
	}
	if err := l.Reset(ctx, key); err != nil {
		t.Fatal(err)
	}
	if ok, _, err := l.Peek(ctx, key, limit); err != nil || !ok {
		t.Fatalf("peek after reset: ok=%v err=%v", ok, err)
	}
}

func TestMemory(t *testing.T) {
	exercise(t, NewMemory(), "k")
	exercisePeek(t, NewMemory(), "p")
}

func TestRedis(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	defer rdb.Close()
	if err := rdb.Ping(context.Background()).Err(); err != nil {
		t.Skip("no Redis on 127.0.0.1:6379")
	}
	exercise(t, NewRedis(rdb, "ifutian-test:rl:"), "test-"+time.Now().Format(time.RFC3339Nano))
	exercisePeek(t, NewRedis(rdb, "ifutian-test:rl:"), "peek-"+time.Now().Format(time.RFC3339Nano))
}

// script is an Allower that refuses its first refusals calls.
type script struct {
	refusals, calls int
	err             error
}

func (s *script) Allow(context.Context, string, Limit) (bool, time.Duration, error) {
	s.calls++
	if s.err != nil {
		return false, 0, s.err
	}
	return s.calls > s.refusals, time.Millisecond, nil
}

func TestWait(t *testing.T) {
	limit := Limit{Count: 1, Period: time.Second}
	s := &script{refusals: 2}
	if err := Wait(context.Background(), s, "k", limit); err != nil || s.calls != 3 {
		t.Fatalf("err=%v after %d calls, want nil after 3", err, s.calls)
	}
	broken := &script{err: errors.New("redis down")}
	if err := Wait(context.Background(), broken, "k", limit); err != broken.err {
		t.Fatalf("err=%v, want the limiter's", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Wait(ctx, &script{refusals: 1}, "k", limit); !errors.Is(err, context.Canceled) {
		t.Fatalf("err=%v, want context.Canceled", err)
	}
}

func TestPerSecond(t *testing.T) {
	for _, tc := range []struct {
		rate int
		want Limit
	}{
		{500, Limit{Count: 50, Period: 100 * time.Millisecond}},
		{50, Limit{Count: 5, Period: 100 * time.Millisecond}},
		{7, Limit{Count: 1, Period: time.Second / 7}},
		{1, Limit{Count: 1, Period: time.Second}},
	} {
		if got := PerSecond(tc.rate); got != tc.want {
			t.Errorf("PerSecond(%d) = %+v, want %+v", tc.rate, got, tc.want)
		}
	}
}

// grant is events taken at some instant between from and to.
type grant struct {
	from, to time.Time
	n        int
}

// withinLimit fails if some window holds more grants than l allows: its
// burst plus one event per interval. Only grants whose call lay wholly
// inside a window count for it, so a slow caller can make a window look
// emptier, never fuller.
func withinLimit(t *testing.T, grants []grant, l Limit) {
	t.Helper()
	interval := l.Period / time.Duration(l.Count)
	for _, w := range []time.Duration{interval, l.Period, 2 * l.Period, 250 * time.Millisecond, time.Second} {
		for _, a := range grants {
			n := 0
			for _, g := range grants {
				if !g.from.Before(a.from) && !g.to.After(a.from.Add(w)) {
					n += g.n
				}
			}
			if most := l.Count + int(w/interval); n > most {
				t.Fatalf("%d events in a window of %v from %v, at most %d allowed", n, w, a.from.Format("15:04:05.000000"), most)
			}
		}
	}
}

// sharedTakes has two instances take events as fast as limiter lets them
// until want are taken, and returns each call's grant.
func sharedTakes(t *testing.T, limiters [2]UpToAllower, key string, l Limit, want int) []grant {
	t.Helper()
	var (
		mu     sync.Mutex
		grants []grant
		taken  int
		wg     sync.WaitGroup
	)
	for i := range 2 {
		wg.Go(func() {
			for {
				mu.Lock()
				done := taken >= want
				mu.Unlock()
				if done {
					return
				}
				from := time.Now()
				k, err := WaitUpTo(context.Background(), limiters[i], key, l, 1+i*l.Count)
				to := time.Now()
				if err != nil {
					t.Error(err)
					return
				}
				if k < 1 || k > 1+i*l.Count {
					t.Errorf("took %d, asked for 1 to %d", k, 1+i*l.Count)
				}
				mu.Lock()
				grants, taken = append(grants, grant{from, to, k}), taken+k
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return grants
}

// TestSharedRate: two instances sharing a limit (one asking for one event
// at a time, the other for a burst's worth) never get more than the burst
// plus the rate in any window.
func TestSharedRate(t *testing.T) {
	l := PerSecond(200)
	m := NewMemory()
	withinLimit(t, sharedTakes(t, [2]UpToAllower{m, m}, "k", l, 300), l)

	rdb := [2]*redis.Client{redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"}), redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})}
	defer rdb[0].Close()
	defer rdb[1].Close()
	if err := rdb[0].Ping(context.Background()).Err(); err != nil {
		t.Skip("no Redis on 127.0.0.1:6379")
	}
	key := "shared-" + time.Now().Format(time.RFC3339Nano)
	a, b := NewRedis(rdb[0], "ifutian-test:rl:"), NewRedis(rdb[1], "ifutian-test:rl:")
	withinLimit(t, sharedTakes(t, [2]UpToAllower{a, b}, key, l, 300), l)
}

// TestAllowUpTo: a fresh key gives up to its burst at once, then nothing
// with a wait of about one interval.
func TestAllowUpTo(t *testing.T) {
	l := Limit{Count: 5, Period: time.Minute}
	check := func(name string, a Limiter, key string) {
		ctx := context.Background()
		if k, _, err := a.AllowUpTo(ctx, key, l, 3); err != nil || k != 3 {
			t.Fatalf("%s: first take %d, %v; want 3", name, k, err)
		}
		if k, _, err := a.AllowUpTo(ctx, key, l, 10); err != nil || k != 2 {
			t.Fatalf("%s: second take %d, %v; want the 2 left", name, k, err)
		}
		k, wait, err := a.AllowUpTo(ctx, key, l, 10)
		if err != nil || k != 0 || wait <= 0 || wait > 12*time.Second {
			t.Fatalf("%s: third take %d, wait %v, %v; want none within an interval (12s)", name, k, wait, err)
		}
		// The key is the one Allow and Peek see.
		if ok, _, err := a.Peek(ctx, key, l); err != nil || ok {
			t.Fatalf("%s: peek after the burst was taken: ok=%v err=%v, want refused", name, ok, err)
		}
		if ok, _, err := a.Allow(ctx, key, l); err != nil || ok {
			t.Fatalf("%s: allow after the burst was taken: ok=%v err=%v, want refused", name, ok, err)
		}
	}
	check("memory", NewMemory(), "k")
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	defer rdb.Close()
	if err := rdb.Ping(context.Background()).Err(); err != nil {
		t.Skip("no Redis on 127.0.0.1:6379")
	}
	check("redis", NewRedis(rdb, "ifutian-test:rl:"), "upto-"+time.Now().Format(time.RFC3339Nano))
}
