package notify

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/jobs"
	"github.com/futian/ifutian/residents"
	"github.com/futian/ifutian/wechat"
)

// Sender sends one WeChat subscribe message (wechat.Client does).
type Sender interface {
	SendSubscribe(ctx context.Context, m wechat.Message) error
}

// DeliveryConfig tunes a Deliverer. Zero fields take the defaults.
type DeliveryConfig struct {
	Rate        float64       // sends per second from this process (500), with a tenth of a second's burst
	Batch       int           // most sends claimed at once (half a second's worth, 1–200)
	Lease       time.Duration // how long a claimed send is held before others may retry it (30s)
	MaxAttempts int           // attempts before a send is failed for good (8)
	Backoff     time.Duration // first retry delay, doubled each time, with jitter (2s)
	MaxBackoff  time.Duration // (10m)
	Pause       time.Duration // how long to stop after a daily limit (WeChat 45009) (10m)
	Idle        time.Duration // how long the deliverer's task waits when nothing is due (1s)
	// CallTimeout bounds one send on the wire (the provider client's own
	// timeout; a third of the lease). A send starts only while its lease
	// still covers CallTimeout and a margin to record the outcome, so no
	// other Deliverer can take it while it may be on the wire.
	CallTimeout time.Duration
	// Gate, if not nil, is waited on before sends as well as the
	// process's own Rate: it grants between 1 and n sends (n at most a
	// tenth of a second's worth), waiting until at least one may go. With
	// a gate shared by every process (ratelimit.WaitUpTo on a Redis
	// limiter), several processes together keep to the rate, at one round
	// trip for several sends. An error hands the sends back to the queue.
	Gate func(ctx context.Context, n int) (int, error)
	// Outcome, if not nil, is told each send attempt's outcome by channel
	// ("wechat", "sms"): sent, failed, no_quota, retry or paused (a daily
	// limit). The metrics count them.
	Outcome func(channel, outcome string)
}

// DefaultSendRate is the default rate of subscribe messages: 500 a second
// is 700,000 residents in under 25 minutes, so an urgent notice reaches the
// whole district within the hour (WeChat caps subscribe sends per day, not
// per second).
const DefaultSendRate = 500

