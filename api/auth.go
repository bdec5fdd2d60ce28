package api

import (
	"context"
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/futian/ifutian/auth"
	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/ratelimit"
	"github.com/futian/ifutian/residents"
	"github.com/futian/ifutian/staff"
	"github.com/futian/ifutian/wechat"
)

const (
	principalKey = "principal"
	memberKey    = "staff_member"
	tokenKey     = "token"
)

var errForbidden = apperr.New(apperr.PermissionDenied, "无权执行此操作")

// authenticate verifies the bearer token, or else the console's session
// cookie (whose unsafe requests must pass the CSRF check: 403); a missing,
// tampered, expired or revoked token is 401.
func (s *Server) authenticate(c *gin.Context) {
	token, ok := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
	fromCookie := false
	if !ok {
		// The console's session cookie (session_cookie.go), when there is
		// no bearer token.
		ck, err := c.Cookie(sessionCookie)
		if err != nil || ck == "" {
			s.fail(c, apperr.New(apperr.Unauthenticated, "需要登录"))
			return
		}
		token, fromCookie = ck, true
	}
	token = strings.TrimSpace(token)
	p, err := s.Auth.Verify(c.Request.Context(), token)
	if err != nil {
		s.fail(c, err)
		return
	}
	if fromCookie {
		if p.Kind != auth.Staff { // only staff login sets the cookie
			s.fail(c, auth.ErrInvalidToken)
			return
		}
		if err := checkCookieRequest(c, token); err != nil {
			s.fail(c, err)
			return
		}
	}
	c.Set(principalKey, p)
	c.Set(tokenKey, token)
	c.Next()
}

// residentOnly admits resident tokens, and limits their writes per token.
func (s *Server) residentOnly(c *gin.Context) {
	p := principal(c)
	if p.Kind != auth.Resident {
		s.fail(c, apperr.New(apperr.PermissionDenied, "仅限居民使用"))
		return
	}
	if c.Request.Method != http.MethodGet {
		if err := s.throttle(c, "resident-write:"+strconv.FormatInt(p.SubjectID, 10), s.Limits.ResidentWrites); err != nil {
			s.fail(c, err)
			return
		}
	}
	c.Next()
}

// throttle takes one event for key under l; past the limit it returns a
// rate_limited error carrying Retry-After. A limiter outage lets the
// request through (logged): availability wins over throttling.
func (s *Server) throttle(c *gin.Context, key string, l ratelimit.Limit) error {
	if s.Limiter == nil || l.Count == 0 {
		return nil
	}
	ok, wait, err := s.Limiter.Allow(c.Request.Context(), key, l)
	if err != nil {
		s.Log.WarnContext(c.Request.Context(), "rate limiter unavailable", "request_id", requestID(c), "err", err)
		return nil
	}
	if !ok {
		return rateLimited(int(math.Ceil(wait.Seconds())))
	}
	return nil
}

// staffOnly admits staff tokens of enabled accounts and loads the member.
func (s *Server) staffOnly(c *gin.Context) {
	p := principal(c)
	if p.Kind != auth.Staff {
		s.fail(c, errForbidden)
		return
	}
	m, err := s.Staff.FindActive(c.Request.Context(), p.SubjectID)
	if err != nil && !errors.Is(err, staff.ErrNotFound) {
		s.fail(c, err) // not the token's fault: a database outage is a 503, not a logout
		return
	}
	if err != nil || m.Disabled {
		s.fail(c, auth.ErrInvalidToken)
		return
	}
	c.Set(memberKey, m)
	c.Next()
}

// require admits staff members who hold permission perm.
func (s *Server) require(perm staff.Permission) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !actor(c).Can(perm) {
			s.fail(c, errForbidden)
			return
		}
		c.Next()
	}
}

