package media

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/url"
	"strconv"
	"time"
)

// What a signed link names: a request photo or a resident's avatar.
const (
	KindPhoto  = "photos"
	KindAvatar = "avatars"
)

// Sizes of a picture a link may name: the stored picture or its thumbnail.
const (
	SizeFull  = ""
	SizeThumb = "thumb"
)

// Link lifetimes: a link is valid LinkTTL at least and LinkTTL+LinkStep at
// most. Its expiry is rounded up to a multiple of LinkStep, so that the
// links a client is given within one step are the same and its image cache
// serves them again.
const (
	LinkTTL  = 10 * time.Minute
	LinkStep = 5 * time.Minute
)

// LinkPath is where the signed links are served.
const LinkPath = "/api/v1/media/"

// Signer makes and checks links to one stored picture that need no
// header, as an <image> of the mini program fetches them: an HMAC-SHA-256
// over the picture's kind, ID, size and the link's expiry, under a key
// every instance shares. It is safe for concurrent use.
type Signer struct {
	key  []byte
	base string
}

// NewSigner returns a Signer under key (derived from the member-code key
// with a label of its own) whose links start with base, the server's
// public URL ("" for paths on this server).
func NewSigner(key []byte, base string) *Signer {
	return &Signer{key: append([]byte(nil), key...), base: base}
}

// Link is a signed link and when it stops working.
type Link struct {
	URL       string
	ExpiresAt time.Time
}

// Link returns a link to picture id of kind in size, valid from now (the
// wall clock, which Verify reads too) for LinkTTL to LinkTTL+LinkStep.
func (s *Signer) Link(kind string, id int64, size string) Link {
	return s.LinkAt(kind, id, size, time.Now())
}

// LinkAt returns the link Link gives at now.
func (s *Signer) LinkAt(kind string, id int64, size string, now time.Time) Link {
	exp := now.Add(LinkTTL).Truncate(LinkStep).Add(LinkStep).Unix()
	q := url.Values{}
	q.Set("exp", strconv.FormatInt(exp, 10))
	if size != SizeFull {
		q.Set("size", size)
	}
	q.Set("sig", s.sign(kind, id, size, exp))
	return Link{
		URL:       s.base + LinkPath + kind + "/" + strconv.FormatInt(id, 10) + "?" + q.Encode(),
		ExpiresAt: time.Unix(exp, 0).UTC(),
	}
}

// Verify reports whether sig signs picture id of kind in size until exp
// (Unix seconds), and how long the link has left at now. It is false for
// an expired link, one whose parts were changed, and one signed for
// another picture, kind or size.
func (s *Signer) Verify(kind string, id int64, size, exp, sig string, now time.Time) (time.Duration, bool) {
	e, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || id <= 0 {
		return 0, false
	}
	left := time.Unix(e, 0).Sub(now)
	if left <= 0 || left > LinkTTL+LinkStep {
		return 0, false
	}
	want := s.sign(kind, id, size, e)
	if !hmac.Equal([]byte(sig), []byte(want)) {
		return 0, false
	}
	return left, true
}

func (s *Signer) sign(kind string, id int64, size string, exp int64) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte("ifutian media link v1\n" + kind + "\n" + strconv.FormatInt(id, 10) + "\n" + size + "\n" + strconv.FormatInt(exp, 10)))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}