func (c *DeliveryConfig) defaults() {
	if c.Rate <= 0 {
		c.Rate = DefaultSendRate
	}
	if c.Batch <= 0 {
		c.Batch = min(max(int(c.Rate/2), 1), 200)
	}
	if c.Lease <= 0 {
		c.Lease = 30 * time.Second
	}
	if c.CallTimeout <= 0 || c.CallTimeout > c.Lease/2 {
		c.CallTimeout = c.Lease / 3
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

// verdict is what a send attempt's outcome makes of the send.
type verdict int

const (
	sent     verdict = iota
	final            // failed for good
	noQuota          // WeChat says the consent is gone: final, quota zeroed
	retry            // transient: again after backoff
	pause            // a daily limit: this Deliverer stops for Pause
	handBack         // never really tried (shutting down): back to the queue
)

// channel is one way of reaching a resident: WeChat or SMS.
type channel interface {
	name() string
	// reachable says why a claimed send can't be made ("" if it can).
	unreachable(r claimed) string
	send(ctx context.Context, r claimed, m *message) error
	verdict(err error) verdict
}

// Deliverer sends the queued messages of one channel (table notice_sends)
// at a bounded rate. Urgent sends (warning and health notices) are claimed
// before any routine one, so an urgent notice waits at most one batch
// (and the claim of the next, made while that one's last sends wait for
// the rate) behind a routine one already sending; a batch of one lane goes
// out only once the other lane's batch before it is done. Routine WeChat
// sends are held during quiet hours and pass the per-resident daily cap
// when claimed.
// Several Deliverers, in one process or many sharing a MySQL database, may
// run at once: each send is claimed by one of them with a row lock (SKIP
// LOCKED) and a lease, which the claimer renews while its batch lasts. A
// send goes on the wire only while its lease still covers the call and the
// recording of its outcome; otherwise it is handed back. So a send is only
// repeated if its process died (or could not record for a whole lease)
// between the provider's answer and recording it: the lease then expires
// and another Deliverer sends it again.
type Deliverer struct {
	s   *Service
	ch  channel
	cfg DeliveryConfig
	lim *rate.Limiter
	// claimTook is how long the last claim took, in nanoseconds: the next
	// batch is claimed that long (twice) before the current one has gone.
	claimTook atomic.Int64

	mu          sync.Mutex
	pausedUntil time.Time
	messages    map[int64]*message // notice ID → what its sends say
}

// NewDeliverer returns a Deliverer of WeChat subscribe messages sending
// through send.
func (s *Service) NewDeliverer(send Sender, cfg DeliveryConfig) *Deliverer {
	return s.newDeliverer(wechatChannel{send}, cfg)
}

func (s *Service) newDeliverer(ch channel, cfg DeliveryConfig) *Deliverer {
	cfg.defaults()
	return &Deliverer{
		s: s, ch: ch, cfg: cfg,
		// A tenth of a second's burst, as ratelimit.PerSecond: a pause
		// shorter than that (a claim, a slow statement) is made up after.
		lim:      rate.NewLimiter(rate.Limit(cfg.Rate), max(1, int(cfg.Rate/10))),
		messages: map[int64]*message{},
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
	PhoneEnc   []byte  // sealed; opened only to send
	Token      string  `gorm:"-"`
}

// candidate is a due send, as the claim decides on it.
type candidate struct {
	ID         int64
	ResidentID int64
	TemplateID string
	UnderCap   bool
	QuotaSpent bool
}

// claim takes up to n due sends of the lane (pending or held ones whose
// time has come, sending ones whose lease ran out), passes the routine
// ones still under the daily cap through it (those over it are capped) and
// marks the rest sending under a new claim token until the lease ends.
func (d *Deliverer) claim(ctx context.Context, urgent bool, n int) (rows []claimed, capped int, lease jobs.Lease, err error) {
	now := d.s.clock()
	lease = jobs.Lease{Token: jobs.NewToken(), Until: now.Add(d.cfg.Lease)}
	token := lease.Token
	var ids []int64
	err = db.Transact(ctx, d.s.db, func(tx *gorm.DB) error {
		ids, capped, rows = nil, 0, nil
		var cands []candidate
		err := tx.Table("notice_sends").Clauses(clause.Locking{Strength: "UPDATE", Options: "SKIP LOCKED"}).
			Select("id, resident_id, template_id, under_cap, quota_spent").
			Where("channel = ? AND urgent = ? AND due_at <= ?", d.ch.name(), urgent, now).Order("due_at").Limit(n).Find(&cands).Error
		if err != nil || len(cands) == 0 {
			return err
		}
		admitted, err := d.s.admit(tx, cands, now)
		if err != nil {
			return err
		}
		ids, capped = admitted, len(cands)-len(admitted)
		if len(ids) == 0 {
			return nil
		}
		err = tx.Exec(`UPDATE notice_sends SET status = 'sending', claim = ?, attempts = attempts + 1, under_cap = ?, due_at = ?, updated_at = ?
			WHERE id IN ?`, token, false, lease.Until, now, ids).Error
		if err != nil {
			return err
		}
		// Loaded in the claim's transaction: a shutdown between claiming
		// and loading would leave sends claimed that nobody delivers or
		// releases until the lease ends.
		return tx.Table("notice_sends s").
			Select("s.id, s.notice_id, s.resident_id, s.template_id, s.attempts, "+residents.OpenIDColumn("p")+", "+residents.PhoneEncColumn("p")).
			Joins(residents.LeftJoin("p", "s.resident_id")).
			Where("s.id IN ? AND s.claim = ?", ids, token).Scan(&rows).Error
	})
	if err != nil {
		return nil, 0, lease, fmt.Errorf("claim sends: %w", err)
	}
	for i := range rows {
		rows[i].Token = token
	}
	return rows, capped, lease, nil
}

// hold moves up to n due routine sends to the end of the quiet hours.
func (d *Deliverer) hold(ctx context.Context, until time.Time, n int) (int, error) {
	now := d.s.clock()
	var ids []int64
	err := db.Transact(ctx, d.s.db, func(tx *gorm.DB) error {
		ids = nil
		err := tx.Table("notice_sends").Clauses(clause.Locking{Strength: "UPDATE", Options: "SKIP LOCKED"}).
			Where("channel = ? AND urgent = ? AND due_at <= ?", d.ch.name(), false, now).Order("due_at").Limit(n).Pluck("id", &ids).Error
		if err != nil || len(ids) == 0 {
			return err
		}
		return tx.Exec("UPDATE notice_sends SET status = 'held', claim = '', due_at = ?, updated_at = ? WHERE id IN ?", until, now, ids).Error
	})
	if err != nil {
		return 0, fmt.Errorf("hold sends: %w", err)
	}
	return len(ids), nil
}

// Idle is how long to wait after a round that delivered nothing.
func (d *Deliverer) Idle() time.Duration { return d.cfg.Idle }

// chainFor is how long one DeliverOnce goes on claiming batch after batch
// while full ones come, before it returns (and its caller counts them).
const chainFor = 10 * time.Second

// batch is one claim's sends as they go out.
type batch struct {
	rows   []claimed
	urgent bool
	full   bool // the claim found as many due sends as it could take
	held   *heldLease
	wg     sync.WaitGroup
	stop   chan struct{}
	renew  chan struct{}
	mu     sync.Mutex
	err    error
}

func (b *batch) fail(err error) {
	if err == nil {
		return
	}
	b.mu.Lock()
	if b.err == nil {
		b.err = err
	}
	b.mu.Unlock()
}

// wait waits for the batch's sends and returns the first error recording
// one of them.
func (b *batch) wait() error {
	b.wg.Wait()
	close(b.stop)
	<-b.renew
	return b.err
}

// next claims the next batch: urgent sends first, routine ones when no
// urgent one is due, except in quiet hours, when those are held instead.
// It returns nil if there is nothing to send, and how many sends were
// capped or held.
func (d *Deliverer) next(ctx context.Context) (*batch, int, error) {
	start := time.Now()
	defer func() { d.claimTook.Store(int64(time.Since(start))) }()
	urgent := true
	rows, done, lease, err := d.claim(ctx, true, d.cfg.Batch)
	if err != nil {
		return nil, 0, err
	}
	if len(rows) == 0 && done == 0 {
		urgent = false
		if until, quiet := d.s.config().Quiet.Until(d.s.clock()); quiet {
			done, err = d.hold(ctx, until, 1000)
		} else {
			rows, done, lease, err = d.claim(ctx, false, d.cfg.Batch)
		}
		if err != nil {
			return nil, 0, err
		}
	}
	if len(rows) == 0 {
		return nil, done, nil
	}
	return &batch{rows: rows, urgent: urgent, full: len(rows)+done >= d.cfg.Batch, held: &heldLease{l: lease}}, done, nil
}

func (d *Deliverer) paused() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return time.Now().Before(d.pausedUntil)
}

// DeliverOnce claims a batch of due sends, sends them within the rate and
// records each outcome. Routine sends are claimed only when no urgent one
// is due; in quiet hours they are held instead. While a full batch's last
// sends wait for the rate, the next batch is claimed, so that sending
// never stops for a claim; it goes on so for up to chainFor. It returns
// how many sends it claimed, capped or held.
func (d *Deliverer) DeliverOnce(ctx context.Context) (int, error) {
	if d.paused() {
		return 0, nil
	}
	b, total, err := d.next(ctx)
	if err != nil || b == nil {
		return total, err
	}
	until := time.Now().Add(chainFor)
	var prev *batch
	var first error
	for b != nil {
		if prev != nil && prev.urgent != b.urgent {
			// Nothing of the other lane goes out before this one is done.
			first = cmp.Or(first, prev.wait())
			prev = nil
		}
		total += len(b.rows)
		var claimed chan nextBatch
		prefetch := func() {
			if claimed != nil || !b.full || first != nil || ctx.Err() != nil || time.Now().After(until) || d.paused() {
				return
			}
			claimed = make(chan nextBatch, 1)
			go func() {
				nb, done, err := d.next(ctx)
				claimed <- nextBatch{nb, done, err}
			}()
		}
		stopped := d.dispatch(ctx, b, prefetch)
		if prev != nil {
			first = cmp.Or(first, prev.wait())
		}
		prev, b = b, nil
		if claimed != nil {
			n := <-claimed
			total += n.done
			if n.err != nil {
				first = cmp.Or(first, n.err)
			}
			b = n.b
			if b != nil && (stopped || first != nil) {
				// Nobody sends them now: back to the queue at once.
				first = cmp.Or(first, d.releaseAll(ctx, b.rows))
				b = nil
			}
		}
	}
	return total, cmp.Or(first, prev.wait())
}

type nextBatch struct {
	b    *batch
	done int
	err  error
}

// dispatch starts b's sends as the rate lets them go, in the order claimed,
// and calls prefetch once the sends left would take no longer than about
// twice a claim. Sends that cannot go (the rate's gate failed, ctx ended,
// a daily limit paused the Deliverer) are handed back, and dispatch
// reports that it stopped.
func (d *Deliverer) dispatch(ctx context.Context, b *batch, prefetch func()) (stopped bool) {
	b.stop, b.renew = make(chan struct{}), make(chan struct{})
	go func() { defer close(b.renew); d.renew(ctx, b.held, b.stop) }()
	var reach []claimed
	for _, r := range b.rows {
		if why := d.ch.unreachable(r); why != "" {
			b.wg.Go(func() {
				rec, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
				defer cancel()
				b.fail(d.finish(rec, r, "failed", why))
			})
			continue
		}
		reach = append(reach, r)
	}
	// What the sends say, loaded once before the first of them waits.
	for _, r := range reach {
		if _, err := d.message(ctx, r.NoticeID); err != nil {
			break // each send's own load tries again, or hands it back
		}
	}
	lead := int(d.cfg.Rate*(2*time.Duration(d.claimTook.Load())+20*time.Millisecond).Seconds()) + 1
	for i := 0; i < len(reach); {
		if len(reach)-i <= lead {
			prefetch()
		}
		if d.paused() || ctx.Err() != nil {
			b.fail(d.releaseAll(ctx, reach[i:]))
			return true
		}
		k, err := d.take(ctx, len(reach)-i)
		if err != nil {
			b.fail(d.releaseAll(ctx, reach[i:]))
			return true
		}
		for _, r := range reach[i : i+k] {
			b.wg.Go(func() { b.fail(d.deliver(ctx, r, b.held)) })
		}
		i += k
	}
	if len(reach) <= lead {
		prefetch()
	}
	return false
}

// take waits until up to n sends may start within the process's own rate
// and the shared gate, and returns how many (at least 1).
func (d *Deliverer) take(ctx context.Context, n int) (int, error) {
	n = min(n, d.lim.Burst())
	if d.cfg.Gate != nil {
		k, err := d.cfg.Gate(ctx, n)
		if err != nil {
			return 0, err
		}
		if k < 1 || k > n {
			return 0, fmt.Errorf("send gate granted %d of %d", k, n)
		}
		n = k
	} else {
		n = max(1, min(n, int(d.lim.Tokens())))
	}
	if err := d.lim.WaitN(ctx, n); err != nil {
		return 0, err
	}
	return n, nil
}

// heldLease is a batch's lease as its claimer knows it, renewed while the
// batch lasts.
type heldLease struct {
	mu sync.Mutex
	l  jobs.Lease
}

func (h *heldLease) get() jobs.Lease {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.l
}

// renew extends the batch's lease every third of it until stop closes. A
// renewal counts only if it was written before the lease it extends ran
// out: until then no other Deliverer could have claimed the batch's sends,
// so every send still under the batch's token is still ours. Once the
// lease is lost it is not renewed again; the sends not yet on the wire are
// then handed back (deliver), those another Deliverer took are its own.
func (d *Deliverer) renew(ctx context.Context, h *heldLease, stop <-chan struct{}) {
	t := time.NewTicker(d.cfg.Lease / 3)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		cur := h.get()
		start := d.s.clock()
		if !cur.Covers(start, 0) {
			return
		}
		until := start.Add(d.cfg.Lease)
		rec, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Until(cur.Until)+time.Second)
		err := d.s.db.WithContext(rec).Exec("UPDATE notice_sends SET due_at = ? WHERE claim = ? AND status = 'sending'", until, cur.Token).Error
		cancel()
		if err == nil && d.s.clock().Before(cur.Until) {
			h.mu.Lock()
			h.l.Until = until
			h.mu.Unlock()
		}
	}
}

