// Package ratelimit limits how often a key (a username, an IP, a token) may
// act: in process memory for one instance, or in Redis when several
// instances must share the count. Both use GCRA, so bursts up to the limit
// are allowed and the rest is spread evenly over the period.
package ratelimit

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
	"golang.org/x/time/rate"
)

// Limit is at most Count events per Period.
type Limit struct {
	Count  int
	Period time.Duration
}

// Memory is an in-process limiter. It is safe for concurrent use.
type Memory struct {
	mu       sync.Mutex
	limiters map[string]*entry
	now      func() time.Time
}

type entry struct {
	l    *rate.Limiter
	seen time.Time
}

// NewMemory returns an in-process limiter.
func NewMemory() *Memory {
	return &Memory{limiters: map[string]*entry{}, now: time.Now}
}

// Allow takes one event for key under l. When the limit is exceeded it
// returns false and how long to wait before the next event is allowed.
func (m *Memory) Allow(_ context.Context, key string, l Limit) (bool, time.Duration, error) {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.limiters) > 100_000 {
		// Drop keys idle for a full period: a fresh limiter for them is full anyway.
		for k, e := range m.limiters {
			if now.Sub(e.seen) > l.Period {
				delete(m.limiters, k)
			}
		}
	}
	e, ok := m.limiters[key]
	if !ok {
		e = &entry{l: rate.NewLimiter(rate.Every(l.Period/time.Duration(l.Count)), l.Count)}
		m.limiters[key] = e
	}
	e.seen = now
	r := e.l.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d, nil
	}
	return true, 0, nil
}

// AllowUpTo takes as many events for key under l as are allowed now, at
// most n; when none is, it returns 0 and how long until one is.
func (m *Memory) AllowUpTo(_ context.Context, key string, l Limit, n int) (int, time.Duration, error) {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.limiters[key]
	if !ok {
		e = &entry{l: rate.NewLimiter(rate.Every(l.Period/time.Duration(l.Count)), l.Count)}
		m.limiters[key] = e
	}
	e.seen = now
	k := min(n, l.Count, int(e.l.TokensAt(now)))
	if k < 1 {
		r := e.l.ReserveN(now, 1)
		d := r.DelayFrom(now)
		r.CancelAt(now)
		return 0, max(d, time.Microsecond), nil
	}
	e.l.ReserveN(now, k)
	return k, 0, nil
}

// Peek reports whether one event for key would be allowed under l now,
// without taking it, and if not how long to wait. With Allow after the fact
// it counts only the events that matter (failed logins, not successful
// ones).
func (m *Memory) Peek(_ context.Context, key string, l Limit) (bool, time.Duration, error) {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.limiters[key]
	if !ok {
		return true, 0, nil
	}
	r := e.l.ReserveN(now, 1)
	d := r.DelayFrom(now)
	r.CancelAt(now)
	if d > 0 {
		return false, d, nil
	}
	return true, 0, nil
}

// Reset forgets every event counted for key.
func (m *Memory) Reset(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.limiters, key)
	return nil
}

// Redis is a limiter shared by every instance using the same Redis and
// key prefix.
type Redis struct {
	l      *redis_rate.Limiter
	rdb    *redis.Client
	prefix string
}

// NewRedis returns a limiter over rdb whose keys start with prefix
// (e.g. "ifutian:rl:"), so several deployments can share one Redis.
func NewRedis(rdb *redis.Client, prefix string) *Redis {
	return &Redis{l: redis_rate.NewLimiter(rdb), rdb: rdb, prefix: prefix}
}

// Allow takes one event for key under l; see Memory.Allow.
func (r *Redis) Allow(ctx context.Context, key string, l Limit) (bool, time.Duration, error) {
	res, err := r.l.Allow(ctx, r.prefix+key, redis_rate.Limit{Rate: l.Count, Burst: l.Count, Period: l.Period})
	if err != nil {
		return false, 0, err
	}
	if res.Allowed == 0 {
		return false, res.RetryAfter, nil
	}
	return true, 0, nil
}

// upTo is redis_rate's GCRA taking up to ARGV[4] events at once, on the
// same key. (redis_rate's own AllowAtMost, given fewer than it asks for,
// moves the key on by the fraction of an event it could not grant as well,
// so a fraction is lost at every partial grant.)
var upTo = redis.NewScript(`
redis.replicate_commands()
local key = KEYS[1]
local burst = tonumber(ARGV[1])
local interval = tonumber(ARGV[3]) / tonumber(ARGV[2])
local want = tonumber(ARGV[4])
local now = redis.call("TIME")
now = (now[1] - 1483228800) + (now[2] / 1000000)
local tat = redis.call("GET", key)
if not tat then
  tat = now
else
  tat = math.max(tonumber(tat), now)
end
-- each event moves tat on by an interval; tat may run at most burst
-- intervals ahead of now.
local free = math.floor((now + burst * interval - tat) / interval + 1e-6)
if free < 1 then
  return {0, tostring(tat + interval - burst * interval - now)}
end
local n = math.min(want, free)
local new_tat = tat + n * interval
redis.call("SET", key, tostring(new_tat), "EX", math.ceil(new_tat - now))
return {n, "0"}
`)

