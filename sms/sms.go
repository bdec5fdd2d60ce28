// Package sms sends text messages through Tencent Cloud SMS (its Go SDK,
// API 2021-01-11 SendSms), plus a fake server that speaks the same wire
// format for development and tests. A phone number passes through this
// package only while it is sent: it is never logged, and no error holds
// it.
package sms

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tcerr "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/errors"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"
	api "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/sms/v20210111"
)

// Config configures a Client.
type Config struct {
	SecretID, SecretKey string // a CAM key with SMS access
	Region              string // e.g. ap-guangzhou
	SdkAppID            string // the SMS application (SmsSdkAppId)
	SignName            string // the approved signature, e.g. 福田区政务服务
	TemplateID          string // the approved template the params fill
	// URL, if set (e.g. "http://127.0.0.1:9091"), sends every call there
	// instead of to Tencent Cloud: a Fake.
	URL     string
	Timeout time.Duration // of each call (5s)
}

// Client sends text messages from one template. It is safe for concurrent
// use.
type Client struct {
	c   *api.Client
	cfg Config
}

// New returns a Client for cfg. It does no I/O.
func New(cfg Config) (*Client, error) {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
	}
	if cfg.Region == "" {
		cfg.Region = "ap-guangzhou"
	}
	cpf := profile.NewClientProfile()
	cpf.HttpProfile.ReqTimeout = max(1, int(cfg.Timeout.Seconds()))
	cpf.DisableRegionBreaker = true
	if cfg.URL != "" {
		u, err := url.Parse(cfg.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("sms: %q is not an http(s) base URL", cfg.URL)
		}
		cpf.HttpProfile.Scheme = strings.ToUpper(u.Scheme)
		cpf.HttpProfile.Endpoint = u.Host
	}
	c, err := api.NewClient(common.NewCredential(cfg.SecretID, cfg.SecretKey), cfg.Region, cpf)
	if err != nil {
		return nil, fmt.Errorf("sms: %w", err)
	}
	return &Client{c: c, cfg: cfg}, nil
}

// Error is an error answered by Tencent Cloud, for the whole request or for
// the one number: its code only (e.g. "LimitExceeded.PhoneNumberDailyLimit"),
// since the messages may quote the number.
type Error struct{ Code string }

func (e *Error) Error() string { return "sms: " + e.Code }

// ErrUnavailable is wrapped by errors that mean Tencent Cloud could not be
// reached or could not answer: safe to retry.
var ErrUnavailable = errors.New("sms: service unavailable")

// SendSMS sends the template with params to phone, an 11-digit mainland
// number (sent as +86…). IsTransient reports errors worth retrying,
// IsDailyLimit those that should pause sending; any other is final.
func (c *Client) SendSMS(ctx context.Context, phone string, params []string) error {
	req := api.NewSendSmsRequest()
	req.SetContext(ctx)
	req.PhoneNumberSet = []*string{common.StringPtr("+86" + phone)}
	req.SmsSdkAppId = common.StringPtr(c.cfg.SdkAppID)
	req.SignName = common.StringPtr(c.cfg.SignName)
	req.TemplateId = common.StringPtr(c.cfg.TemplateID)
	req.TemplateParamSet = common.StringPtrs(params)
	res, err := c.c.SendSmsWithContext(ctx, req)
	if err != nil {
		var te *tcerr.TencentCloudSDKError
		if errors.As(err, &te) && !strings.HasPrefix(te.Code, "ClientError.") {
			return &Error{Code: te.Code}
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		// Network errors and the SDK's own (HTTP status, garbled answer):
		// their text may hold the request, so only the kind is kept.
		code := "network"
		if te != nil {
			code = te.Code
		}
		return fmt.Errorf("%w (%s)", ErrUnavailable, code)
	}
	if res.Response == nil || len(res.Response.SendStatusSet) != 1 || res.Response.SendStatusSet[0].Code == nil {
		return fmt.Errorf("%w (answer without a status)", ErrUnavailable)
	}
	if code := *res.Response.SendStatusSet[0].Code; code != "Ok" {
		return &Error{Code: code}
	}
	return nil
}

func codeOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// IsTransient reports whether a retry later may succeed: Tencent Cloud
// unreachable, busy or rate-limited, or the number's short-term frequency
// limits (30 s, 1 h).
func IsTransient(err error) bool {
	if errors.Is(err, ErrUnavailable) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	c := codeOf(err)
	return strings.HasPrefix(c, "InternalError") || c == "RequestLimitExceeded" ||
		c == "LimitExceeded.PhoneNumberThirtySecondLimit" || c == "LimitExceeded.PhoneNumberOneHourLimit" ||
		c == "LimitExceeded.DeliveryFrequencyLimit" || c == "FailedOperation.FailResolvePacket"
}

// IsDailyLimit reports whether the application may send no more today or
// has run out of its package: pause all sending.
func IsDailyLimit(err error) bool {
	c := codeOf(err)
	return c == "LimitExceeded.AppDailyLimit" || c == "LimitExceeded.DailyLimit" ||
		c == "FailedOperation.InsufficientBalanceInSmsPackage" || c == "LimitExceeded.AppCountryOrRegionDailyLimit"
}
