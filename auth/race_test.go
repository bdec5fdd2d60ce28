package auth

import (
	"context"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/dbtest"
)

// raceRevoke has four goroutines verify token without pause while revoke
// runs; once revoke has returned (and they have stopped) the token must
// fail, whatever the goroutines cached meanwhile. Many trials, because the
// window is small.
func raceRevoke(t *testing.T, s *Service, trials int, issue func(trial int) string, revoke func(trial int, token string) error) {
	t.Helper()
	ctx := context.Background()
	for trial := range trials {
		token := issue(trial)
		if _, err := s.Verify(ctx, token); err != nil {
			t.Fatal(err)
		}
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				for {
					select {
					case <-stop:
						return
					default:
						s.Verify(ctx, token)
					}
				}
			})
		}
		err := revoke(trial, token)
		close(stop)
		wg.Wait()
		if err != nil {
			t.Fatal(err)
		}
		for range 3 {
			if p, err := s.Verify(ctx, token); err != ErrInvalidToken {
				t.Fatalf("trial %d: the revoked token still verifies (%+v, %v)", trial, p, err)
			}
		}
	}
}

// TestRevokeRacingVerify: a Verify that read the session before Revoke
// committed cannot cache it after.
func TestRevokeRacingVerify(t *testing.T) {
	ctx := context.Background()
	s := New(Deps{DB: dbtest.Open(t), ResidentTTL: time.Hour, StaffTTL: time.Hour})
	issue := func(trial int) string {
		token, _, err := s.Issue(ctx, Resident, int64(trial+1))
		if err != nil {
			t.Fatal(err)
		}
		return token
	}
	t.Run("Revoke", func(t *testing.T) {
		raceRevoke(t, s, 50, issue, func(_ int, token string) error { return s.Revoke(ctx, token) })
	})
	t.Run("RevokeAll", func(t *testing.T) {
		raceRevoke(t, s, 50, func(trial int) string { return issue(1000 + trial) },
			func(trial int, _ string) error { return s.RevokeAll(ctx, Resident, int64(1000+trial+1)) })
	})
	t.Run("RevokeAllTx", func(t *testing.T) {
		raceRevoke(t, s, 50, func(trial int) string { return issue(2000 + trial) }, func(trial int, _ string) error {
			id := int64(2000 + trial + 1)
			if err := s.db.Transaction(func(tx *gorm.DB) error { return s.RevokeAllTx(tx, Resident, id) }); err != nil {
				return err
			}
			s.Forget(Resident, id)
			return nil
		})
	})
}
