package auth

import (
	"context"
	"testing"
	"time"

	"github.com/futian/ifutian/internal/dbtest"
)

func TestTokens(t *testing.T) {
	ctx := context.Background()
	s := New(Deps{DB: dbtest.Open(t), ResidentTTL: time.Hour, StaffTTL: time.Minute})
	now := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	s.now = func() time.Time { return now }

	token, exp, err := s.Issue(ctx, Resident, 42)
	if err != nil {
		t.Fatal(err)
	}
	if !exp.Equal(now.Add(time.Hour)) {
		t.Fatalf("expires=%v", exp)
	}
	p, err := s.Verify(ctx, token)
	if err != nil || p.Kind != Resident || p.SubjectID != 42 {
		t.Fatalf("Verify=%+v, %v", p, err)
	}
	t.Run("ErrExpired", func(t *testing.T) {
		now = now.Add(time.Hour + time.Second)
		defer func() { now = now.Add(-time.Hour - time.Second) }()
		if _, err := s.Verify(ctx, token); err != ErrInvalidToken {
			t.Fatalf("expired token: %v", err)
		}
	})
	t.Run("ErrRevoked", func(t *testing.T) {
		tok, _, _ := s.Issue(ctx, Staff, 7)
		if err := s.Revoke(ctx, tok); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Verify(ctx, tok); err != ErrInvalidToken {
			t.Fatalf("revoked token: %v", err)
		}
	})
	t.Run("ErrRevokeAll", func(t *testing.T) {
		a, _, _ := s.Issue(ctx, Resident, 9)
		b, _, _ := s.Issue(ctx, Resident, 9)
		s.Verify(ctx, a) // cached
		if err := s.RevokeAll(ctx, Resident, 9); err != nil {
			t.Fatal(err)
		}
		for _, tok := range []string{a, b} {
			if _, err := s.Verify(ctx, tok); err != ErrInvalidToken {
				t.Fatalf("token after RevokeAll: %v", err)
			}
		}
		if _, err := s.Verify(ctx, token); err != nil {
			t.Fatalf("another subject's token was revoked: %v", err)
		}
	})
	t.Run("ErrForged", func(t *testing.T) {
		for _, tok := range []string{"", "ift_", "ift_" + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", token + "x"} {
			if _, err := s.Verify(ctx, tok); err != ErrInvalidToken {
				t.Fatalf("Verify(%q)=%v", tok, err)
			}
		}
	})
}
