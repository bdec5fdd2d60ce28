package wechat

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/silenceper/wechat/v2/util"
)

func TestTranslate(t *testing.T) {
	const token = "tok_ABCdef123"
	loginURL := "https://api.weixin.qq.com/sns/jscode2session?appid=wx1&secret=" + testSecret + "&js_code=abc&grant_type=authorization_code"
	sendURL := "https://api.weixin.qq.com/cgi-bin/message/subscribe/send?access_token=" + token
	for _, tt := range []struct {
		name        string
		err         error
		code        int
		unavailable bool
	}{
		{"CommonError", util.NewCommonError("Send", 43101, "user refuse to accept the msg"), 43101, false},
		{"CommonErrorBusy", util.NewCommonError("Send", -1, "system error"), -1, true},
		{"HTTP502", fmt.Errorf("http get error : uri=%v , statusCode=%v", loginURL, 502), 0, true},
		{"HTTP404", fmt.Errorf("http post error : uri=%v , statusCode=%v", sendURL, 404), 0, false},
		{"TokenFetch", fmt.Errorf("get stable access_token error : errcode=%v , errormsg=%v", 40125, "invalid appsecret"), 40125, false},
		{"URLError", &url.Error{Op: "Post", URL: sendURL, Err: context.DeadlineExceeded}, 0, true},
		{"URLErrorLogin", &url.Error{Op: "Get", URL: loginURL, Err: errors.New("connection refused")}, 0, true},
		{"Other", errors.New("invalid character 'x' looking for beginning of value"), 0, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := translate("op", tt.err, testSecret)
			if got, want := errCode(err), tt.code; got != want {
				t.Fatalf("errcode=%d, want %d (err %v)", got, want, err)
			}
			if got, want := errors.Is(err, ErrUnavailable), tt.unavailable; got != want {
				t.Fatalf("errors.Is(err, ErrUnavailable)=%v, want %v (err %v)", got, want, err)
			}
			assertClean(t, err, token)
			if got, want := strings.HasPrefix(err.Error(), "op: "), true; got != want {
				t.Fatalf("error %q does not start with the operation", err)
			}
		})
	}
	t.Run("KeepsCause", func(t *testing.T) {
		err := translate("op", &url.Error{Op: "Post", URL: sendURL, Err: context.DeadlineExceeded}, testSecret)
		if got, want := errors.Is(err, context.DeadlineExceeded), true; got != want {
			t.Fatalf("errors.Is(err, context.DeadlineExceeded)=%v, want %v", got, want)
		}
	})
}

func TestScrub(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"uri=https://h/p?access_token=abc&x=1 , statusCode=500", "uri=https://h/p?access_token=***&x=1 , statusCode=500"},
		{"https://h/p?appid=a&secret=s&js_code=c&grant_type=g", "https://h/p?appid=a&secret=***&js_code=***&grant_type=g"},
		{`{"access_token":"abc","expires_in":7200}`, `{"access_token":"***","expires_in":7200}`},
		{"errcode=40029 , errormsg=invalid code", "errcode=40029 , errormsg=invalid code"},
		{"the secret is " + testSecret, "the secret is ***"},
	} {
		if got := scrub(tt.in, testSecret); got != tt.want {
			t.Fatalf("scrub(%q)=%q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestIsHelpers(t *testing.T) {
	wrap := func(code int) error { return fmt.Errorf("x: %w", &Error{Code: code}) }
	for _, tt := range []struct {
		err                                error
		invalidCode, noQuota, daily, trans bool
	}{
		{wrap(40029), true, false, false, false},
		{wrap(40163), true, false, false, false},
		{wrap(43101), false, true, false, false},
		{wrap(45009), false, false, true, true},
		{wrap(45011), false, false, true, true},
		{wrap(-1), false, false, false, true},
		{wrap(40003), false, false, false, false},
		{fmt.Errorf("x: %w", ErrUnavailable), false, false, false, true},
		{errors.New("other"), false, false, false, false},
		{nil, false, false, false, false},
	} {
		got := [4]bool{IsInvalidCode(tt.err), IsNoQuota(tt.err), IsDailyLimit(tt.err), IsTransient(tt.err)}
		if want := [4]bool{tt.invalidCode, tt.noQuota, tt.daily, tt.trans}; got != want {
			t.Fatalf("%v: [IsInvalidCode IsNoQuota IsDailyLimit IsTransient]=%v, want %v", tt.err, got, want)
		}
	}
}
