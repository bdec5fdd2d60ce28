// Package auth issues, checks and revokes bearer tokens for residents and
// staff. Tokens are opaque random strings; only their SHA-256 is stored, so
// a copy of the database cannot be used to log in.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/clock"
)

// Kind says whom a token belongs to.
type Kind string

// The two kinds of token holder.
const (
	Resident Kind = "resident"
	Staff    Kind = "staff"
)

// ErrInvalidToken is returned for a missing, malformed, tampered, expired
// or revoked token.
var ErrInvalidToken = apperr.New(apperr.Unauthenticated, "登录已失效，请重新登录")

// Principal is the verified holder of a token.
type Principal struct {
	Kind      Kind
	SubjectID int64
	ExpiresAt time.Time
}

type session struct {
	ID          int64
	TokenHash   []byte
	SubjectKind Kind
	SubjectID   int64
	ExpiresAt   time.Time
	RevokedAt   *time.Time
	CreatedAt   time.Time
}

// Service issues and verifies tokens. Verified tokens are cached in memory
// for a few seconds; revocation through this Service clears the cache once
// the revocation is committed, revocation by another instance takes effect
// within cacheTTL. A token in use is read again before its entry runs out,
// together with the others due (refreshDue), so that a busy instance reads
// its live sessions a few hundred at a time instead of one per request.
type Service struct {
	db       *gorm.DB
	now      func() time.Time
	ttl      map[Kind]time.Duration
	cacheTTL time.Duration

	mu    sync.Mutex
	cache map[[32]byte]cached
	// gen counts the cache invalidations made after revocations. A Verify
	// caches the session it read only if gen has not moved since before
	// its read: one that read a session before a revocation committed
	// cannot cache it after the revocation's invalidation.
	gen uint64
	// due are the cached tokens to read again, in one statement, before
	// their entries run out; refreshing says a refreshDue is under way.
	due        [][32]byte
	refreshing bool
}

type cached struct {
	p     Principal
	until time.Time
	due   bool // in Service.due
}

// refreshBatch is the most tokens one refresh reads, and refreshGather how
// long a refresh waits for more to fall due before it reads.
const (
	refreshBatch  = 500
	refreshGather = 100 * time.Millisecond
)

// Deps is what a Service is built from.
type Deps struct {
	DB          *gorm.DB
	ResidentTTL time.Duration    // how long a resident's token lives
	StaffTTL    time.Duration    // how long a staff member's token lives
	Now         func() time.Time // nil: time.Now
}

// New returns a Service whose resident tokens live d.ResidentTTL and staff
// tokens d.StaffTTL.
func New(d Deps) *Service {
	return &Service{
		db:       d.DB,
		now:      clock.Or(d.Now),
		ttl:      map[Kind]time.Duration{Resident: d.ResidentTTL, Staff: d.StaffTTL},
		cacheTTL: 5 * time.Second,
		cache:    map[[32]byte]cached{},
	}
}

const tokenPrefix = "ift_"

// Issue creates a token for a subject and returns it with its expiry.
func (s *Service) Issue(ctx context.Context, kind Kind, subjectID int64) (string, time.Time, error) {
	var raw [32]byte
	rand.Read(raw[:])
	token := tokenPrefix + base64.RawURLEncoding.EncodeToString(raw[:])
	h := sha256.Sum256([]byte(token))
	now := s.now().UTC()
	sess := session{TokenHash: h[:], SubjectKind: kind, SubjectID: subjectID, ExpiresAt: now.Add(s.ttl[kind]), CreatedAt: now}
	if err := s.db.WithContext(ctx).Create(&sess).Error; err != nil {
		return "", time.Time{}, fmt.Errorf("issue token: %w", err)
	}
	return token, sess.ExpiresAt, nil
}

// Verify returns the holder of a live token. Returns ErrInvalidToken
// otherwise.
func (s *Service) Verify(ctx context.Context, token string) (Principal, error) {
	if !strings.HasPrefix(token, tokenPrefix) || len(token) != len(tokenPrefix)+43 {
		return Principal{}, ErrInvalidToken
	}
	h := sha256.Sum256([]byte(token))
	now := s.now()
	s.mu.Lock()
	c, ok := s.cache[h]
	gen := s.gen
	if ok && now.Before(c.until) && now.Before(c.p.ExpiresAt) {
		if !c.due && c.until.Sub(now) < s.cacheTTL/2 {
			// Half its time gone: read it again, with the others due,
			// while this entry still answers.
			c.due = true
			s.cache[h] = c
			s.due = append(s.due, h)
			if !s.refreshing {
				s.refreshing = true
				go s.refreshDue()
			}
		}
		s.mu.Unlock()
		return c.p, nil
	}
	s.mu.Unlock()
	var sess session
	err := s.db.WithContext(ctx).Where("token_hash = ?", h[:]).Take(&sess).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Principal{}, ErrInvalidToken
	}
	if err != nil {
		return Principal{}, fmt.Errorf("verify token: %w", err)
	}
	if sess.RevokedAt != nil || !now.Before(sess.ExpiresAt) {
		return Principal{}, ErrInvalidToken
	}
	p := Principal{Kind: sess.SubjectKind, SubjectID: sess.SubjectID, ExpiresAt: sess.ExpiresAt}
	s.mu.Lock()
	if s.gen == gen { // else a revocation may have committed since the read
		if len(s.cache) > 100_000 {
			clear(s.cache) // bounded memory; the cache refills from the database
		}
		s.cache[h] = cached{p: p, until: now.Add(s.cacheTTL)}
	}
	s.mu.Unlock()
	return p, nil
}

