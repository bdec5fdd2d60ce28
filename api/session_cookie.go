package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/futian/ifutian/internal/apperr"
)

// The console keeps its staff session in a cookie, so that it spans the
// member's tabs and survives a reload, while script on the page never holds
// the token:
//
//   - sessionCookie carries the token: HttpOnly, SameSite=Strict, Path
//     /api/v1, and Secure except on plain-http loopback (development; see
//     cookieSecure).
//   - a cookie-authenticated unsafe request (anything but GET, HEAD,
//     OPTIONS) must carry csrfHeader with the session's CSRF token, which
//     staff login returns and csrfCookie (readable by the console's script,
//     Path /) repeats for the member's other tabs. The value is derived
//     from the token, so a cookie planted by another site does not match.
//     It must also not come from another site: Sec-Fetch-Site, or where a
//     browser does not send it, Origin against Host.
//
// Bearer tokens (API clients, residents) need none of this: a browser
// never adds an Authorization header by itself.
const (
	sessionCookie = "ifutian_staff"
	csrfCookie    = "ifutian_csrf"
	csrfHeader    = "X-CSRF-Token"
)

// csrfToken is the CSRF token of the session whose token is token.
func csrfToken(token string) string {
	sum := sha256.Sum256([]byte("ifutian-csrf\x00" + token))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

var (
	errCSRF = &apperr.Error{Code: apperr.PermissionDenied,
		Message: "请求头 " + csrfHeader + " 缺少或与登录会话不符，请刷新页面后重试",
		Fields:  map[string]string{csrfHeader: "缺少或与登录会话不符"}}
	errCrossSite = &apperr.Error{Code: apperr.PermissionDenied,
		Message: "不接受来自其他网站的请求（请求头 Origin）",
		Fields:  map[string]string{"Origin": "不是本站"}}
)

// checkCookieRequest refuses a cookie-authenticated unsafe request without
// the session's CSRF token or sent from another site (403 naming the
// header).
func checkCookieRequest(c *gin.Context, token string) error {
	switch c.Request.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return nil
	}
	if site := c.GetHeader("Sec-Fetch-Site"); site != "" {
		if site != "same-origin" && site != "none" {
			return errCrossSite
		}
	} else if origin := c.GetHeader("Origin"); origin != "" {
		u, err := url.Parse(origin)
		if err != nil || !strings.EqualFold(u.Host, c.Request.Host) {
			return errCrossSite
		}
	}
	got := c.GetHeader(csrfHeader)
	if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(csrfToken(token))) != 1 {
		return errCSRF
	}
	return nil
}

// cookieSecure reports whether the session cookies get Secure: always,
// except for a plain-http request to a loopback host (localhost,
// 127.0.0.0/8, ::1), which is how `ifutian serve` runs on a developer's
// machine. A proxy that terminates TLS says so with X-Forwarded-Proto.
func cookieSecure(c *gin.Context) bool {
	if c.Request.TLS != nil || strings.EqualFold(c.GetHeader("X-Forwarded-Proto"), "https") {
		return true
	}
	host := c.Request.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if strings.EqualFold(host, "localhost") {
		return false
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip == nil || !ip.IsLoopback()
}

// setSessionCookies starts the console's cookie session for token.
func setSessionCookies(c *gin.Context, token string, expires time.Time) {
	secure := cookieSecure(c)
	maxAge := int(time.Until(expires).Seconds())
	http.SetCookie(c.Writer, &http.Cookie{Name: sessionCookie, Value: token, Path: "/api/v1", MaxAge: maxAge,
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteStrictMode})
	http.SetCookie(c.Writer, &http.Cookie{Name: csrfCookie, Value: csrfToken(token), Path: "/", MaxAge: maxAge,
		Secure: secure, SameSite: http.SameSiteStrictMode})
}

// clearSessionCookies ends the console's cookie session in the browser.
func clearSessionCookies(c *gin.Context) {
	secure := cookieSecure(c)
	http.SetCookie(c.Writer, &http.Cookie{Name: sessionCookie, Path: "/api/v1", MaxAge: -1,
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteStrictMode})
	http.SetCookie(c.Writer, &http.Cookie{Name: csrfCookie, Path: "/", MaxAge: -1,
		Secure: secure, SameSite: http.SameSiteStrictMode})
}
