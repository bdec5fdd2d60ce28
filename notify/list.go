package notify

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/internal/patch"
	"github.com/futian/ifutian/staff"
)

// Filter selects notices for the console. Every set field narrows the
// list; Since and Until bound the creation time.
type Filter struct {
	// Status is a notice's status as shown: draft, submitted, approved,
	// rejected, published (not expired), expired or withdrawn; "" for all.
	Status   Status
	Category Category
	AuthorID int64
	Author   string // the author's username, whole
	// ReviewableBy keeps the submitted notices this member did not write,
	// so may review (the review queue); 0 for no such narrowing.
	ReviewableBy int64
	Since        *time.Time // created at or after
	Until        *time.Time // created before
	Q            string     // words the title or body contains
	Before       int64      // cursor: IDs below this, 0 for the first page
	Limit        int
}

// Validate names the bad fields of a filter that its enums and the API's
// query tags do not: the time window, and a status with reviewable.
func (f *Filter) Validate() error {
	fields := map[string]string{}
	if f.Since != nil && f.Until != nil && !f.Until.After(*f.Since) {
		fields["until"] = "须晚于 since"
	}
	if f.ReviewableBy > 0 && f.Status != "" && f.Status != StatusSubmitted {
		fields["status"] = "只看待我审核的通知时须为 submitted 或不填"
	}
	return apperr.Fields(fields)
}

// Find lists the departments' notices within m's scope (those FindByID
// returns), newest first; system notices are not listed, narrowed by f.
// next is the cursor of the next page (0 on the last). It returns an
// invalid_argument error naming a bad filter field.
func (s *Service) Find(ctx context.Context, m *staff.Member, f Filter) (items []Notice, next int64, err error) {
	if err := f.Validate(); err != nil {
		return nil, 0, err
	}
	now := s.clock()
	q := s.found(ctx, m.Scope(), f, now)
	if f.Before > 0 {
		q = q.Where("id < ?", f.Before)
	}
	if err := q.Order("id DESC").Limit(f.Limit + 1).Find(&items).Error; err != nil {
		return nil, 0, fmt.Errorf("find notices: %w", err)
	}
	if len(items) > f.Limit {
		items = items[:f.Limit]
		next = items[len(items)-1].ID
	}
	for i := range items {
		items[i].fill(now)
	}
	if err := s.nameAuthors(ctx, items); err != nil {
		return nil, 0, err
	}
	return items, next, nil
}

// CountFound counts the notices Find lists for m and f over all pages (up
// to db.CountCap; more then).
func (s *Service) CountFound(ctx context.Context, m *staff.Member, f Filter) (n int64, more bool, err error) {
	if err := f.Validate(); err != nil {
		return 0, false, err
	}
	return db.CountUpTo(s.found(ctx, m.Scope(), f, s.clock()))
}

// found selects the notices Find lists, all pages: the department and the
// streets the audience reaches (notice_streets) are filtered by the scope.
func (s *Service) found(ctx context.Context, by staff.Scope, f Filter, now time.Time) *gorm.DB {
	q := by.Filter(s.db.WithContext(ctx).Model(&Notice{}), staff.Columns{Department: "department_id"}).
		Where("source IS NULL")
	q = by.FilterWithin(q, noticeReach())
	switch f.Status {
	case "":
	case StatusPublished:
		q = q.Where("status = ? AND (expires_at IS NULL OR expires_at > ?)", StatusPublished, now)
	case StatusExpired:
		q = q.Where("status = ? AND expires_at <= ?", StatusPublished, now)
	default:
		q = q.Where("status = ?", f.Status)
	}
	if f.Category != "" {
		q = q.Where("category = ?", f.Category)
	}
	if f.AuthorID > 0 {
		q = q.Where("author_id = ?", f.AuthorID)
	}
	if f.Author != "" {
		q = q.Where("author_id IN (?)", s.db.Model(&staff.Member{}).Select("id").Where("username = ?", staff.NormalizeUsername(f.Author)))
	}
	if f.ReviewableBy > 0 {
		q = q.Where("status = ? AND COALESCE(author_id, 0) <> ?", StatusSubmitted, f.ReviewableBy)
	}
	if f.Since != nil {
		q = q.Where("created_at >= ?", f.Since.UTC())
	}
	if f.Until != nil {
		q = q.Where("created_at < ?", f.Until.UTC())
	}
	if w := strings.TrimSpace(f.Q); w != "" {
		p := db.Contains(w)
		q = q.Where("(title LIKE ? ESCAPE '!' OR body LIKE ? ESCAPE '!')", p, p)
	}
	return q
}

