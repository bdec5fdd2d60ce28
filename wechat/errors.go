package wechat

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/silenceper/wechat/v2/util"
)

// WeChat errcodes this package and its fake give meaning to.
const (
	codeBusy            = -1    // system busy: retry
	codeInvalidToken    = 40001 // access_token invalid or not the latest
	codeBadGrantType    = 40002
	codeInvalidOpenID   = 40003 // touser is not a valid openid
	codeBadToken        = 40014 // access_token malformed
	codeInvalidCode     = 40029 // login or phone code invalid
	codeInvalidTemplate = 40037 // template_id invalid
	codeCodeUsed        = 40163 // login or phone code already used
	codeMissingToken    = 41001 // access_token missing
	codeMissingAppID    = 41002
	codeMissingSecret   = 41004
	codeTokenExpired    = 42001 // access_token expired
	codeNoQuota         = 43101 // user has no subscribe consent left
	codeDailyLimit      = 45009 // daily API quota reached
	codeRateLimit       = 45011 // per-minute API quota reached
)

// Markers in the SDK's plain-text errors, and what scrub puts in place of a
// secret.
const (
	statusMarker  = "statusCode="
	errcodeMarker = "errcode="
	errmsgMarker  = "errormsg="
	redacted      = "***"
)

// ErrUnavailable is wrapped by every error that means WeChat could not be
// reached or could not answer: network errors, timeouts (the HTTP client's or
// the caller's context), HTTP 5xx and 429, garbled answers, a failing token
// cache, and errcode -1 (system busy). Such calls are safe to retry with
// backoff; the API surfaces them as 503 upstream_unavailable.
var ErrUnavailable = errors.New("wechat: service unavailable")

// Error is an error answered by WeChat (errcode != 0). Msg is WeChat's errmsg
// with the app secret and any access token scrubbed out. An Error with Code
// -1 (system busy) also matches ErrUnavailable under errors.Is.
type Error struct {
	Code int
	Msg  string
}

// Error returns "wechat errcode <code>: <errmsg>".
func (e *Error) Error() string {
	return fmt.Sprintf("wechat errcode %d: %s", e.Code, e.Msg)
}

// Is reports whether e matches target: errcode -1 matches ErrUnavailable.
func (e *Error) Is(target error) bool {
	return target == ErrUnavailable && e.Code == codeBusy
}

// IsInvalidCode reports whether err is WeChat rejecting a login or phone
// code as invalid (40029) or already used (40163). Ask the user to retry.
func IsInvalidCode(err error) bool {
	return hasCode(err, codeInvalidCode, codeCodeUsed)
}

// IsNoQuota reports whether err is 43101: the user has no subscribe consent
// left for the template. It is final: never retry the send.
func IsNoQuota(err error) bool {
	return hasCode(err, codeNoQuota)
}

// IsDailyLimit reports whether err is an API quota error, 45009 (daily
// limit) or 45011 (per-minute limit): pause sending and retry later.
func IsDailyLimit(err error) bool {
	return hasCode(err, codeDailyLimit, codeRateLimit)
}

// IsTransient reports whether retrying err later with backoff may succeed:
// ErrUnavailable (which covers errcode -1) and the quota errors of
// IsDailyLimit.
func IsTransient(err error) bool {
	return errors.Is(err, ErrUnavailable) || IsDailyLimit(err)
}

// hasCode reports whether err wraps an *Error with one of codes.
func hasCode(err error, codes ...int) bool {
	var e *Error
	if !errors.As(err, &e) {
		return false
	}
	for _, c := range codes {
		if e.Code == c {
			return true
		}
	}
	return false
}

// isTokenError reports whether a raw SDK error says the access token used
// was invalid or expired, so that a fresh token may make the call succeed.
func isTokenError(err error) bool {
	var ce *util.CommonError
	if !errors.As(err, &ce) {
		return false
	}
	switch ce.ErrCode {
	case codeInvalidToken, codeTokenExpired, codeBadToken:
		return true
	}
	return false
}

