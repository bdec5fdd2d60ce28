//go:build bench

package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/district"
	"github.com/futian/ifutian/notify"
	"github.com/futian/ifutian/wechat"
)

const (
	benchUrgentTitle    = "bench-urgent"
	benchRoutineTitle   = "bench-routine"
	benchUrgentTemplate = "BENCH_URGENT"
	benchRoutineTpl     = "BENCH_ROUTINE"
)

// benchNotifyConfig is the configured delivery with its quiet hours moved,
// if need be, to a window that is not now: the bench measures sends with
// the quiet-hours check and the daily cap in their path, not a night of
// held messages.
func benchNotifyConfig(c notify.Config, now time.Time) notify.Config {
	if c.DailyCap == 0 {
		c.DailyCap = 3
	}
	if _, quiet := c.Quiet.Until(now); quiet || c.Quiet == (notify.QuietHours{}) {
		off := now.Sub(district.DayStart(now)).Truncate(time.Hour)
		c.Quiet = notify.QuietHours{Start: (off + 2*time.Hour) % (24 * time.Hour), End: (off + 3*time.Hour) % (24 * time.Hour)}
	}
	return c
}

// benchUrgent measures how long an urgent notice to every resident waits
// behind a routine one already sending: a routine notice to everyone is
// sending at the configured rate when a warning notice to everyone is
// published. It reports the warning's publication, the wait from then to
// its first message, the routine messages sent while the warning was
// sending (none, if the lane works), the warning's send rate, and the time
// to deliver it to every resident at that rate.
//
// Both notices, and what they left queued, are removed at the end: the
// next run's sends would otherwise wait behind the warning's.
func benchUrgent(ctx context.Context, gdb *gorm.DB, svc *notify.Service, rate int, d time.Duration, out io.Writer) error {
	defer func() {
		for _, title := range []string{benchUrgentTitle, benchRoutineTitle} {
			benchRemoveAll(context.WithoutCancel(ctx), gdb, title)
		}
	}()
	// Consent enough for the run: the routine notice would otherwise be
	// over before the warning comes.
	k := int(float64(rate)*d.Seconds()*2) + 100
	g := gdb.WithContext(ctx)
	now := time.Now().UTC()
	for _, tpl := range []string{benchRoutineTpl, benchUrgentTemplate} {
		g.Exec("DELETE FROM subscription_quotas WHERE template_id = ?", tpl)
		err := g.Exec(`INSERT INTO subscription_quotas (resident_id, template_id, remaining, spent_notice, updated_at)
			SELECT id, ?, 1, 0, ? FROM residents WHERE openid LIKE ? ORDER BY id LIMIT ?`, tpl, now, benchOpenIDPrefix+"%", k).Error
		if err != nil {
			return err
		}
	}
	g.Exec("DELETE FROM notice_send_days")
	if _, _, err := benchPublish(ctx, gdb, svc, benchRoutineTitle, "policy", benchRoutineTpl); err != nil {
		return err
	}
	fake, _, stop, err := wechat.StartLocalFake(5 * time.Second)
	if err != nil {
		return err
	}
	defer stop(context.Background())
	client := wechat.New(wechat.Config{AppID: "wxbenchu", AppSecret: "bench"})
	_ = client.SendSubscribe(ctx, wechat.Message{OpenID: "warmup", TemplateID: "warmup"})
	dctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan struct{})
	go func() {
		dl := svc.NewDeliverer(client, notify.DeliveryConfig{Rate: float64(rate), Idle: 10 * time.Millisecond})
		runTask(dctx, task{Name: "bench.deliver", Interval: dl.Idle(), Drain: true, Run: dl.DeliverOnce}, slog.New(slog.DiscardHandler), nil)
		close(done)
	}()
	time.Sleep(time.Second) // the routine notice is sending
	pub, targeted, err := benchPublish(ctx, gdb, svc, benchUrgentTitle, "warning", benchUrgentTemplate)
	if err != nil {
		return err
	}
	published := time.Now().UTC()
	time.Sleep(d)
	cancel()
	<-done
	var first, last time.Time
	urgent, routineDuring := 0, 0
	msgs := fake.Messages()
	for _, m := range msgs {
		if m.TemplateID == benchUrgentTemplate {
			if first.IsZero() {
				first = m.ReceivedAt
			}
			last = m.ReceivedAt
			urgent++
		}
	}
	for _, m := range msgs {
		if m.TemplateID == benchRoutineTpl && !first.IsZero() && m.ReceivedAt.After(first) && m.ReceivedAt.Before(last) {
			routineDuring++
		}
	}
	if urgent == 0 {
		return fmt.Errorf("bench urgent: no urgent message sent in %v", d)
	}
	wait := first.Sub(published)
	urgentRate := float64(urgent) / max(last.Sub(first).Seconds(), 1e-3)
	fmt.Fprintf(out, "notify_urgent_targeted: %d\n", targeted)
	fmt.Fprintf(out, "notify_urgent_publish_s: %.2f\n", pub.Seconds())
	fmt.Fprintf(out, "notify_urgent_wait_s: %.3f\n", max(wait.Seconds(), 0))
	fmt.Fprintf(out, "notify_urgent_sends_per_s: %.1f\n", urgentRate)
	fmt.Fprintf(out, "notify_urgent_routine_sent_meanwhile: %d\n", routineDuring)
	fmt.Fprintf(out, "notify_urgent_all_est_s: %.0f\n", pub.Seconds()+max(wait.Seconds(), 0)+float64(targeted)/urgentRate)
	return nil
}
