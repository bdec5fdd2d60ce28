package wechat

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/silenceper/wechat/v2/cache"
)

// redisCache is a cache.Cache over a go-redis v9 client. The SDK's own Redis
// cache is built on go-redis v8.
type redisCache struct {
	rdb *redis.Client
}

// NewRedisCache returns a cache.Cache kept in Redis, so that every instance
// of the server shares one stable access token. Values are stored as plain
// strings, as the SDK's own Redis cache stores them, so keys written by
// either are readable by both. cache.Cache has no context: each operation
// uses the client's own timeouts.
func NewRedisCache(rdb *redis.Client) cache.Cache {
	return &redisCache{rdb: rdb}
}

// Get returns the string stored at key, or nil if there is none or Redis
// fails (the SDK then fetches a token anew).
func (r *redisCache) Get(key string) interface{} {
	v, err := r.rdb.Get(context.Background(), key).Result()
	if err != nil {
		return nil
	}
	return v
}

// Set stores val at key for timeout. A timeout of zero or less stores
// nothing and removes the key: go-redis would otherwise keep the value
// forever, and the SDK computes such timeouts from short expires_in values.
// Values other than strings and byte slices are stored as JSON.
func (r *redisCache) Set(key string, val interface{}, timeout time.Duration) error {
	ctx := context.Background()
	if timeout <= 0 {
		return r.rdb.Del(ctx, key).Err()
	}
	switch val.(type) {
	case string, []byte:
	default:
		b, err := json.Marshal(val)
		if err != nil {
			return err
		}
		val = b
	}
	return r.rdb.Set(ctx, key, val, timeout).Err()
}

// IsExist reports whether key is set; false if Redis fails.
func (r *redisCache) IsExist(key string) bool {
	n, err := r.rdb.Exists(context.Background(), key).Result()
	return err == nil && n > 0
}

// Delete removes key; removing a missing key is not an error.
func (r *redisCache) Delete(key string) error {
	err := r.rdb.Del(context.Background(), key).Err()
	if errors.Is(err, redis.Nil) {
		return nil
	}
	return err
}
