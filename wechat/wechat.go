// Package wechat is the backend's client for the WeChat mini program server
// API (login, phone number, subscribe messages), built on
// github.com/silenceper/wechat/v2, plus a fake WeChat server that speaks the
// same wire format for development and tests.
//
// Every request goes through the SDK's process-global util.DefaultHTTPClient:
// call InstallHTTPClient once at start-up to give it a timeout (and, for the
// fake, a base URL). Errors are *Error for answers with errcode != 0 and wrap
// ErrUnavailable when WeChat could not be reached; their text never holds
// the app secret or an access token.
package wechat

import (
	"context"
	"fmt"
	"net/url"

	"github.com/silenceper/wechat/v2/cache"
	"github.com/silenceper/wechat/v2/credential"
	"github.com/silenceper/wechat/v2/miniprogram"
	"github.com/silenceper/wechat/v2/miniprogram/auth"
	"github.com/silenceper/wechat/v2/miniprogram/config"
	"github.com/silenceper/wechat/v2/miniprogram/subscribe"
)

// Config configures a Client.
type Config struct {
	AppID, AppSecret string
	// Cache holds the stable access token. Share one (NewRedisCache) between
	// instances so they use the same token; nil means an in-process cache.
	Cache cache.Cache
}

// Client calls the WeChat mini program server API for one app. It uses the
// stable access token, kept in Config.Cache, and when WeChat answers that
// the token is invalid or expired (40001, 42001, 40014) it drops the cached
// token and retries the call exactly once. It is safe for concurrent use.
type Client struct {
	mp       *miniprogram.MiniProgram
	cache    cache.Cache
	secret   string
	tokenKey string // the SDK's cache key for the stable access token

	templates templateCache // the account's subscribe templates, kept briefly
}

// New returns a Client for cfg. It does no I/O.
func New(cfg Config) *Client {
	if cfg.Cache == nil {
		cfg.Cache = cache.NewMemory()
	}
	mp := miniprogram.NewMiniProgram(&config.Config{
		AppID:       cfg.AppID,
		AppSecret:   cfg.AppSecret,
		Cache:       cfg.Cache,
		UseStableAK: true,
	})
	return &Client{
		mp:     mp,
		cache:  cfg.Cache,
		secret: cfg.AppSecret,
		// Must match credential.StableAccessToken.GetAccessTokenContext; the
		// prefix already ends in "_", so the key has a double underscore.
		tokenKey: fmt.Sprintf("%s_stable_access_token_%s", credential.CacheKeyMiniProgramPrefix, cfg.AppID),
	}
}

// Session is what code2Session returns.
type Session struct{ OpenID, UnionID string }

// Login exchanges a wx.login code for the user's openid (and unionid when the
// app is bound to an open platform account) through jscode2session. A bad or
// used code gives an error for which IsInvalidCode is true.
func (c *Client) Login(ctx context.Context, code string) (Session, error) {
	// The SDK formats the code into the URL unescaped; escape it so that a
	// hostile code can't add query parameters to a request carrying our secret.
	res, err := c.mp.GetAuth().Code2SessionContext(ctx, url.QueryEscape(code))
	if err != nil {
		// Code2Session reports WeChat errors as plain strings; the result
		// still holds the errcode.
		if res.ErrCode != 0 {
			return Session{}, fmt.Errorf("login: %w", &Error{Code: int(res.ErrCode), Msg: scrub(res.ErrMsg, c.secret)})
		}
		return Session{}, translate("login", err, c.secret)
	}
	if res.OpenID == "" {
		return Session{}, fmt.Errorf("login: %w: answer without openid", ErrUnavailable)
	}
	return Session{OpenID: res.OpenID, UnionID: res.UnionID}, nil
}

// PhoneNumber exchanges a getPhoneNumber code for the user's phone number
// without country code (purePhoneNumber). A bad or used code gives an error
// for which IsInvalidCode is true.
func (c *Client) PhoneNumber(ctx context.Context, code string) (string, error) {
	var res *auth.GetPhoneNumberResponse
	err := c.withToken(ctx, func() error {
		var err error
		res, err = c.mp.GetAuth().GetPhoneNumberContext(ctx, code)
		return err
	})
	if err != nil {
		return "", translate("phone number", err, c.secret)
	}
	if res.PhoneInfo.PurePhoneNumber == "" {
		return "", fmt.Errorf("phone number: %w: answer without phone number", ErrUnavailable)
	}
	return res.PhoneInfo.PurePhoneNumber, nil
}

// Message is one subscribe message.
type Message struct {
	OpenID, TemplateID, Page string
	// Data maps each template keyword (e.g. "thing1") to its value.
	Data map[string]string
}

// SendSubscribe sends m as a subscribe message. IsNoQuota reports that the
// user has no consent left (final); IsTransient that a retry may succeed.
// The SDK's send takes no context: ctx is only checked before each attempt,
// and the HTTP client's timeout bounds the call.
func (c *Client) SendSubscribe(ctx context.Context, m Message) error {
	msg := &subscribe.Message{
		ToUser:     m.OpenID,
		TemplateID: m.TemplateID,
		Page:       m.Page,
		Data:       make(map[string]*subscribe.DataItem, len(m.Data)),
	}
	for k, v := range m.Data {
		msg.Data[k] = &subscribe.DataItem{Value: v}
	}
	err := c.withToken(ctx, func() error {
		if err := ctx.Err(); err != nil {
			return err
		}
		return c.mp.GetSubscribe().Send(msg)
	})
	return translate("send subscribe", err, c.secret)
}

// withToken runs call and, if WeChat rejected the access token, drops the
// cached token and runs call once more. It returns the SDK's raw error.
func (c *Client) withToken(ctx context.Context, call func() error) error {
	err := call()
	if !isTokenError(err) || ctx.Err() != nil {
		return err
	}
	if derr := c.cache.Delete(c.tokenKey); derr != nil {
		return err
	}
	return call()
}
