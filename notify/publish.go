package notify

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/residents"
)

// scopeSQL renders the audience's SELECT over residents (sel is its column
// list) as SQL and flat arguments, for INSERT … SELECT.
func scopeSQL(tx *gorm.DB, a Audience, now time.Time, sel string) (string, []any) {
	q := tx.Session(&gorm.Session{DryRun: true, NewDB: true}).Table(residents.Table).Select(sel)
	q = a.Scope(q, now).Find(&[]map[string]any{})
	return q.Statement.SQL.String(), q.Statement.Vars
}

// PublishDue publishes every approved notice whose publish_at has come and
// returns how many it published. Safe to run in several processes: each
// notice is published by exactly one of them.
func (s *Service) PublishDue(ctx context.Context) (int, error) {
	now := s.clock()
	var ids []int64
	err := s.db.WithContext(ctx).Model(&Notice{}).
		Where("status = ? AND publish_at <= ?", StatusApproved, now).Order("publish_at, id").Limit(100).Pluck("id", &ids).Error
	if err != nil {
		return 0, fmt.Errorf("find due notices: %w", err)
	}
	done := 0
	for _, id := range ids {
		ok, err := s.publish(ctx, id)
		if err != nil {
			return done, err
		}
		if ok {
			done++
		}
	}
	return done, nil
}

// publish freezes notice id's audience into recipients, spends one consent
// of each recipient who has one for its template and queues the sends, all
// in one transaction. It reports false if someone else published it first.
func (s *Service) publish(ctx context.Context, id int64) (bool, error) {
	now := s.clock()
	published := false
	err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		published = false
		res := tx.Model(&Notice{}).Where("id = ? AND status = ? AND publish_at <= ?", id, StatusApproved, now).
			Updates(map[string]any{"status": StatusPublished, "published_at": now, "updated_at": now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return nil
		}
		var n Notice
		if err := tx.Where("id = ?", id).Take(&n).Error; err != nil {
			return err
		}
		sel := residents.IDColumn(rs) + ", " + residents.StreetColumn(rs) + ", " + strconv.FormatInt(id, 10)
		q, vars := scopeSQL(tx, n.Audience, now, sel)
		ins := tx.Exec("INSERT INTO notice_recipients (resident_id, street, notice_id) "+q, vars...)
		if ins.Error != nil {
			return ins.Error
		}
		if err := tx.Model(&Notice{}).Where("id = ?", id).Update("targeted", ins.RowsAffected).Error; err != nil {
			return err
		}
		if err := s.queueSends(tx, &n, now); err != nil {
			return err
		}
		published = true
		return tx.Create(&Event{NoticeID: id, Action: "published", ActorID: 0, CreatedAt: now}).Error
	})
	if err != nil {
		return false, fmt.Errorf("publish notice %d: %w", id, err)
	}
	return published, nil
}

// sendRules are how a notice's sends are queued.
type sendRules struct {
	urgent   bool      // the urgent lane: warning and health
	status   string    // pending, or held for quiet hours
	due      time.Time // when a send may first be claimed
	underCap bool      // routine sends still to pass the daily cap
}

// rulesFor decides how notice n's sends are queued at now: urgent ones
// (a department's warning or health notice) at once; routine ones held
// until quiet hours end, and subject to the daily cap unless the cap is
// off or the notice is about the resident's own affairs (capExempt).
func (s *Service) rulesFor(n *Notice, now time.Time) sendRules {
	// A system message is never an emergency, whatever its category (a
	// declaration's reminder is "health"): it waits out quiet hours.
	r := sendRules{urgent: IsUrgent(string(n.Category)) && n.Kind == "", status: "pending", due: now}
	if r.urgent {
		return r
	}
	if end, quiet := s.config().Quiet.Until(now); quiet {
		r.status, r.due = "held", end
	}
	r.underCap = s.config().DailyCap > 0 && !capExempt[SystemKind(n.Kind)]
	return r
}