// recordMargin is the time a send's lease must cover beyond the call, to
// record its outcome.
func (d *Deliverer) recordMargin() time.Duration {
	return min(time.Second, d.cfg.Lease/10)
}

// deliver sends one claimed message and records what happened. Results are
// recorded even when ctx has ended, so a shutdown loses nothing: a send
// already on the wire runs to its end (at most CallTimeout).
func (d *Deliverer) deliver(ctx context.Context, r claimed, lease *heldLease) error {
	rec, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if why := d.ch.unreachable(r); why != "" {
		return d.finish(rec, r, "failed", why)
	}
	msg, err := d.message(ctx, r.NoticeID)
	if err != nil {
		return d.release(rec, r)
	}
	if d.paused() || ctx.Err() != nil {
		return d.release(rec, r)
	}
	// The waits above may have outlasted the lease: then another Deliverer
	// may hold the send already, and sending it here could send it twice.
	if !lease.get().Covers(d.s.clock(), d.cfg.CallTimeout+d.recordMargin()) {
		return d.release(rec, r)
	}
	wire, cancelWire := context.WithTimeout(context.WithoutCancel(ctx), d.cfg.CallTimeout)
	err = d.ch.send(wire, r, msg)
	cancelWire()
	if err == nil {
		d.outcome("sent")
		return d.finish(rec, r, "sent", "")
	}
	v := d.ch.verdict(err)
	switch {
	case v == noQuota:
		d.outcome("no_quota")
	case v == pause:
		d.outcome("paused")
	case v == handBack:
	case v == retry && r.Attempts < d.cfg.MaxAttempts:
		d.outcome("retry")
	default:
		d.outcome("failed")
	}
	switch v {
	case noQuota:
		// WeChat says the consent is gone; our count was wrong, so trust it.
		if err := d.finish(rec, r, "no_quota", errText(err)); err != nil {
			return err
		}
		return d.s.db.WithContext(rec).Exec("UPDATE subscription_quotas SET remaining = 0, updated_at = ? WHERE resident_id = ? AND template_id = ?",
			d.s.clock(), r.ResidentID, r.TemplateID).Error
	case pause:
		d.mu.Lock()
		d.pausedUntil = time.Now().Add(d.cfg.Pause)
		d.mu.Unlock()
		return d.retry(rec, r, d.cfg.Pause, false, errText(err))
	case retry:
		if r.Attempts >= d.cfg.MaxAttempts {
			return d.finish(rec, r, "failed", errText(err))
		}
		return d.retry(rec, r, jobs.Backoff{Base: d.cfg.Backoff, Max: d.cfg.MaxBackoff}.Delay(r.Attempts), true, errText(err))
	case handBack:
		return d.release(rec, r)
	default:
		return d.finish(rec, r, "failed", errText(err))
	}
}

