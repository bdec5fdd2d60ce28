package ratelimit

import (
	"context"
	"errors"
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