// AllowUpTo takes up to n events for key under l; see Memory.AllowUpTo.
// It is one round trip to Redis however many it takes.
func (r *Redis) AllowUpTo(ctx context.Context, key string, l Limit, n int) (int, time.Duration, error) {
	// "rate:" is redis_rate's own prefix: Allow, Peek and Reset see the same key.
	v, err := upTo.Run(ctx, r.rdb, []string{"rate:" + r.prefix + key}, l.Count, l.Count, l.Period.Seconds(), max(n, 1)).Slice()
	if err != nil {
		return 0, 0, err
	}
	if len(v) != 2 {
		return 0, 0, fmt.Errorf("rate limit script: unexpected reply %v", v)
	}
	k, _ := v[0].(int64)
	if k > 0 {
		return int(k), 0, nil
	}
	s, _ := v[1].(string)
	retry, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, 0, fmt.Errorf("rate limit script: retry %q: %w", s, err)
	}
	return 0, max(time.Duration(retry*float64(time.Second)), time.Microsecond), nil
}

// Peek reports whether one event for key would be allowed under l now,
// without taking it; see Memory.Peek.
func (r *Redis) Peek(ctx context.Context, key string, l Limit) (bool, time.Duration, error) {
	// A cost of 0 changes nothing and reports how many events remain.
	res, err := r.l.AllowN(ctx, r.prefix+key, redis_rate.Limit{Rate: l.Count, Burst: l.Count, Period: l.Period}, 0)
	if err != nil {
		return false, 0, err
	}
	if res.Remaining >= 1 {
		return true, 0, nil
	}
	// The key's theoretical arrival time is ResetAfter from now; one event
	// fits once it is no more than the burst (Count-1 intervals) ahead.
	interval := l.Period / time.Duration(l.Count)
	wait := res.ResetAfter - time.Duration(l.Count-1)*interval
	if wait <= 0 {
		wait = time.Second
	}
	return false, wait, nil
}

// Reset forgets every event counted for key.
func (r *Redis) Reset(ctx context.Context, key string) error {
	return r.l.Reset(ctx, r.prefix+key)
}

// Allower is what Memory and Redis have in common.
type Allower interface {
	Allow(ctx context.Context, key string, l Limit) (bool, time.Duration, error)
}

// UpToAllower takes several events at once: what Memory and Redis offer
// for WaitUpTo.
type UpToAllower interface {
	AllowUpTo(ctx context.Context, key string, l Limit, n int) (int, time.Duration, error)
}

// Limiter is Allower with a look that takes nothing and a reset: what
// Memory and Redis both offer.
type Limiter interface {
	Allower
	UpToAllower
	Peek(ctx context.Context, key string, l Limit) (bool, time.Duration, error)
	Reset(ctx context.Context, key string) error
}

// PerSecond is a limit of rate events a second with a burst of a tenth of
// a second's worth: a limit of {rate, 1s} lets rate events through at
// once and rate more within the second, twice the rate over that second,
// which a shared send rate (several processes together) must not.
func PerSecond(rate int) Limit {
	n := max(1, rate/10)
	return Limit{Count: n, Period: time.Duration(n) * time.Second / time.Duration(max(rate, 1))}
}

// Wait takes one event for key under l, waiting as long as the limiter
// says until it is allowed. It returns the limiter's error, or ctx's if it
// ends first.
func Wait(ctx context.Context, a Allower, key string, l Limit) error {
	for {
		ok, retry, err := a.Allow(ctx, key, l)
		if err != nil || ok {
			return err
		}
		t := time.NewTimer(retry)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// WaitUpTo takes between 1 and n events for key under l, as many as are
// allowed when it takes them, waiting until at least one is. Refused, it
// waits until a few would be allowed (up to a quarter of the burst): a
// limiter's count keeps up to l.Count events while nobody takes them, so
// the wait loses none, and one round trip takes several. It returns the
// limiter's error, or ctx's if it ends first.
func WaitUpTo(ctx context.Context, a UpToAllower, key string, l Limit, n int) (int, error) {
	n = max(n, 1)
	interval := l.Period / time.Duration(max(l.Count, 1))
	chunk := max(1, min(n, l.Count/4))
	for {
		k, retry, err := a.AllowUpTo(ctx, key, l, n)
		if err != nil {
			return 0, err
		}
		if k > 0 {
			return k, nil
		}
		t := time.NewTimer(retry + time.Duration(chunk-1)*interval)
		select {
		case <-ctx.Done():
			t.Stop()
			return 0, ctx.Err()
		case <-t.C:
		}
	}
}
