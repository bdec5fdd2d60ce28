package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/futian/ifutian/internal/pii"
	"github.com/futian/ifutian/internal/ratelimit"
	"github.com/futian/ifutian/notify"
	"github.com/futian/ifutian/sms"
)

// smsDeliverer builds the deliverer of urgent notices' text messages:
// through Tencent Cloud SMS, IFUTIAN_SMS_URL, or a built-in fake started
// on a loopback port. With Redis the instances share IFUTIAN_SMS_RATE.
func (a *instance) smsDeliverer(box *pii.Box, limiter ratelimit.UpToAllower) (*notify.Deliverer, error) {
	cfg := a.cfg
	sc := sms.Config{
		SecretID: cfg.SMS.SecretID, SecretKey: cfg.SMS.SecretKey, Region: cfg.SMS.Region, SdkAppID: cfg.SMS.SdkAppID,
		SignName: cfg.SMS.SignName, TemplateID: cfg.SMS.TemplateID, URL: cfg.SMS.URL, Timeout: cfg.WeChatTimeout,
	}
	if cfg.SMS.Fake() {
		fake := sms.NewFake()
		url, stop, err := fake.Start("127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		a.closers = append(a.closers, func() error { return stop(context.Background()) })
		a.log.Info("no SMS account: using the built-in fake SMS server", "url", url)
		sc = sms.Config{SecretID: "fake", SecretKey: "fake", SdkAppID: "1400000000", SignName: "i福田", TemplateID: "0", URL: url, Timeout: cfg.WeChatTimeout}
	}
	if sc.URL != "" && sc.SecretID == "" {
		sc.SecretID, sc.SecretKey, sc.SdkAppID, sc.SignName, sc.TemplateID = "fake", "fake", "1400000000", "i福田", "0"
	}
	client, err := sms.New(sc)
	if err != nil {
		return nil, err
	}
	var gate func(context.Context, int) (int, error)
	if a.redis != nil {
		r := ratelimit.PerSecond(cfg.SMS.Rate)
		gate = func(ctx context.Context, n int) (int, error) {
			return ratelimit.WaitUpTo(ctx, limiter, "sms:send", r, n)
		}
	}
	return a.Notify.NewSMSDeliverer(client, box, notify.DeliveryConfig{
		Rate: float64(cfg.SMS.Rate), Lease: max(cfg.WeChatSendLease, 2*cfg.WeChatTimeout+time.Second),
		CallTimeout: cfg.WeChatTimeout, Backoff: cfg.WeChatSendBackoff, Gate: gate,
		Outcome: a.ops.sendOutcome,
	}), nil
}

// fakeSMS serves the fake SMS server on IFUTIAN_ADDR so several servers can
// share it through IFUTIAN_SMS_URL.
func fakeSMS(ctx context.Context, cfg Config, log *slog.Logger) error {
	url, stop, err := sms.NewFake().Start(cfg.Addr)
	if err != nil {
		return err
	}
	log.Info("fake SMS serving", "url", url)
	<-ctx.Done()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return stop(shutdownCtx)
}
