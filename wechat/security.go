package wechat

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"

	"github.com/silenceper/wechat/v2/miniprogram/message"
	"github.com/silenceper/wechat/v2/miniprogram/security"
	"github.com/silenceper/wechat/v2/util"
)

// codeUserUnseen is msgSecCheck's 61010: the user has not used the mini
// program in the last two hours, so WeChat will not check for them.
const codeUserUnseen = 61010

// Content-check scenes (WeChat's enumeration).
const (
	sceneForum = 3 // 论坛: user posts others may read
)

// CheckText checks user-written text with msgSecCheck v2 for the user of
// openID and returns WeChat's suggestion: "pass", "review" or "risky".
// IsTransient reports a failure worth retrying; IsUserUnseen reports
// 61010 (the user was not seen in two hours), which a caller should treat
// as "review" rather than lose the text.
func (c *Client) CheckText(ctx context.Context, openID, title, content string) (string, error) {
	var res security.MsgCheckResponse
	err := c.withToken(ctx, func() error {
		var err error
		res, err = c.mp.GetSecurity().MsgCheckContext(ctx, &security.MsgCheckRequest{
			OpenID: openID, Scene: sceneForum, Content: content, Title: title,
		})
		return err
	})
	if err != nil {
		return "", translate("msg sec check", err, c.secret)
	}
	switch s := string(res.Result.Suggest); s {
	case "pass", "review", "risky":
		return s, nil
	default:
		return "", fmt.Errorf("msg sec check: %w: suggest %q", ErrUnavailable, s)
	}
}

// CheckImageAsync asks mediaCheckAsync v2 to fetch the image at mediaURL
// and check it for the user of openID. It returns the trace ID under which
// WeChat pushes the verdict to the message-push URL (MediaCheckVerdict).
func (c *Client) CheckImageAsync(ctx context.Context, openID, mediaURL string) (string, error) {
	var trace string
	err := c.withToken(ctx, func() error {
		var err error
		trace, err = c.mp.GetSecurity().MediaCheckAsyncContext(ctx, &security.MediaCheckAsyncRequest{
			MediaURL: mediaURL, MediaType: 2, OpenID: openID, Scene: sceneForum,
		})
		return err
	})
	if err != nil {
		return "", translate("media check async", err, c.secret)
	}
	if trace == "" {
		return "", fmt.Errorf("media check async: %w: answer without trace_id", ErrUnavailable)
	}
	return trace, nil
}

// Transient reports whether a failed check is worth retrying later.
func (c *Client) Transient(err error) bool { return IsTransient(err) }

// IsUserUnseen reports msgSecCheck's 61010.
func IsUserUnseen(err error) bool { return hasCode(err, codeUserUnseen) }

// ErrBadSignature is a push whose signature does not match the token.
var ErrBadSignature = errors.New("wechat push: bad signature")

// PushSigned reports whether a message push (or the URL check WeChat makes
// when message push is configured) carries a valid signature: the SHA-1 of
// the sorted token, timestamp and nonce. An empty token accepts nothing.
func PushSigned(token string, r *http.Request) bool {
	if token == "" {
		return false
	}
	q := r.URL.Query()
	want := util.Signature(token, q.Get("timestamp"), q.Get("nonce"))
	return subtle.ConstantTimeCompare([]byte(want), []byte(q.Get("signature"))) == 1
}

// MediaVerdict is a mediaCheckAsync result pushed by WeChat.
type MediaVerdict struct {
	TraceID string
	Suggest string // pass, review or risky
}

// ReadMediaVerdict verifies a message push with token (plaintext mode, JSON
// or XML) and reads it through the SDK's push receiver. It returns nil and
// no error for a push that is some other event. Returns ErrBadSignature
// for a push not signed with token.
func ReadMediaVerdict(token string, r *http.Request) (*MediaVerdict, error) {
	if !PushSigned(token, r) {
		return nil, ErrBadSignature
	}
	recv := newPushReceiver(token)
	_, event, data, err := recv.GetMsgData(r)
	if err != nil {
		return nil, fmt.Errorf("wechat push: %w", err)
	}
	if event != message.EventTypeWxaMediaCheck {
		return nil, nil
	}
	d, ok := data.(*message.MediaCheckAsyncData)
	if !ok {
		return nil, fmt.Errorf("wechat push: unexpected %T", data)
	}
	suggest := string(d.Result.Suggest)
	if d.Errcode != 0 || (suggest != "pass" && suggest != "review" && suggest != "risky") {
		suggest = "review"
	}
	return &MediaVerdict{TraceID: d.TraceID, Suggest: suggest}, nil
}
