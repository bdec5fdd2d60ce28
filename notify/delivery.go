package notify

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"golang.org/x/time/rate"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/wechat"
)

// Sender sends one WeChat subscribe message (wechat.Client does).
type Sender interface {
	SendSubscribe(ctx context.Context, m wechat.Message) error
}

// DeliveryConfig tunes a Deliverer. Zero fields take the defaults.
type DeliveryConfig struct {
	Rate        float64       // sends per second from this process (20)
	Batch       int           // most sends claimed at once (half a second's worth, 1–200)
	Lease       time.Duration // how long a claimed send is held before others may retry it (30s)
	MaxAttempts int           // attempts before a send is failed for good (8)
	Backoff     time.Duration // first retry delay, doubled each time, with jitter (2s)
	MaxBackoff  time.Duration // (10m)
	Pause       time.Duration // how long to stop after WeChat's daily limit, 45009 (10m)
	Idle        time.Duration // how long to wait when nothing is due (1s)
	// Gate, if not nil, is waited on before every send as well as the
	// process's own Rate: with a gate shared by every process (a Redis
	// limiter), several processes together keep to the rate. An error
	// hands the send back to the queue.
	Gate func(ctx context.Context) error
	// OnError, if not nil, hears of failed rounds (the loop goes on).
	OnError func(error)
}

func (c *DeliveryConfig) defaults() {
	if c.Rate <= 0 {
		c.Rate = 20
	}
	if c.Batch <= 0 {
		c.Batch = min(max(int(c.Rate/2), 1), 200)
	}
	if c.Lease <= 0 {
		c.Lease = 30 * time.Second
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 8
	}
	if c.Backoff <= 0 {
		c.Backoff = 2 * time.Second
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = 10 * time.Minute
	}
	if c.Pause <= 0 {
		c.Pause = 10 * time.Minute
	}
	if c.Idle <= 0 {
		c.Idle = time.Second
	}
}

// Deliverer sends the queued WeChat subscribe messages (table
// notice_sends) at a bounded rate. Several Deliverers, in one process or
// many sharing a MySQL database, may run at once: each send is claimed by
// one of them with a row lock (SKIP LOCKED) and a lease. A send is only
// repeated if its process died while it was on the wire: its lease then
// expires and another Deliverer sends it again.
type Deliverer struct {
	s    *Service
	send Sender
	cfg  DeliveryConfig
	lim  *rate.Limiter

	mu          sync.Mutex
	pausedUntil time.Time
	messages    map[int64]*Subscribe // notice ID → its message
}

// NewDeliverer returns a Deliverer sending through send.
func (s *Service) NewDeliverer(send Sender, cfg DeliveryConfig) *Deliverer {
	cfg.defaults()
	return &Deliverer{
		s: s, send: send, cfg: cfg,
		lim:      rate.NewLimiter(rate.Limit(cfg.Rate), 1),
		messages: map[int64]*Subscribe{},
	}
}

// Run delivers until ctx ends. Sends already on the wire when it ends are
// recorded; claimed sends not yet started are handed back.
func (d *Deliverer) Run(ctx context.Context) error {
	for {
		n, err := d.DeliverOnce(ctx)
		if err != nil && ctx.Err() == nil && d.cfg.OnError != nil {
			d.cfg.OnError(err)
		}
		wait := time.Duration(0)
		if n == 0 || err != nil {
			wait = d.cfg.Idle
		}
		d.mu.Lock()
		if p := time.Until(d.pausedUntil); p > wait {
			wait = p
		}
		d.mu.Unlock()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
}

// claimed is one send a Deliverer holds.
type claimed struct {
	ID         int64
	NoticeID   int64
	ResidentID int64
	TemplateID string
	Attempts   int
	OpenID     *string `gorm:"column:openid"`
}

// claim takes up to n due sends (pending ones whose time has come and
// sending ones whose lease ran out) and marks them sending under a new
// claim token until the lease ends.
func (d *Deliverer) claim(ctx context.Context, n int) (token string, rows []claimed, err error) {
	var b [12]byte
	_, _ = crand.Read(b[:])
	token = hex.EncodeToString(b[:])
	now := d.s.clock()
	var ids []int64
	err = db.Retry(ctx, 5, func() error {
		ids = nil
		return d.s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			err := tx.Table("notice_sends").Clauses(clause.Locking{Strength: "UPDATE", Options: "SKIP LOCKED"}).
				Where("due_at <= ?", now).Order("due_at").Limit(n).Pluck("id", &ids).Error
			if err != nil || len(ids) == 0 {
				return err
			}
			return tx.Exec(`UPDATE notice_sends SET status = 'sending', claim = ?, attempts = attempts + 1, due_at = ?, updated_at = ?
				WHERE id IN ?`, token, now.Add(d.cfg.Lease), now, ids).Error
		})
	})
	if err != nil {
		return "", nil, fmt.Errorf("claim sends: %w", err)
	}
	if len(ids) == 0 {
		return token, nil, nil
	}
	err = d.s.db.WithContext(ctx).Table("notice_sends s").
		Select("s.id, s.notice_id, s.resident_id, s.template_id, s.attempts, p.openid").
		Joins("LEFT JOIN residents p ON p.id = s.resident_id").
		Where("s.id IN ? AND s.claim = ?", ids, token).Scan(&rows).Error
	if err != nil {
		return "", nil, fmt.Errorf("load claimed sends: %w", err)
	}
	return token, rows, nil
}

