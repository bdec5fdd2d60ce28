package wechat

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// mustRedis returns a client for the Redis at 127.0.0.1:6379, or skips.
func mustRedis(tb testing.TB) *redis.Client {
	tb.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379", DialTimeout: 200 * time.Millisecond, MaxRetries: -1})
	tb.Cleanup(func() { _ = rdb.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		tb.Skipf("redis unreachable: %v", err)
	}
	return rdb
}

// randomKey returns a key no other test run uses, removed at cleanup.
func randomKey(tb testing.TB, rdb *redis.Client) string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	key := "ifutian_test_wechat_" + hex.EncodeToString(b)
	tb.Cleanup(func() { rdb.Del(context.Background(), key) })
	return key
}

func TestRedisCache(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		rdb := mustRedis(t)
		c := NewRedisCache(rdb)
		key := randomKey(t, rdb)
		if got := c.Get(key); got != nil {
			t.Fatalf("Get(missing)=%v, want nil", got)
		}
		if got, want := c.IsExist(key), false; got != want {
			t.Fatalf("IsExist=%v, want %v", got, want)
		}
		if err := c.Set(key, "token-1", time.Minute); err != nil {
			t.Fatal(err)
		}
		if got, want := c.Get(key), any("token-1"); got != want {
			t.Fatalf("Get=%v, want %v", got, want)
		}
		if got, want := c.IsExist(key), true; got != want {
			t.Fatalf("IsExist=%v, want %v", got, want)
		}
		ttl := rdb.TTL(context.Background(), key).Val()
		if ttl <= 0 || ttl > time.Minute {
			t.Fatalf("TTL=%v, want (0, 1m]", ttl)
		}
		if err := c.Delete(key); err != nil {
			t.Fatal(err)
		}
		if got := c.Get(key); got != nil {
			t.Fatalf("Get after Delete=%v, want nil", got)
		}
		if err := c.Delete(key); err != nil {
			t.Fatalf("Delete(missing): %v", err)
		}
	})
	t.Run("NonPositiveTimeout", func(t *testing.T) {
		rdb := mustRedis(t)
		c := NewRedisCache(rdb)
		key := randomKey(t, rdb)
		if err := c.Set(key, "old", time.Minute); err != nil {
			t.Fatal(err)
		}
		if err := c.Set(key, "new", -5*time.Second); err != nil {
			t.Fatal(err)
		}
		if got := c.Get(key); got != nil {
			t.Fatalf("Get=%v, want nil (nothing stored)", got)
		}
	})
	t.Run("SharedToken", func(t *testing.T) {
		rdb := mustRedis(t)
		appID := "wx_redis_" + randomKey(t, rdb)
		c1 := New(Config{AppID: appID, AppSecret: testSecret, Cache: NewRedisCache(rdb)})
		c2 := New(Config{AppID: appID, AppSecret: testSecret, Cache: NewRedisCache(rdb)})
		t.Cleanup(func() { rdb.Del(context.Background(), c1.tokenKey) })
		ctx := context.Background()
		if _, err := c1.PhoneNumber(ctx, "mock-phone:13600136000"); err != nil {
			t.Fatal(err)
		}
		issued := testFake.tokensIssued()
		if _, err := c2.PhoneNumber(ctx, "mock-phone:13600136000"); err != nil {
			t.Fatal(err)
		}
		if got, want := testFake.tokensIssued(), issued; got != want {
			t.Fatalf("tokens issued=%d, want %d (second client should reuse)", got, want)
		}
		ttl := rdb.TTL(ctx, c1.tokenKey).Val()
		if ttl <= 0 || ttl > 7200*time.Second {
			t.Fatalf("token TTL=%v, want (0, 2h]", ttl)
		}
	})
}