// Patch changes a draft: every set field replaces the notice's. The
// nullable fields (publish time, expiry, subscribe message) say whether
// they are set apart from their value, so that null clears them.
type Patch struct {
	Title      *string               `json:"title" binding:"omitempty,max=100"`
	Body       *string               `json:"body" binding:"omitempty,max=20000" doc:"at most 20,000 characters and 65,535 bytes in UTF-8"`
	Category   *Category             `json:"category"`
	Audience   *Audience             `json:"audience"`
	RequireAck *bool                 `json:"require_ack"`
	SMS        *bool                 `json:"sms" doc:"warning and health notices only (else 400 naming sms)"`
	PublishAt  patch.Null[time.Time] `json:"publish_at" doc:"null: published as soon as it is approved"`
	ExpiresAt  patch.Null[time.Time] `json:"expires_at" doc:"null clears it; after publish_at (or, without one, after now)"`
	Subscribe  patch.Null[Subscribe] `json:"subscribe" doc:"the subscribe message, as in a draft ({template_id, data}); null: none"`
}

func (p Patch) apply(d Draft) Draft {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&d.Title, p.Title)
	set(&d.Body, p.Body)
	if p.Category != nil {
		d.Category = *p.Category
	}
	if p.Audience != nil {
		d.Audience = *p.Audience
	}
	if p.RequireAck != nil {
		d.RequireAck = *p.RequireAck
	}
	if p.SMS != nil {
		d.SMS = *p.SMS
	}
	if p.PublishAt.Set {
		d.PublishAt = p.PublishAt.Value
	}
	if p.ExpiresAt.Set {
		d.ExpiresAt = p.ExpiresAt.Value
	}
	if p.Subscribe.Set {
		d.Subscribe = p.Subscribe.Value
	}
	return d
}

// Update edits a draft, or a rejected notice, which goes back to draft
// (its reject reason stays in its history) to be submitted again. The
// result is validated whole, like a new draft. It returns ErrNotFound for
// a notice outside m's scope, ErrSystemNotice for a system notice,
// ErrWrongState for one past review, an
// invalid_argument error naming the bad fields and a permission_denied one
// naming the audience's field that reaches beyond m's streets.
func (s *Service) Update(ctx context.Context, m *staff.Member, r StreetRegions, id int64, p Patch) (*Notice, error) {
	by := m.Scope()
	now := s.clock()
	err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		var n Notice
		err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", id).Take(&n).Error
		if errors.Is(err, gorm.ErrRecordNotFound) || (err == nil && !visible(by, &n, r)) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if n.System() {
			return ErrSystemNotice
		}
		staff.AuditDetail(ctx, "notice "+strconv.FormatInt(n.ID, 10)+" edited")
		if n.Status != StatusDraft && n.Status != StatusRejected {
			return ErrWrongState
		}
		before := n
		defer func() { staff.AuditChanges(ctx, before, n) }()
		d := p.apply(n.draft())
		if err := d.Validate(r, now); err != nil {
			return err
		}
		if err := CheckReach(by, d.Audience, r); err != nil {
			return err
		}
		if err := CheckRules(ctx, tx, by, d.Audience); err != nil {
			return err
		}
		if err := n.setDraft(d); err != nil {
			return err
		}
		err = tx.Model(&Notice{}).Where("id = ?", id).Select("title", "body", "category", "audience", "publish_at", "expires_at",
			"require_ack", "sms", "subscribe_template_id", "subscribe_data", "subscribe_page", "status", "reject_reason", "updated_at").
			Updates(&Notice{Title: n.Title, Body: n.Body, Category: n.Category, Audience: n.Audience, PublishAt: n.PublishAt,
				ExpiresAt: n.ExpiresAt, RequireAck: n.RequireAck, SMS: n.SMS, SubscribeTemplateID: n.SubscribeTemplateID,
				SubscribeData: n.SubscribeData, SubscribePage: n.SubscribePage, Status: StatusDraft, UpdatedAt: now}).Error
		if err != nil {
			return err
		}
		if err := noticeReach().Record(tx, id, reachedStreets(n.Audience, r)); err != nil {
			return err
		}
		return tx.Create(&Event{NoticeID: id, Action: "edited", ActorID: ActorID(m.ID), CreatedAt: now}).Error
	})
	if err != nil {
		if apperr.CodeOf(err) != "" {
			return nil, err
		}
		return nil, fmt.Errorf("update notice: %w", err)
	}
	return s.reload(ctx, id)
}
