package residents

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/futian/ifutian/internal/apperr"
)

func reasonOf(err error) string {
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Fields["code"] == "" {
		return "not a refusal naming code"
	}
	r, _ := ae.Details["reason"].(string)
	return r
}

// TestMemberCodes: a code names its resident until it expires; expired,
// tampered, truncated and forged codes are refused, and no two codes are
// alike.
func TestMemberCodes(t *testing.T) {
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	c, err := NewMemberCodes(bytes.Repeat([]byte{1}, MemberCodeKeySize), clock)
	if err != nil {
		t.Fatal(err)
	}
	code, exp := c.Issue(123456789)
	if !exp.Equal(now.Add(MemberCodeTTL)) || len(code) > 48 {
		t.Fatalf("code %q (%d characters) expires %v", code, len(code), exp)
	}
	if again, _ := c.Issue(123456789); again == code {
		t.Fatal("two codes alike")
	}
	if id, err := c.Verify("code", code); err != nil || id != 123456789 {
		t.Fatalf("Verify = %d, %v", id, err)
	}

	for i := range len(code) {
		b := []byte(code)
		b[i] = "AB"[0] + (b[i]-'A'+1)%2 // another base64url character
		if b[i] == code[i] {
			b[i]++
		}
		if _, err := c.Verify("code", string(b)); reasonOf(err) != "invalid" {
			t.Fatalf("code with character %d changed: %v", i, err)
		}
	}
	for _, bad := range []string{"", code[:len(code)-1], code + "A", "!!!!", string(bytes.Repeat([]byte("A"), 80))} {
		if _, err := c.Verify("code", bad); reasonOf(err) != "invalid" {
			t.Fatalf("code %q: %v", bad, err)
		}
	}
	other, _ := NewMemberCodes(bytes.Repeat([]byte{2}, MemberCodeKeySize), clock)
	forged, _ := other.Issue(123456789)
	if _, err := c.Verify("code", forged); reasonOf(err) != "invalid" {
		t.Fatalf("a code signed with another key: %v", err)
	}

	now = exp.Add(-time.Second)
	if _, err := c.Verify("code", code); err != nil {
		t.Fatalf("a second before expiry: %v", err)
	}
	now = exp
	if _, err := c.Verify("code", code); reasonOf(err) != "expired" {
		t.Fatalf("at expiry: %v", err)
	}
	now = exp.Add(time.Hour)
	if _, err := c.Verify("code", code); reasonOf(err) != "expired" {
		t.Fatalf("an hour after expiry: %v", err)
	}
	if _, err := NewMemberCodes([]byte("short"), nil); err == nil {
		t.Fatal("a short key accepted")
	}
}