// audited appends an audit entry after every successful staff write, and
// after staff reads of personal data (readsPersonal).
func (s *Server) audited(readsPersonal bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.Method == http.MethodGet && !readsPersonal {
			c.Next()
			return
		}
		m := actor(c)
		targetKind, targetID := auditTarget(c.FullPath(), c.Params)
		// The entry travels with the request: the transaction that makes
		// the change writes it before it commits (db.Transact), so a change
		// is never without its entry.
		ctx, p := s.Staff.BeginAudit(c.Request.Context(), staff.AuditEntry{
			ActorID: m.ID, Actor: m.Username, Action: c.Request.Method + " " + c.FullPath(),
			TargetKind: targetKind, TargetID: targetID, IP: c.ClientIP(), RequestID: requestID(c),
		})
		c.Request = c.Request.WithContext(ctx)
		c.Next()
		if d := c.GetString(auditDetailKey); d != "" {
			p.SetDetail(d)
		}
		// A read of personal data, or a change made without a transaction
		// of its own, is recorded now that it succeeded. The request has
		// been answered: a failed audit write must be loud.
		if err := p.Finish(context.WithoutCancel(ctx), c.Writer.Status() < 400); err != nil {
			s.Log.ErrorContext(ctx, "audit write failed", "request_id", requestID(c), "route", c.FullPath(), "err", err)
		}
	}
}

const auditDetailKey = "audit_detail"

// auditTarget names what a route acts on: the path segment before its last
// parameter and that parameter's value (/admin/notices/:id/approve →
// "notices", "12"), or the route's last segment when it has none.
func auditTarget(route string, params gin.Params) (kind, id string) {
	segs := strings.Split(strings.Trim(route, "/"), "/")
	for i, seg := range segs {
		if strings.HasPrefix(seg, ":") && i > 0 {
			kind, id = segs[i-1], params.ByName(seg[1:])
		}
	}
	if kind == "" && len(segs) > 0 {
		kind = segs[len(segs)-1]
	}
	return kind, id
}

// auditDetail adds a short, non-personal description to the audit entry of
// this request (e.g. the ID of what was created).
func auditDetail(c *gin.Context, detail string) { c.Set(auditDetailKey, detail) }

// principal returns the verified token holder.
func principal(c *gin.Context) auth.Principal {
	p, _ := c.Get(principalKey)
	pr, _ := p.(auth.Principal)
	return pr
}

// residentID returns the calling resident's ID.
func residentID(c *gin.Context) int64 { return principal(c).SubjectID }

// actor returns the calling staff member.
func actor(c *gin.Context) *staff.Member {
	m, _ := c.Get(memberKey)
	sm, _ := m.(*staff.Member)
	return sm
}

type residentLogin struct {
	Token     string             `json:"token" doc:"the bearer token"`
	ExpiresAt time.Time          `json:"expires_at"`
	Resident  residents.Resident `json:"resident"`
	Created   bool               `json:"created" doc:"true when this login created the resident"`
}

// wechatLoginRequest is a resident's login: the code of wx.login.
type wechatLoginRequest struct {
	Code string `json:"code" binding:"required,max=128" doc:"the code of wx.login" example:"mock:alice"`
}

var wechatLoginOp = op{
	Tag: "auth", Summary: "微信登录（居民）",
	Description: "Log a resident in with a wx.login code. With the built-in fake WeChat, code mock:<name> logs in as openid " +
		"mock_<name>; other codes get 400 (WeChat 40029).",
	Body:    wechatLoginRequest{},
	Replies: []reply{ok(residentLogin{})},
}

func (s *Server) wechatLogin(c *gin.Context) {
	var req wechatLoginRequest
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	sess, err := s.WeChat.Login(c.Request.Context(), req.Code)
	if err != nil {
		s.fail(c, wechatError(err, "code"))
		return
	}
	r, created, err := s.Residents.Login(c.Request.Context(), sess.OpenID, sess.UnionID)
	if err != nil {
		s.fail(c, err)
		return
	}
	token, exp, err := s.Auth.Issue(c.Request.Context(), auth.Resident, r.ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, residentLogin{Token: token, ExpiresAt: exp, Resident: *r, Created: created})
}

