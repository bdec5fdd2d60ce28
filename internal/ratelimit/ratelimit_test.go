package ratelimit

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

type allower interface {
	Allow(context.Context, string, Limit) (bool, time.Duration, error)
}

func exercise(t *testing.T, l allower, key string) {
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

func TestMemory(t *testing.T) { exercise(t, NewMemory(), "k") }

func TestRedis(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	defer rdb.Close()
	if err := rdb.Ping(context.Background()).Err(); err != nil {
		t.Skip("no Redis on 127.0.0.1:6379")
	}
	exercise(t, NewRedis(rdb, "ifutian-test:rl:"), "test-"+time.Now().Format(time.RFC3339Nano))
}
