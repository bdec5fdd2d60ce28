package api

import (
	"errors"
	"math"

	"github.com/gin-gonic/gin"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/ratelimit"
	"github.com/futian/ifutian/staff"
)

// Staff sign-in is throttled on failures only, under three keys, so that
// guessing is slow while a member who knows their password is not locked
// out by someone else:
//
//   - the pair (username, client IP): a few failures, then one every few
//     minutes. Someone guessing a member's password from elsewhere uses up
//     their own pair, not the member's.
//   - the username from everywhere: a bound well above what one address
//     can spend through its pair, against guessing spread over many
//     addresses.
//   - the client IP over every username: failures only, high enough for a
//     street office behind one NAT.
//
// A successful sign-in is never counted and clears its pair's failures.
// The README's security section states the numbers (DefaultLimits).
type loginKeys struct{ pair, user, ip string }

func (s *Server) loginKeys(c *gin.Context, username string) loginKeys {
	u := staff.NormalizeUsername(username)
	ip := c.ClientIP()
	return loginKeys{pair: "staff-login-pair:" + u + "|" + ip, user: "staff-login-user:" + u, ip: "staff-login-ip:" + ip}
}

func (k loginKeys) each(l Limits, fn func(key string, l ratelimit.Limit) error) error {
	for _, kl := range []struct {
		key string
		l   ratelimit.Limit
	}{{k.pair, l.StaffLoginPerPair}, {k.user, l.StaffLoginPerUser}, {k.ip, l.StaffLoginPerIP}} {
		if kl.l.Count == 0 {
			continue
		}
		if err := fn(kl.key, kl.l); err != nil {
			return err
		}
	}
	return nil
}

// loginAllowed refuses (429 with Retry-After) a sign-in whose pair,
// username or IP has used up its failures; it takes nothing. A limiter
// outage lets the attempt through (logged), like throttle.
func (s *Server) loginAllowed(c *gin.Context, k loginKeys) error {
	if s.Limiter == nil {
		return nil
	}
	return k.each(s.Limits, func(key string, l ratelimit.Limit) error {
		ok, wait, err := s.Limiter.Peek(c.Request.Context(), key, l)
		if err != nil {
			s.Log.WarnContext(c.Request.Context(), "rate limiter unavailable", "request_id", requestID(c), "err", err)
			return nil
		}
		if !ok {
			return rateLimited(int(math.Ceil(wait.Seconds())))
		}
		return nil
	})
}

// loginFailed counts one failure against the pair, the username and the IP.
func (s *Server) loginFailed(c *gin.Context, k loginKeys) {
	if s.Limiter == nil {
		return
	}
	_ = k.each(s.Limits, func(key string, l ratelimit.Limit) error {
		if _, _, err := s.Limiter.Allow(c.Request.Context(), key, l); err != nil {
			s.Log.WarnContext(c.Request.Context(), "rate limiter unavailable", "request_id", requestID(c), "err", err)
		}
		return nil
	})
}

// loginSucceeded clears the pair's failures: a member who signed in is not
// held back by their own earlier typos. The username's and the IP's
// counts stay, so a success does not buy a guesser fresh attempts.
func (s *Server) loginSucceeded(c *gin.Context, k loginKeys) {
	if s.Limiter == nil {
		return
	}
	if err := s.Limiter.Reset(c.Request.Context(), k.pair); err != nil {
		s.Log.WarnContext(c.Request.Context(), "rate limiter unavailable", "request_id", requestID(c), "err", err)
	}
}

// isWrongPassword reports whether err is a refused password, the failure
// the sign-in throttle counts (not a bad request or an outage).
func isWrongPassword(err error, field string) bool {
	if errors.Is(err, staff.ErrBadCredentials) {
		return true
	}
	var ae *apperr.Error
	if field != "" && errors.As(err, &ae) {
		_, ok := ae.Fields[field]
		return ok
	}
	return false
}