// wechatError maps a WeChat failure: a bad or used code is the client's
// fault (400 naming field), an outage is 503, anything else is internal.
func wechatError(err error, field string) error {
	switch {
	case wechat.IsInvalidCode(err):
		return apperr.Field(field, "微信授权码无效或已使用")
	case wechat.IsTransient(err):
		return apperr.New(apperr.Unavailable, "微信服务暂不可用，请稍后再试")
	}
	return err
}

// staffLoginRequest is a staff member's sign-in.
type staffLoginRequest struct {
	Username string `json:"username" binding:"required,max=64" example:"admin"`
	Password string `json:"password" binding:"required,max=128" example:"change-me-please"`
	// Cookie asks for the console's cookie session instead of a token
	// in the body (session_cookie.go).
	Cookie bool `json:"cookie" doc:"start a cookie session (the console) instead of returning a token"`
}

// staffLogin is the answer of a staff sign-in: a token, or with a cookie
// session the CSRF token its unsafe requests repeat.
type staffLoginReply struct {
	Token     string       "json:\"token,omitempty\" doc:\"the bearer token; absent with `cookie: true`\""
	CSRFToken string       "json:\"csrf_token,omitempty\" doc:\"with `cookie: true` only: the value of `X-CSRF-Token` for unsafe requests of this session\""
	ExpiresAt time.Time    `json:"expires_at"`
	Staff     staff.Member `json:"staff"`
}

var staffLoginOp = op{
	Tag: "auth", Summary: "工作人员登录",
	Description: "Log a staff member in. Wrong credentials get 401. Failed attempts are limited per username and client address, " +
		"per username and per address (429 with Retry-After); a success never counts and clears its address's failures for the " +
		"username. With `cookie: true` (the console) the session is set as the `ifutian_staff` cookie instead of a token in the " +
		"body, and the answer carries the `csrf_token` that unsafe cookie-authenticated requests send as `X-CSRF-Token` (see the " +
		"security scheme staffCookie).",
	Body: staffLoginRequest{},
	Replies: []reply{{Status: http.StatusOK, Description: "OK", Body: staffLoginReply{},
		Headers: map[string]string{"Set-Cookie": "with `cookie: true`: `ifutian_staff` (the session) and `ifutian_csrf` (its CSRF token)"}}},
	Errors: []int{http.StatusUnauthorized, http.StatusTooManyRequests},
}

func (s *Server) staffLogin(c *gin.Context) {
	var req staffLoginRequest
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	ctx := c.Request.Context()
	keys := s.loginKeys(c, req.Username)
	if err := s.loginAllowed(c, keys); err != nil {
		s.fail(c, err)
		return
	}
	m, err := s.Staff.Authenticate(ctx, req.Username, req.Password)
	if err != nil {
		if isWrongPassword(err, "") {
			s.loginFailed(c, keys)
		}
		s.fail(c, err)
		return
	}
	s.loginSucceeded(c, keys)
	token, exp, err := s.Auth.Issue(ctx, auth.Staff, m.ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	if req.Cookie {
		// The token goes only into the HttpOnly cookie; the page gets the
		// CSRF token its unsafe requests must repeat.
		setSessionCookies(c, token, exp)
		c.JSON(http.StatusOK, staffLoginReply{CSRFToken: csrfToken(token), ExpiresAt: exp, Staff: *m})
		return
	}
	c.JSON(http.StatusOK, staffLoginReply{Token: token, ExpiresAt: exp, Staff: *m})
}

var logoutOp = op{
	Tag: "auth", Summary: "退出登录（注销当前令牌）",
	Description: "Revoke the calling token (bearer or the console's session cookie, which is cleared). With the cookie it needs " +
		"`X-CSRF-Token` like every unsafe request (403 naming it).",
	Replies: []reply{noContent()},
	Errors:  []int{http.StatusForbidden},
}

func (s *Server) logout(c *gin.Context) {
	if err := s.Auth.Revoke(c.Request.Context(), c.GetString(tokenKey)); err != nil {
		s.fail(c, err)
		return
	}
	clearSessionCookies(c)
	c.Status(http.StatusNoContent)
}
