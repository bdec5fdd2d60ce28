package notify

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/db"
)

// scopeSQL renders the audience's SELECT over residents (sel is its column
// list) as SQL and flat arguments, for INSERT … SELECT.
func scopeSQL(tx *gorm.DB, a Audience, now time.Time, sel string) (string, []any) {
	q := tx.Session(&gorm.Session{DryRun: true, NewDB: true}).Table("residents").Select(sel)
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
	err := db.Retry(ctx, 5, func() error {
		published = false
		return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
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
			sel := "residents.id, residents.street, " + strconv.FormatInt(id, 10)
			q, vars := scopeSQL(tx, n.Audience, now, sel)
			ins := tx.Exec("INSERT INTO notice_recipients (resident_id, street, notice_id) "+q, vars...)
			if ins.Error != nil {
				return ins.Error
			}
			if err := tx.Model(&Notice{}).Where("id = ?", id).Update("targeted", ins.RowsAffected).Error; err != nil {
				return err
			}
			if n.SubscribeTemplateID != "" {
				if err := queueSends(tx, id, n.SubscribeTemplateID, now); err != nil {
					return err
				}
			}
			published = true
			return tx.Create(&Event{NoticeID: id, Action: "published", ActorID: 0, CreatedAt: now}).Error
		})
	})
	if err != nil {
		return false, fmt.Errorf("publish notice %d: %w", id, err)
	}
	return published, nil
}

// queueSends spends one consent of template for every recipient of notice
// who has one and can be reached, and queues one send for each of exactly
// those. The quota rows stay locked until the transaction ends, so the
// spend and the queue agree.
func queueSends(tx *gorm.DB, noticeID int64, template string, now time.Time) error {
	err := tx.Exec(`UPDATE subscription_quotas SET remaining = remaining - 1, spent_notice = ?, updated_at = ?
		WHERE template_id = ? AND remaining > 0
		AND resident_id IN (SELECT r.resident_id FROM notice_recipients r JOIN residents p ON p.id = r.resident_id
			WHERE r.notice_id = ? AND p.openid IS NOT NULL)`,
		noticeID, now, template, noticeID).Error
	if err != nil {
		return err
	}
	return tx.Exec(`INSERT INTO notice_sends (notice_id, resident_id, street, template_id, status, attempts, due_at, claim, last_error, created_at, updated_at)
		SELECT r.notice_id, r.resident_id, r.street, q.template_id, 'pending', 0, ?, '', '', ?, ?
		FROM subscription_quotas q JOIN notice_recipients r ON r.notice_id = ? AND r.resident_id = q.resident_id
		WHERE q.template_id = ? AND q.spent_notice = ?`,
		now, now, now, noticeID, template, noticeID).Error
}

// cancelSends cancels a withdrawn notice's sends not yet claimed and gives
// their consent back.
func (s *Service) cancelSends(tx *gorm.DB, n *Notice) error {
	now := s.clock()
	err := tx.Exec(`UPDATE notice_sends SET status = 'cancelled', due_at = NULL, updated_at = ?
		WHERE notice_id = ? AND status = 'pending'`, now, n.ID).Error
	if err != nil {
		return err
	}
	return tx.Exec(`UPDATE subscription_quotas SET remaining = remaining + 1, updated_at = ?
		WHERE template_id = ? AND resident_id IN
			(SELECT resident_id FROM notice_sends WHERE notice_id = ? AND status = 'cancelled')`,
		now, n.SubscribeTemplateID, n.ID).Error
}

// RunPublisher publishes due notices every interval (and at once after an
// approval) until ctx ends. onErr, if not nil, hears of failed rounds.
func (s *Service) RunPublisher(ctx context.Context, interval time.Duration, onErr func(error)) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := s.PublishDue(ctx); err != nil && ctx.Err() == nil && onErr != nil {
			onErr(err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		case <-s.kick:
		}
	}
}

// SystemKind names a kind of message the system sends by itself (a fixed
// text, not reviewed, that staff cannot write into). Each kind may be
// mapped to a WeChat subscribe template in configuration.
type SystemKind string

