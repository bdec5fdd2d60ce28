package residents

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/clock"
	"github.com/futian/ifutian/media"
	"github.com/futian/ifutian/staff"
)

// MemberCodeKeySize is the size of the key member codes are signed with.
const MemberCodeKeySize = 32

// MemberCodeTTL is how long a member code is valid: the mini program shows
// it as a QR code and fetches a new one before it expires.
const MemberCodeTTL = time.Minute

// A member code is base64url (no padding) of
//
//	version (1 byte) | resident ID (uvarint) | expiry (uint32, Unix seconds) | nonce (8 bytes) | MAC (16 bytes)
//
// where the MAC is HMAC-SHA-256 of everything before it, truncated to 128
// bits, under a key derived from IFUTIAN_MEMBER_CODE_KEY. It names nothing
// but the resident's internal ID, and only to whoever holds the key; the
// nonce makes every code different. 43–47 characters: a small QR code.
const (
	memberCodeVersion = 1
	memberCodeNonce   = 8
	memberCodeMAC     = 16
)

// Errors of member codes. The field they name is set by the caller
// (VerifyMemberCode's field).
var (
	errMemberCodeInvalid = "会员码无效"
	errMemberCodeExpired = "会员码已过期，请居民刷新后再出示"
)

// MemberCodes issues and verifies residents' member codes: short-lived
// signed tokens that identify a resident to staff (shown as a QR code,
// scanned or typed at a counter) and reveal nothing else. It is safe for
// concurrent use.
type MemberCodes struct {
	key []byte
	now func() time.Time
}

// DeriveKey derives the key of one use (purpose) from a configured key, so
// that one secret signs several kinds of code that can't pass for each
// other.
func DeriveKey(key []byte, purpose string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("ifutian/" + purpose))
	return m.Sum(nil)
}

// NewMemberCodes returns member codes signed under key
// (MemberCodeKeySize random bytes) that expire by the clock now (nil:
// time.Now).
func NewMemberCodes(key []byte, now func() time.Time) (*MemberCodes, error) {
	if len(key) != MemberCodeKeySize {
		return nil, fmt.Errorf("member code key: want %d bytes, got %d", MemberCodeKeySize, len(key))
	}
	return &MemberCodes{key: DeriveKey(key, "member-code"), now: clock.Or(now)}, nil
}

// Issue returns a new code for a resident and when it expires.
func (c *MemberCodes) Issue(residentID int64) (string, time.Time) {
	exp := c.now().Add(MemberCodeTTL).Truncate(time.Second)
	b := []byte{memberCodeVersion}
	b = binary.AppendUvarint(b, uint64(residentID))
	b = binary.BigEndian.AppendUint32(b, uint32(exp.Unix()))
	var nonce [memberCodeNonce]byte
	rand.Read(nonce[:])
	b = append(b, nonce[:]...)
	b = append(b, c.mac(b)...)
	return base64.RawURLEncoding.EncodeToString(b), exp.UTC()
}

func (c *MemberCodes) mac(b []byte) []byte {
	m := hmac.New(sha256.New, c.key)
	m.Write(b)
	return m.Sum(nil)[:memberCodeMAC]
}

// Verify returns the resident a code names. A malformed, forged or
// tampered code is an invalid_argument naming field; so is an expired one
// (details.reason "expired"), however often it was used before.
func (c *MemberCodes) Verify(field, code string) (int64, error) {
	invalid := apperr.Field(field, errMemberCodeInvalid).Because(apperr.ReasonInvalid)
	if len(code) > 64 {
		return 0, invalid
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(code)
	if err != nil || len(b) < 1+1+4+memberCodeNonce+memberCodeMAC || b[0] != memberCodeVersion {
		return 0, invalid
	}
	body, sum := b[:len(b)-memberCodeMAC], b[len(b)-memberCodeMAC:]
	if !hmac.Equal(sum, c.mac(body)) {
		return 0, invalid
	}
	id, n := binary.Uvarint(body[1:])
	if n <= 0 || len(body) != 1+n+4+memberCodeNonce || id == 0 || id > 1<<62 {
		return 0, invalid
	}
	exp := time.Unix(int64(binary.BigEndian.Uint32(body[1+n:])), 0)
	if !c.now().Before(exp) {
		return 0, apperr.Field(field, errMemberCodeExpired).Because(apperr.ReasonExpired)
	}
	return int64(id), nil
}

// MemberCode is a resident's current member code.
type MemberCode struct {
	Code      string    `json:"code" doc:"show as a QR code (or for typing); names only the resident, to whoever holds the server's key; every code is different"`
	ExpiresAt time.Time `json:"expires_at" doc:"about a minute after issue; fetch a new code before then"`
}

// MemberCode issues a member code for a live resident. Returns ErrNotFound
// for an unknown or deleted one.
func (s *Service) MemberCode(ctx context.Context, residentID int64) (*MemberCode, error) {
	ok, err := s.Exists(ctx, residentID)
	if err != nil {
		return nil, fmt.Errorf("member code: %w", err)
	}
	if !ok {
		return nil, ErrNotFound
	}
	code, exp := s.codes.Issue(residentID)
	return &MemberCode{Code: code, ExpiresAt: exp}, nil
}

// Masked is what staff see of a resident they identified by member code:
// enough to greet them and act for them, nothing more.
type Masked struct {
	ID          int64   `json:"id,string"`
	Nickname    string  `json:"nickname"`
	AvatarURL   string  `json:"avatar_url"`
	AvatarKey   *string `json:"-"`
	PhoneMasked string  `json:"phone_masked" doc:"like 138****5678; empty if none bound"`
	Street      string  `json:"street"`
	Community   string  `json:"community"`
}

// ResolveMemberCode returns the masked profile of the resident a member
// code names, for staff within scope. A bad or expired code is an
// invalid_argument naming "code"; a resident deleted since, or living on a
// street the scope does not cover, is ErrNotFound.
func (s *Service) ResolveMemberCode(ctx context.Context, scope staff.Scope, code string) (*Masked, error) {
	id, err := s.codes.Verify("code", code)
	if err != nil {
		return nil, err
	}
	var m Masked
	err = s.db.WithContext(ctx).Table("residents").Select("id, nickname, avatar_url, avatar_key, phone_masked, street, community").
		Where("id = ? AND deleted_at IS NULL", id).Take(&m).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("resolve member code: %w", err)
	}
	if !scope.CoversStreet(m.Street) {
		return nil, ErrNotFound
	}
	staff.AuditTarget(ctx, "resident", fmt.Sprint(id))
	if m.AvatarKey != nil && s.avatars.Links != nil {
		m.AvatarURL = s.avatars.Links.Link(media.KindAvatar, m.ID, media.SizeFull).URL
	}
	return &m, nil
}