// DeliverOnce claims one batch of due sends, sends them within the rate
// and records each outcome. It returns how many it claimed.
func (d *Deliverer) DeliverOnce(ctx context.Context) (int, error) {
	d.mu.Lock()
	paused := time.Now().Before(d.pausedUntil)
	d.mu.Unlock()
	if paused {
		return 0, nil
	}
	token, rows, err := d.claim(ctx, d.cfg.Batch)
	if err != nil || len(rows) == 0 {
		return 0, err
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(rows))
	for _, r := range rows {
		wg.Go(func() {
			if err := d.deliver(ctx, token, r); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	return len(rows), <-errs
}

// deliver sends one claimed message and records what happened. Results are
// recorded even when ctx has ended, so a shutdown loses nothing.
func (d *Deliverer) deliver(ctx context.Context, token string, r claimed) error {
	rec, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if r.OpenID == nil {
		return d.finish(rec, token, r, "failed", "resident deleted or without WeChat")
	}
	msg, err := d.message(ctx, r.NoticeID)
	if err != nil {
		return d.release(rec, token, r)
	}
	if err := d.lim.Wait(ctx); err != nil {
		return d.release(rec, token, r)
	}
	if d.cfg.Gate != nil {
		if err := d.cfg.Gate(ctx); err != nil {
			return d.release(rec, token, r)
		}
	}
	d.mu.Lock()
	paused := time.Now().Before(d.pausedUntil)
	d.mu.Unlock()
	if paused || ctx.Err() != nil {
		return d.release(rec, token, r)
	}
	err = d.send.SendSubscribe(ctx, wechat.Message{OpenID: *r.OpenID, TemplateID: r.TemplateID, Page: msg.Page, Data: msg.Data})
	switch {
	case err == nil:
		return d.finish(rec, token, r, "sent", "")
	case wechat.IsNoQuota(err):
		// WeChat says the consent is gone; our count was wrong, so trust it.
		if err := d.finish(rec, token, r, "no_quota", errText(err)); err != nil {
			return err
		}
		return d.s.db.WithContext(rec).Exec("UPDATE subscription_quotas SET remaining = 0, updated_at = ? WHERE resident_id = ? AND template_id = ?",
			d.s.clock(), r.ResidentID, r.TemplateID).Error
	case wechat.IsDailyLimit(err):
		d.mu.Lock()
		d.pausedUntil = time.Now().Add(d.cfg.Pause)
		d.mu.Unlock()
		return d.retry(rec, token, r, d.cfg.Pause, false, errText(err))
	case wechat.IsTransient(err) || errors.Is(err, context.DeadlineExceeded):
		if r.Attempts >= d.cfg.MaxAttempts {
			return d.finish(rec, token, r, "failed", errText(err))
		}
		return d.retry(rec, token, r, d.backoff(r.Attempts), true, errText(err))
	case errors.Is(err, context.Canceled):
		return d.release(rec, token, r)
	default:
		// 40003 bad openid, 40037 bad template, 47003 bad data, …: final.
		return d.finish(rec, token, r, "failed", errText(err))
	}
}

func errText(err error) string {
	s := err.Error()
	if len(s) > 250 {
		s = s[:250]
	}
	return s
}

func (d *Deliverer) backoff(attempts int) time.Duration {
	b := d.cfg.Backoff
	for i := 1; i < attempts && b < d.cfg.MaxBackoff; i++ {
		b *= 2
	}
	b = min(b, d.cfg.MaxBackoff)
	// Full jitter on half of it, so retries of a burst spread out.
	return b/2 + time.Duration(rand.Int64N(int64(b/2)+1))
}

// finish records a final outcome, if the claim is still ours.
func (d *Deliverer) finish(ctx context.Context, token string, r claimed, status, msg string) error {
	now := d.s.clock()
	upd := map[string]any{"status": status, "due_at": nil, "last_error": msg, "updated_at": now}
	if status == "sent" {
		upd["sent_at"] = now
	}
	err := d.s.db.WithContext(ctx).Table("notice_sends").Where("id = ? AND claim = ? AND status = 'sending'", r.ID, token).Updates(upd).Error
	if err != nil {
		return fmt.Errorf("record send %d: %w", r.ID, err)
	}
	return nil
}

// retry puts a send back in the queue after delay; counted says whether
// the attempt counts against MaxAttempts.
func (d *Deliverer) retry(ctx context.Context, token string, r claimed, delay time.Duration, counted bool, msg string) error {
	now := d.s.clock()
	upd := map[string]any{"status": "pending", "due_at": now.Add(delay), "last_error": msg, "updated_at": now}
	if !counted {
		upd["attempts"] = gorm.Expr("attempts - 1")
	}
	err := d.s.db.WithContext(ctx).Table("notice_sends").Where("id = ? AND claim = ? AND status = 'sending'", r.ID, token).Updates(upd).Error
	if err != nil {
		return fmt.Errorf("requeue send %d: %w", r.ID, err)
	}
	return nil
}

// release hands back a send that was claimed but never sent.
func (d *Deliverer) release(ctx context.Context, token string, r claimed) error {
	return d.retry(ctx, token, r, 0, false, "")
}

// message returns notice id's subscribe message, cached.
func (d *Deliverer) message(ctx context.Context, noticeID int64) (*Subscribe, error) {
	d.mu.Lock()
	m := d.messages[noticeID]
	d.mu.Unlock()
	if m != nil {
		return m, nil
	}
	var n Notice
	err := d.s.db.WithContext(ctx).Select("id, subscribe_template_id, subscribe_data, subscribe_page").Where("id = ?", noticeID).Take(&n).Error
	if err != nil {
		return nil, fmt.Errorf("load notice %d: %w", noticeID, err)
	}
	m = &Subscribe{TemplateID: n.SubscribeTemplateID, Page: n.SubscribePage}
	_ = json.Unmarshal([]byte(n.SubscribeData), &m.Data)
	d.mu.Lock()
	if len(d.messages) > 10_000 {
		clear(d.messages)
	}
	d.messages[noticeID] = m
	d.mu.Unlock()
	return m, nil
}