// queueSends queues notice n's sends, inside its publication: a WeChat
// send to every recipient who can be reached and has consent for its
// template (one consent spent, unless the template is long-term), and,
// for an urgent notice with SMS, a text message to every other recipient
// with a bound phone.
func (s *Service) queueSends(tx *gorm.DB, n *Notice, now time.Time) error {
	r := s.rulesFor(n, now)
	const cols = `INSERT INTO notice_sends (notice_id, resident_id, street, template_id, channel, urgent, under_cap, quota_spent,
		status, attempts, due_at, claim, last_error, created_at, updated_at) `
	if t := n.SubscribeTemplateID; t != "" && s.config().longTerm[t] {
		// Long-term consent stays: nothing is spent.
		err := tx.Exec(cols+`SELECT r.notice_id, r.resident_id, r.street, q.template_id, 'wechat', ?, ?, ?, ?, 0, ?, '', '', ?, ?
			FROM notice_recipients r
			JOIN subscription_quotas q ON q.resident_id = r.resident_id AND q.template_id = ? AND q.remaining > 0
			`+residents.Join("p", "r.resident_id")+` AND `+residents.OpenIDColumn("p")+` IS NOT NULL
			WHERE r.notice_id = ?`,
			r.urgent, r.underCap, false, r.status, r.due, now, now, t, n.ID).Error
		if err != nil {
			return err
		}
	} else if t != "" {
		// The quota rows stay locked until the transaction ends, so the spend
		// and the queue agree.
		err := tx.Exec(`UPDATE subscription_quotas SET remaining = remaining - 1, spent_notice = ?, updated_at = ?
			WHERE template_id = ? AND remaining > 0
			AND resident_id IN (SELECT r.resident_id FROM notice_recipients r `+residents.Join("p", "r.resident_id")+`
				WHERE r.notice_id = ? AND `+residents.OpenIDColumn("p")+` IS NOT NULL)`,
			n.ID, now, t, n.ID).Error
		if err != nil {
			return err
		}
		err = tx.Exec(cols+`SELECT r.notice_id, r.resident_id, r.street, q.template_id, 'wechat', ?, ?, ?, ?, 0, ?, '', '', ?, ?
			FROM subscription_quotas q JOIN notice_recipients r ON r.notice_id = ? AND r.resident_id = q.resident_id
			WHERE q.template_id = ? AND q.spent_notice = ?`,
			r.urgent, r.underCap, true, r.status, r.due, now, now, n.ID, t, n.ID).Error
		if err != nil {
			return err
		}
	}
	if n.SMS && r.urgent {
		err := tx.Exec(cols+`SELECT r.notice_id, r.resident_id, r.street, '', 'sms', ?, ?, ?, 'pending', 0, ?, '', '', ?, ?
			FROM notice_recipients r `+residents.Join("p", "r.resident_id")+`
			WHERE r.notice_id = ? AND `+residents.PhoneEncColumn("p")+` IS NOT NULL AND `+residents.Live("p")+`
			AND NOT EXISTS (SELECT 1 FROM notice_sends x WHERE x.notice_id = r.notice_id AND x.resident_id = r.resident_id)`,
			true, false, false, now, now, now, n.ID).Error
		if err != nil {
			return err
		}
	}
	return nil
}

// cancelSends cancels a withdrawn notice's sends not yet claimed and gives
// back the consent they spent.
func (s *Service) cancelSends(tx *gorm.DB, n *Notice) error {
	now := s.clock()
	err := tx.Exec(`UPDATE notice_sends SET status = 'cancelled', due_at = NULL, updated_at = ?
		WHERE notice_id = ? AND status IN ('pending', 'held')`, now, n.ID).Error
	if err != nil {
		return err
	}
	if n.SubscribeTemplateID == "" {
		return nil
	}
	return tx.Exec(`UPDATE subscription_quotas SET remaining = remaining + 1, updated_at = ?
		WHERE template_id = ? AND resident_id IN
			(SELECT resident_id FROM notice_sends WHERE notice_id = ? AND status = 'cancelled' AND channel = 'wechat' AND quota_spent = ?)`,
		now, n.SubscribeTemplateID, n.ID, true).Error
}

// wake tells the publisher that a notice may be due.
func (s *Service) wake() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// nextDue returns when the next approved notice is due, if any is.
func (s *Service) nextDue(ctx context.Context) (time.Time, bool, error) {
	var next []time.Time
	err := s.db.WithContext(ctx).Model(&Notice{}).Where("status = ? AND publish_at IS NOT NULL", StatusApproved).
		Order("publish_at").Limit(1).Pluck("publish_at", &next).Error
	if err != nil || len(next) == 0 {
		return time.Time{}, false, err
	}
	return next[0], true, nil
}

// PublishRound publishes due notices (PublishDue) and sets Wake to fire
// when the next approved notice falls due, so the publisher, run every
// poll interval and on Wake, publishes it on time (approvals made by other
// processes are found by the poll). It returns how many it published.
func (s *Service) PublishRound(ctx context.Context) (int, error) {
	n, err := s.PublishDue(ctx)
	if err != nil || n > 0 {
		return n, err // more may be due: the publisher runs again at once
	}
	next, ok, err := s.nextDue(ctx)
	if err != nil || !ok {
		return 0, err
	}
	d := next.Sub(s.clock()) + time.Millisecond
	if d <= time.Millisecond {
		// Due, yet not published by this round: another process is
		// publishing it. Look again shortly.
		d = 100 * time.Millisecond
	}
	s.timerMu.Lock()
	if s.timer != nil {
		s.timer.Stop()
	}
	s.timer = time.AfterFunc(d, s.wake)
	s.timerMu.Unlock()
	return 0, nil
}

// Wake fires when the publisher should run before its poll interval: after
// an approval in this process, and when the next approved notice is due.
func (s *Service) Wake() <-chan struct{} { return s.kick }
