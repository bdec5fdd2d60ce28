package jobs

import (
	crand "crypto/rand"
	"encoding/hex"
	"math/rand/v2"
	"time"
)

// What every claimer of queued rows shares (the job queue here and the
// notice sends of package notify): a claim token, a lease that must still
// cover a call before it starts, and the retry delay.

// NewToken returns a fresh claim token (24 hex digits): rows claimed under
// it are held by their claimer alone until the lease ends; a claim by
// another claimer replaces the token, so a write guarded by it (WHERE
// claim = token) can never touch a row someone else holds.
func NewToken() string {
	var b [12]byte
	_, _ = crand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Lease is how long a claimer holds its rows: until Until by the claimer's
// clock (instances' clocks are assumed to agree within a second).
type Lease struct {
	Token string
	Until time.Time
}

// Covers reports whether the lease is still held at now with need left:
// a call that may take need must not start otherwise, or another claimer
// could take the row while the call is under way and make it again.
func (l Lease) Covers(now time.Time, need time.Duration) bool {
	return !now.Add(need).After(l.Until)
}

// Backoff is a retry policy: the delay before attempt n+1 after n failed
// attempts is Base·2^(n-1), at most Max, with full jitter on its second
// half so the retries of a burst spread out.
type Backoff struct {
	Base time.Duration
	Max  time.Duration
}

// Delay returns the delay after attempts failed attempts (at least 1).
func (b Backoff) Delay(attempts int) time.Duration {
	d := b.Base
	for i := 1; i < attempts && d < b.Max; i++ {
		d *= 2
	}
	d = min(d, b.Max)
	if d <= 0 {
		return 0
	}
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}