// unavailable is a transport-level failure. Its text is scrubbed; it unwraps
// to ErrUnavailable and to the cause (e.g. context.DeadlineExceeded).
type unavailable struct {
	op    string
	msg   string
	cause error
}

func (u *unavailable) Error() string {
	return u.op + ": " + ErrUnavailable.Error() + ": " + u.msg
}

func (u *unavailable) Unwrap() []error { return []error{ErrUnavailable, u.cause} }

// translate turns an error from the SDK into one of ours: *Error for a
// WeChat answer, ErrUnavailable for everything else that went wrong on the
// way. The SDK's own texts are never passed on unscrubbed: on non-200
// answers and transport errors they carry the full URL, with the app secret
// (jscode2session) or the access token in it.
func translate(op string, err error, secret string) error {
	if err == nil {
		return nil
	}
	var ce *util.CommonError
	if errors.As(err, &ce) {
		return fmt.Errorf("%s: %w", op, &Error{Code: int(ce.ErrCode), Msg: scrub(ce.ErrMsg, secret)})
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return &unavailable{op: op, msg: scrub(ue.Err.Error(), secret), cause: ue.Err}
	}
	text := err.Error()
	if status, ok := httpStatus(text); ok {
		if status >= 500 || status == http.StatusTooManyRequests {
			return fmt.Errorf("%s: %w: http status %d", op, ErrUnavailable, status)
		}
		return fmt.Errorf("%s: wechat answered http status %d", op, status)
	}
	if code, msg, ok := errcode(text); ok {
		return fmt.Errorf("%s: %w", op, &Error{Code: code, Msg: scrub(msg, secret)})
	}
	return &unavailable{op: op, msg: scrub(text, secret), cause: err}
}

// httpStatus finds the status in the SDK's "http get error : uri=… ,
// statusCode=502" texts.
func httpStatus(text string) (int, bool) {
	i := strings.LastIndex(text, statusMarker)
	if i < 0 || !strings.HasPrefix(text, "http ") {
		return 0, false
	}
	status, err := strconv.Atoi(strings.TrimSpace(text[i+len(statusMarker):]))
	return status, err == nil
}

// errcode parses the SDK's plain-text "… error : errcode=40029 ,
// errormsg=invalid code" errors (Code2Session, stable token fetch).
func errcode(text string) (code int, msg string, ok bool) {
	i := strings.Index(text, errcodeMarker)
	if i < 0 {
		return 0, "", false
	}
	rest := text[i+len(errcodeMarker):]
	num, after, found := strings.Cut(rest, " , ")
	if !found {
		num, after = rest, ""
	}
	code, err := strconv.Atoi(strings.TrimSpace(num))
	if err != nil || code == 0 {
		return 0, "", false
	}
	return code, strings.TrimPrefix(after, errmsgMarker), true
}

// scrub removes the app secret and every value of a secret-bearing URL
// query parameter or JSON field from text.
func scrub(text, secret string) string {
	if secret != "" {
		text = strings.ReplaceAll(text, secret, redacted)
	}
	for _, name := range []string{"access_token", "secret", "js_code"} {
		for _, sep := range []string{"?", "&"} {
			text = scrubParam(text, sep+name+"=", "&\"' ,#")
		}
		text = scrubParam(text, `"`+name+`":"`, `"`)
	}
	return text
}

// scrubParam replaces what follows each occurrence of prefix, up to any of
// the stop characters, with redacted.
func scrubParam(text, prefix, stops string) string {
	var b strings.Builder
	for {
		i := strings.Index(text, prefix)
		if i < 0 {
			b.WriteString(text)
			return b.String()
		}
		b.WriteString(text[:i+len(prefix)])
		text = text[i+len(prefix):]
		end := strings.IndexAny(text, stops)
		if end < 0 {
			end = len(text)
		}
		if end > 0 {
			b.WriteString(redacted)
		}
		text = text[end:]
	}
}
