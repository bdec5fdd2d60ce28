package auth

import (
	"context"
	"crypto/sha256"
	"sync"
	"testing"
	"time"

	"github.com/futian/ifutian/internal/dbtest"
)

// TestRefreshDue: a cached token in use is read again before its entry
// runs out; the read extends a live one and drops one revoked by another
// instance, so that revocation elsewhere still takes effect within the
// cache's TTL.
func TestRefreshDue(t *testing.T) {
	ctx := context.Background()
	gdb := dbtest.Open(t)
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	here, other := New(Deps{DB: gdb, ResidentTTL: time.Hour, StaffTTL: time.Hour}), New(Deps{DB: gdb, ResidentTTL: time.Hour, StaffTTL: time.Hour})
	here.now, other.now = clock, clock
	settle := func() {
		for {
			here.mu.Lock()
			busy := here.refreshing
			here.mu.Unlock()
			if !busy {
				return
			}
			time.Sleep(time.Millisecond)
		}
	}
	until := func(token string) (time.Time, bool) {
		h := hashOf(token)
		here.mu.Lock()
		defer here.mu.Unlock()
		c, ok := here.cache[h]
		return c.until, ok
	}

	kept, _, err := here.Issue(ctx, Resident, 1)
	if err != nil {
		t.Fatal(err)
	}
	revoked, _, err := here.Issue(ctx, Resident, 2)
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{kept, revoked} {
		if _, err := here.Verify(ctx, tok); err != nil {
			t.Fatal(err)
		}
	}
	first, _ := until(kept)
	if err := other.Revoke(ctx, revoked); err != nil {
		t.Fatal(err)
	}
	// Within the first half of the TTL an entry answers and nothing is read.
	advance(here.cacheTTL / 4)
	if _, err := here.Verify(ctx, kept); err != nil {
		t.Fatal(err)
	}
	settle()
	if u, _ := until(kept); !u.Equal(first) {
		t.Fatalf("entry refreshed too early: until %v, was %v", u, first)
	}
	// Past half of it, a use reads the session again, in the background.
	advance(here.cacheTTL / 2)
	for _, tok := range []string{kept, revoked} {
		if _, err := here.Verify(ctx, tok); err != nil {
			t.Fatalf("a cached entry answers until it runs out: %v", err)
		}
	}
	settle()
	if u, ok := until(kept); !ok || !u.After(first) {
		t.Fatalf("live token's entry not extended: until %v (was %v), cached %v", u, first, ok)
	}
	if _, ok := until(revoked); ok {
		t.Fatal("the token revoked by another instance is still cached after its refresh")
	}
	if _, err := here.Verify(ctx, revoked); err != ErrInvalidToken {
		t.Fatalf("revoked elsewhere: %v, want ErrInvalidToken", err)
	}
	// Past the first entry's end, the extended one still answers.
	advance(here.cacheTTL / 2)
	if p, err := here.Verify(ctx, kept); err != nil || p.SubjectID != 1 {
		t.Fatalf("kept token: %+v, %v", p, err)
	}
}

func hashOf(token string) [32]byte { return sha256.Sum256([]byte(token)) }