// outcome tells DeliveryConfig.Outcome of a send attempt.
func (d *Deliverer) outcome(o string) {
	if d.cfg.Outcome != nil {
		d.cfg.Outcome(d.ch.name(), o)
	}
}

func errText(err error) string {
	s := err.Error()
	if len(s) > 250 {
		s = s[:250]
	}
	return s
}

// finish records a final outcome, if the claim is still ours.
func (d *Deliverer) finish(ctx context.Context, r claimed, status, msg string) error {
	now := d.s.clock()
	upd := map[string]any{"status": status, "due_at": nil, "last_error": msg, "updated_at": now}
	if status == "sent" {
		upd["sent_at"] = now
	}
	err := d.record(ctx, r, upd)
	if err != nil {
		return fmt.Errorf("record send %d: %w", r.ID, err)
	}
	return nil
}

// record writes a claimed send's outcome, if the claim is still ours. A
// deadlock with another process's claim is retried: a message sent but not
// recorded would be sent again once its lease ran out.
func (d *Deliverer) record(ctx context.Context, r claimed, upd map[string]any) error {
	return db.Retry(ctx, 8, func() error {
		return d.s.db.WithContext(ctx).Table("notice_sends").Where("id = ? AND claim = ? AND status = 'sending'", r.ID, r.Token).Updates(upd).Error
	})
}

