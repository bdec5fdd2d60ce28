package activities

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"time"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/staff"
)

// Actions at the venue.
const (
	CheckIn  = "check_in"
	CheckOut = "check_out"
)

// CodeWindow is how long a venue code is current: the check-in page shows
// a new one every window, and a code is accepted in its own window and the
// next, so it lasts 30 to 60 seconds: long enough to scan, too short to
// pass on.
const CodeWindow = 30 * time.Second

// A venue code is base64url (no padding) of
//
//	version (1 byte) | action (1 byte: 'i' or 'o') | activity ID (uvarint) | window (uvarint) | MAC (12 bytes)
//
// where window counts CodeWindows since the Unix epoch and the MAC is
// HMAC-SHA-256 of everything before it, truncated to 96 bits, under a key
// derived from IFUTIAN_MEMBER_CODE_KEY (its own, so it can't pass for a
// member code). About 30 characters.
const (
	venueCodeVersion = 2
	venueCodeMAC     = 12
)

var actionByte = map[Action]byte{CheckIn: 'i', CheckOut: 'o'}

// VenueCode is the code shown at an activity's door for one action.
type VenueCode struct {
	Code   string `json:"code" doc:"show as a QR code; residents scan it with POST /activities/scan"`
	Action Action `json:"action"`
	// ExpiresAt is when the code stops being accepted.
	ExpiresAt time.Time `json:"expires_at" doc:"accepted until then (30–60 s)"`
	// RefreshAt is when the page should show the next code.
	RefreshAt time.Time `json:"refresh_at" doc:"show the next code from then (every 30 s)"`
}

func window(t time.Time) uint64 { return uint64(t.Unix() / int64(CodeWindow/time.Second)) }

func windowStart(w uint64) time.Time {
	return time.Unix(int64(w)*int64(CodeWindow/time.Second), 0).UTC()
}

func (s *Service) venueMAC(b []byte) []byte {
	m := hmac.New(sha256.New, s.codeKey)
	m.Write(b)
	return m.Sum(nil)[:venueCodeMAC]
}

// issueVenueCode makes the code of an action at an activity for the window
// of now.
func (s *Service) issueVenueCode(activityID int64, action Action, now time.Time) VenueCode {
	w := window(now)
	b := []byte{venueCodeVersion, actionByte[action]}
	b = binary.AppendUvarint(b, uint64(activityID))
	b = binary.AppendUvarint(b, w)
	b = append(b, s.venueMAC(b)...)
	return VenueCode{
		Code: base64.RawURLEncoding.EncodeToString(b), Action: action,
		ExpiresAt: windowStart(w + 2), RefreshAt: windowStart(w + 1),
	}
}

// parseVenueCode returns the activity and action a venue code is for. A
// malformed, forged or tampered code is an invalid_argument naming "code";
// so is one from before the previous window (details.reason "expired").
func (s *Service) parseVenueCode(code string, now time.Time) (int64, Action, error) {
	invalid := apperr.Field("code", "签到码无效").Because(apperr.ReasonInvalid)
	if len(code) > 64 {
		return 0, "", invalid
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(code)
	if err != nil || len(b) < 2+1+1+venueCodeMAC || b[0] != venueCodeVersion {
		return 0, "", invalid
	}
	body, sum := b[:len(b)-venueCodeMAC], b[len(b)-venueCodeMAC:]
	if !hmac.Equal(sum, s.venueMAC(body)) {
		return 0, "", invalid
	}
	var action Action
	for a, c := range actionByte {
		if body[1] == c {
			action = a
		}
	}
	id, n := binary.Uvarint(body[2:])
	if action == "" || n <= 0 || id == 0 || id > 1<<62 {
		return 0, "", invalid
	}
	w, m := binary.Uvarint(body[2+n:])
	if m <= 0 || 2+n+m != len(body) {
		return 0, "", invalid
	}
	if cur := window(now); w != cur && w+1 != cur {
		return 0, "", apperr.Field("code", "签到码已过期，请扫描现场最新的二维码").Because(apperr.ReasonExpired)
	}
	return int64(id), action, nil
}

// VenueCode returns the current code of an action (CheckIn or CheckOut)
// at a published activity within m's scope, for its door page. Returns
// ErrNotFound outside m's scope (or for a draft), ErrCancelled and
// ErrEnded.
func (s *Service) VenueCode(ctx context.Context, m *staff.Member, id int64, action Action) (*VenueCode, error) {
	if _, ok := actionByte[action]; !ok {
		return nil, apperr.Field("action", "须为 check_in 或 check_out")
	}
	now := s.clock()
	a, err := s.owned(s.db.WithContext(ctx), m.Scope(), id, false)
	if err != nil {
		return nil, err
	}
	switch {
	case a.Status == Draft:
		return nil, ErrNotFound
	case a.Status == Cancelled:
		return nil, ErrCancelled
	case !now.Before(a.EndsAt.Add(CheckoutGrace)):
		return nil, ErrEnded
	}
	c := s.issueVenueCode(id, action, now)
	return &c, nil
}