// The system messages.
const (
	KindBenefitMatched    SystemKind = "benefit_matched"
	KindSurveyReminder    SystemKind = "survey_reminder"
	KindDeductionRecorded SystemKind = "deduction_recorded"
	KindAppealDecided     SystemKind = "appeal_decided"
	KindCreditRecorded    SystemKind = "credit_recorded"
	KindGradeChanged      SystemKind = "grade_changed"
	KindObjectionDecided  SystemKind = "objection_decided"
	KindActivityCancelled SystemKind = "activity_cancelled"
	KindRequestAccepted   SystemKind = "request_accepted"
	KindRequestAnswered   SystemKind = "request_answered"
)

// DirectNotice is a notice the system itself sends to named residents,
// without review: benefit matches, survey reminders. It lands in their
// inbox at once. Its texts are fixed system texts: a sender fills them from
// its own template, naming objects, never pasting staff-written text.
type DirectNotice struct {
	// Kind says which system message this is.
	Kind SystemKind
	Title       string
	Body        string
	Category    string // policy, health, activity or warning
	ResidentIDs []int64
	// Source identifies the sender for idempotency (e.g. "benefit:12:ent:7");
	// sending the same Source twice delivers nothing the second time.
	Source string
	// DepartmentID is the department the notice is sent for (nil: the
	// district), shown with it like any department's notice.
	DepartmentID *int64
}

var errAlreadySent = errors.New("already sent")

// SendDirect delivers a system notice to each named (live) resident's
// inbox. Sending the same Source again changes nothing. It returns an
// invalid_argument error for a bad title, body, category or source.
func (s *Service) SendDirect(ctx context.Context, d DirectNotice) error {
	fields := map[string]string{}
	if t := strings.TrimSpace(d.Title); t == "" || utf8.RuneCountInString(t) > 100 {
		fields["title"] = "标题须为 1–100 个字"
	}
	if !validBody(d.Body) {
		fields["body"] = bodyRule
	}
	if d.Category == "" {
		d.Category = "policy"
	}
	if !strings.Contains(" policy health activity warning ", " "+d.Category+" ") {
		fields["category"] = "须为 policy、health、activity 或 warning"
	}
	if d.Source == "" || len(d.Source) > 128 {
		fields["source"] = "须为 1–128 个字符"
	}
	if err := apperr.Fields(fields); err != nil {
		return err
	}
	if len(d.ResidentIDs) == 0 {
		return nil
	}
	now := s.clock()
	source := d.Source
	err := db.Retry(ctx, 5, func() error {
		return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			n := &Notice{
				DepartmentID: d.DepartmentID, Title: strings.TrimSpace(d.Title), Body: d.Body, Category: d.Category, PublishAt: now,
				Status: StatusPublished, PublishedAt: &now, Source: &source, CreatedAt: now, UpdatedAt: now,
			}
			if err := tx.Create(n).Error; err != nil {
				if db.IsDuplicate(err) {
					return errAlreadySent
				}
				return err
			}
			var total int64
			for start := 0; start < len(d.ResidentIDs); start += 5000 {
				part := Audience{ResidentIDs: d.ResidentIDs[start:min(start+5000, len(d.ResidentIDs))]}
				// A resident named twice across parts is skipped the second time.
				sel := "residents.id, residents.street, " + strconv.FormatInt(n.ID, 10)
				q, vars := scopeSQL(tx, part, now, sel)
				q += " AND NOT EXISTS (SELECT 1 FROM notice_recipients x WHERE x.notice_id = " + strconv.FormatInt(n.ID, 10) + " AND x.resident_id = residents.id)"
				res := tx.Exec("INSERT INTO notice_recipients (resident_id, street, notice_id) "+q, vars...)
				if res.Error != nil {
					return res.Error
				}
				total += res.RowsAffected
			}
			if err := tx.Model(&Notice{}).Where("id = ?", n.ID).Update("targeted", total).Error; err != nil {
				return err
			}
			return tx.Create(&Event{NoticeID: n.ID, Action: "published", ActorID: 0, Reason: source, CreatedAt: now}).Error
		})
	})
	if errors.Is(err, errAlreadySent) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("send direct notice: %w", err)
	}
	return nil
}