// retry puts a send back in the queue after delay; counted says whether
// the attempt counts against MaxAttempts.
func (d *Deliverer) retry(ctx context.Context, r claimed, delay time.Duration, counted bool, msg string) error {
	now := d.s.clock()
	upd := map[string]any{"status": "pending", "due_at": now.Add(delay), "last_error": msg, "updated_at": now}
	if !counted {
		upd["attempts"] = gorm.Expr("attempts - 1")
	}
	if err := d.record(ctx, r, upd); err != nil {
		return fmt.Errorf("requeue send %d: %w", r.ID, err)
	}
	return nil
}

// releaseAll hands back sends of one claim that were never sent, in one
// statement, also once ctx has ended; see release.
func (d *Deliverer) releaseAll(ctx context.Context, rows []claimed) error {
	if len(rows) == 0 {
		return nil
	}
	rec, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	now := d.s.clock()
	err := db.Retry(rec, 8, func() error {
		return d.s.db.WithContext(rec).Table("notice_sends").Where("id IN ? AND claim = ? AND status = 'sending'", ids, rows[0].Token).
			Updates(map[string]any{"status": "pending", "due_at": now, "last_error": "", "updated_at": now, "attempts": gorm.Expr("attempts - 1")}).Error
	})
	if err != nil {
		return fmt.Errorf("hand back %d sends: %w", len(rows), err)
	}
	return nil
}

