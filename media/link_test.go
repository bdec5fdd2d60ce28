package media

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestSignerLinks(t *testing.T) {
	s := NewSigner([]byte("0123456789abcdef0123456789abcdef"), "https://ifutian.example")
	now := time.Date(2026, 12, 7, 10, 1, 30, 0, time.UTC)
	l := s.LinkAt(KindPhoto, 42, SizeThumb, now)
	if !strings.HasPrefix(l.URL, "https://ifutian.example/api/v1/media/photos/42?") {
		t.Fatalf("link %s", l.URL)
	}
	if got, want := l.ExpiresAt, time.Date(2026, 12, 7, 10, 15, 0, 0, time.UTC); !got.Equal(want) {
		t.Fatalf("expires %v, want %v (10 minutes, rounded up to 5)", got, want)
	}
	// Links given within one step are the same, so clients cache them.
	if again := s.LinkAt(KindPhoto, 42, SizeThumb, now.Add(3*time.Minute)); again != l {
		t.Fatalf("links within one step differ: %s, %s", l.URL, again.URL)
	}
	u, _ := url.Parse(l.URL)
	q := u.Query()
	exp, sig := q.Get("exp"), q.Get("sig")
	other := NewSigner([]byte("another key, another deployment!"), "")
	for _, c := range []struct {
		name       string
		signer     *Signer
		kind       string
		id         int64
		size, exp  string
		sig        string
		at         time.Time
		want       bool
		wantSecond time.Duration
	}{
		{"valid", s, KindPhoto, 42, SizeThumb, exp, sig, now, true, 13*time.Minute + 30*time.Second},
		{"valid to its last second", s, KindPhoto, 42, SizeThumb, exp, sig, l.ExpiresAt.Add(-time.Second), true, time.Second},
		{"expired", s, KindPhoto, 42, SizeThumb, exp, sig, l.ExpiresAt, false, 0},
		{"other photo", s, KindPhoto, 43, SizeThumb, exp, sig, now, false, 0},
		{"full size from a thumbnail's link", s, KindPhoto, 42, SizeFull, exp, sig, now, false, 0},
		{"an avatar", s, KindAvatar, 42, SizeThumb, exp, sig, now, false, 0},
		{"later expiry", s, KindPhoto, 42, SizeThumb, "9999999999", sig, now, false, 0},
		{"tampered signature", s, KindPhoto, 42, SizeThumb, exp, "A" + sig[1:], now, false, 0},
		{"no signature", s, KindPhoto, 42, SizeThumb, exp, "", now, false, 0},
		{"bad expiry", s, KindPhoto, 42, SizeThumb, "soon", sig, now, false, 0},
		{"another key", other, KindPhoto, 42, SizeThumb, exp, sig, now, false, 0},
	} {
		left, ok := c.signer.Verify(c.kind, c.id, c.size, c.exp, c.sig, c.at)
		if ok != c.want || left != c.wantSecond {
			t.Errorf("%s: %v %v, want %v %v", c.name, ok, left, c.want, c.wantSecond)
		}
	}
}