// refreshDue reads the sessions of the tokens due (Service.due), a batch
// at a time, and extends the cache entries of the live ones as Verify
// would have: to cacheTTL after the read began, unless a revocation was
// made through this Service meanwhile (Service.gen). A token revoked,
// expired or unknown leaves the cache; an entry not read again (an error)
// runs out as it would have.
func (s *Service) refreshDue() {
	for {
		// Entries fall due at half their TTL: waiting a moment for the
		// tokens used meanwhile makes one read of many.
		time.Sleep(refreshGather)
		s.mu.Lock()
		n := min(len(s.due), refreshBatch)
		if n == 0 {
			s.due, s.refreshing = nil, false
			s.mu.Unlock()
			return
		}
		batch := s.due[:n:n]
		s.due = s.due[n:]
		gen := s.gen
		s.mu.Unlock()

		hashes := make([][]byte, len(batch))
		for i := range batch {
			hashes[i] = batch[i][:]
		}
		now := s.now()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		var sessions []session
		err := s.db.WithContext(ctx).Where("token_hash IN ?", hashes).Find(&sessions).Error
		cancel()
		live := make(map[[32]byte]Principal, len(sessions))
		for _, sess := range sessions {
			if sess.RevokedAt == nil && now.Before(sess.ExpiresAt) && len(sess.TokenHash) == 32 {
				live[[32]byte(sess.TokenHash)] = Principal{Kind: sess.SubjectKind, SubjectID: sess.SubjectID, ExpiresAt: sess.ExpiresAt}
			}
		}
		s.mu.Lock()
		for _, h := range batch {
			c, ok := s.cache[h]
			if !ok {
				continue // revoked here meanwhile, or the cache was cleared
			}
			c.due = false
			p, isLive := live[h]
			switch {
			case err != nil || s.gen != gen:
				s.cache[h] = c // runs out as it would have
			case !isLive:
				delete(s.cache, h)
			default:
				c.p, c.until = p, now.Add(s.cacheTTL)
				s.cache[h] = c
			}
		}
		s.mu.Unlock()
	}
}

// Revoke ends one token. Revoking an unknown or revoked token is not an error.
// Once it returns, the token fails on this instance.
func (s *Service) Revoke(ctx context.Context, token string) error {
	h := sha256.Sum256([]byte(token))
	now := s.now().UTC()
	err := s.db.WithContext(ctx).Model(&session{}).Where("token_hash = ? AND revoked_at IS NULL", h[:]).Update("revoked_at", now).Error
	// The cache is cleared after the revocation is committed (and whatever
	// the outcome): clearing it before let a Verify running meanwhile read
	// the session still live and cache it for cacheTTL after the logout.
	s.mu.Lock()
	s.gen++ // see Service.gen
	delete(s.cache, h)
	s.mu.Unlock()
	if err != nil {
		return fmt.Errorf("revoke token: %w", err)
	}
	return nil
}

// RevokeAll ends every token of a subject (account deletion, staff removal).
func (s *Service) RevokeAll(ctx context.Context, kind Kind, subjectID int64) error {
	err := s.RevokeAllTx(s.db.WithContext(ctx), kind, subjectID)
	s.Forget(kind, subjectID)
	return err
}

// RevokeAllTx is RevokeAll inside the caller's transaction. The caller must
// call Forget once the transaction has committed: until then this
// instance may keep serving the subject's tokens from its cache.
func (s *Service) RevokeAllTx(tx *gorm.DB, kind Kind, subjectID int64) error {
	err := tx.Model(&session{}).Where("subject_kind = ? AND subject_id = ? AND revoked_at IS NULL", kind, subjectID).Update("revoked_at", s.now().UTC()).Error
	if err != nil {
		return fmt.Errorf("revoke tokens: %w", err)
	}
	return nil
}

// Forget drops a subject's tokens from this instance's cache, so the next
// Verify of each reads the database. Call it after the transaction of
// RevokeAllTx commits.
func (s *Service) Forget(kind Kind, subjectID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gen++ // see Service.gen
	for h, c := range s.cache {
		if c.p.Kind == kind && c.p.SubjectID == subjectID {
			delete(s.cache, h)
		}
	}
}