// release hands back a send that was claimed but never sent. (Had it
// passed the daily cap, it stays counted: a resident is sent fewer, never
// more.)
func (d *Deliverer) release(ctx context.Context, r claimed) error {
	return d.retry(ctx, r, 0, false, "")
}

// message is what a notice's sends say.
type message struct {
	Title     string
	Subscribe *Subscribe
}

// message returns notice id's message, cached.
func (d *Deliverer) message(ctx context.Context, noticeID int64) (*message, error) {
	d.mu.Lock()
	m := d.messages[noticeID]
	d.mu.Unlock()
	if m != nil {
		return m, nil
	}
	var n Notice
	err := d.s.db.WithContext(ctx).Select("id, title, subscribe_template_id, subscribe_data, target_type, target_id").Where("id = ?", noticeID).Take(&n).Error
	if err != nil {
		return nil, fmt.Errorf("load notice %d: %w", noticeID, err)
	}
	// The page is the server's (pageOf), never a typed one.
	m = &message{Title: n.Title, Subscribe: &Subscribe{TemplateID: n.SubscribeTemplateID, Page: pageOf(n.ID, n.TargetType, n.TargetID)}}
	_ = json.Unmarshal([]byte(n.SubscribeData), &m.Subscribe.Data)
	d.mu.Lock()
	if len(d.messages) > 10_000 {
		clear(d.messages)
	}
	d.messages[noticeID] = m
	d.mu.Unlock()
	return m, nil
}

// wechatChannel sends subscribe messages.
type wechatChannel struct{ sender Sender }

func (wechatChannel) name() string { return "wechat" }

func (wechatChannel) unreachable(r claimed) string {
	if r.OpenID == nil {
		return "resident deleted or without WeChat"
	}
	return ""
}

func (c wechatChannel) send(ctx context.Context, r claimed, m *message) error {
	return c.sender.SendSubscribe(ctx, wechat.Message{OpenID: *r.OpenID, TemplateID: r.TemplateID, Page: m.Subscribe.Page, Data: m.Subscribe.Data})
}

func (wechatChannel) verdict(err error) verdict {
	switch {
	case wechat.IsNoQuota(err):
		return noQuota
	case wechat.IsDailyLimit(err):
		return pause
	case wechat.IsTransient(err) || errors.Is(err, context.DeadlineExceeded):
		return retry
	case errors.Is(err, context.Canceled):
		return handBack
	}
	// 40003 bad openid, 40037 bad template, 47003 bad data, …: final.
	return final
}

// Backlog says how publication keeps up: the approved notices whose time
// has come but that are not published yet, and since when the oldest of
// them is due (zero time if none). Read by the metrics when scraped.
func (s *Service) Backlog(ctx context.Context) (int64, time.Time, error) {
	now := s.clock()
	q := s.db.WithContext(ctx).Table("notices").Where("status = ? AND publish_at <= ?", StatusApproved, now)
	var n int64
	if err := q.Count(&n).Error; err != nil {
		return 0, time.Time{}, fmt.Errorf("notices backlog: %w", err)
	}
	if n == 0 {
		return 0, time.Time{}, nil
	}
	// The column itself (not MIN of it), so that the driver reads a time.
	var oldest []time.Time
	err := s.db.WithContext(ctx).Table("notices").Where("status = ? AND publish_at <= ?", StatusApproved, now).
		Order("publish_at").Limit(1).Pluck("publish_at", &oldest).Error
	if err != nil || len(oldest) == 0 {
		return n, time.Time{}, err
	}
	return n, oldest[0], nil
}
