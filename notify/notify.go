// Package notify sends targeted notices: audiences, two-person review,
// the residents' inbox and WeChat subscribe messages within consent.
package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/check"
	"github.com/futian/ifutian/internal/clock"
	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/staff"
)

// Errors the notify service returns.
var (
	ErrNotFound     = apperr.New(apperr.NotFound, "通知不存在")
	ErrWrongState   = apperr.New(apperr.Conflict, "通知当前状态不允许此操作")
	ErrOwnReview    = apperr.New(apperr.PermissionDenied, "不能审核自己撰写的通知")
	ErrNotRequired  = apperr.New(apperr.Conflict, "该通知无需确认")
	ErrNotAvailable = apperr.New(apperr.Conflict, "该通知已撤回或已过期")
	// ErrSystemNotice refuses to edit, review or withdraw a system notice
	// (details.reason "system_notice"): it is a fixed text about the
	// resident's own affairs, not a department's notice.
	ErrSystemNotice = apperr.New(apperr.Conflict, "系统消息不是部门通知，不能修改、审核或撤回").Because(apperr.ReasonSystemNotice)
)

// Status is where a notice stands.
type Status string

// Notice statuses as stored. "expired" is never stored: a published notice
// whose expires_at has passed is shown as expired.
const (
	StatusDraft     Status = "draft"
	StatusSubmitted Status = "submitted"
	StatusApproved  Status = "approved"
	StatusRejected  Status = "rejected"
	StatusPublished Status = "published"
	StatusWithdrawn Status = "withdrawn"
	StatusExpired   Status = "expired"
)

// Enum lists the statuses as shown.
func (Status) Enum() []string {
	return []string{string(StatusDraft), string(StatusSubmitted), string(StatusApproved), string(StatusRejected),
		string(StatusPublished), string(StatusWithdrawn), string(StatusExpired)}
}

// Categories a notice may have.
var Categories = []string{"policy", "health", "activity", "warning"}

// Category is a notice's category, one of Categories.
type Category string

// Enum lists the categories.
func (Category) Enum() []string { return Categories }

// Subscribe is the WeChat subscribe message a published notice also sends.
// Page is the mini program page it opens, built by the server (the notice
// itself, or what a system notice is about: Target.Page); a page given in
// a draft is ignored.
type Subscribe struct {
	TemplateID string        `json:"template_id" binding:"required,max=64" doc:"one of the account's subscribe templates (GET /admin/wechat/templates): 1–64 letters, digits, _ or -; a blank or unknown one is 400 naming subscribe.template_id, so a channel that cannot be sent is never saved" example:"T1"`
	Data       SubscribeData `json:"data" doc:"template keyword (e.g. thing1) → value, 1–20 of them, flat ({\"thing1\":\"…\"}) or in WeChat's own shape ({\"thing1\":{\"value\":\"…\"}}); stored and answered flat"`
	Page       string        `json:"page" doc:"the mini-program page the message opens, built by the server (pages/notices/detail?id=<notice id>); one given in a draft is ignored"`
}

// Notice is a department's announcement to an audience. Its audience is
// frozen into recipients when it is published; Targeted never changes
// afterwards. Only an approved notice is published, at PublishAt, or as
// soon as it is approved when PublishAt is nil (approval then sets it).
type Notice struct {
	ID           int64  `json:"id,string"`
	DepartmentID *int64 `json:"department_id,string"`
	AuthorID     *int64 `json:"author_id,string"`
	// AuthorUsername names the author in lists and the detail (FindByID).
	AuthorUsername string     `json:"author_username,omitempty" gorm:"-" doc:"the author's username, in lists (GET /admin/notices) and the detail; absent for system notices"`
	Title          string     `json:"title"`
	Body           string     `json:"body"`
	Category       Category   `json:"category"`
	Kind           string     `json:"kind" doc:"a system message's kind (e.g. deduction_recorded), empty for a department's notice"`
	Audience       Audience   `json:"audience" gorm:"serializer:json"`
	PublishAt      *time.Time `json:"publish_at" doc:"null: published as soon as approved (approval sets it)"`
	ExpiresAt      *time.Time `json:"expires_at"`
	RequireAck     bool       `json:"require_ack"`
	SMS            bool       `json:"sms" gorm:"column:sms" doc:"also sent by SMS to recipients without WeChat reach"`
	Subscribe      *Subscribe `json:"subscribe" gorm:"-"`
	Status         Status     `json:"status"`
	RejectReason   string     `json:"reject_reason"`
	Targeted       int64      `json:"targeted" doc:"recipients frozen at publication; never changes afterwards"`
	PublishedAt    *time.Time `json:"published_at"`
	WithdrawnAt    *time.Time `json:"withdrawn_at"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`

	SubscribeTemplateID string  `json:"-"`
	SubscribeData       string  `json:"-"`
	SubscribePage       string  `json:"-"` // no longer written: the page is built (pageOf)
	Source              *string `json:"-"`
	TargetType          string  `json:"-"` // what a system notice is about (Target)
	TargetID            string  `json:"-"`
}

// System reports whether n is a system notice (SendDirect), not a
// department's: it was never reviewed and can't be edited or withdrawn.
func (n *Notice) System() bool { return n.Source != nil }

// fill derives the fields not stored as such.
func (n *Notice) fill(now time.Time) {
	if n.SubscribeTemplateID != "" {
		n.Subscribe = &Subscribe{TemplateID: n.SubscribeTemplateID, Page: pageOf(n.ID, n.TargetType, n.TargetID)}
		_ = json.Unmarshal([]byte(n.SubscribeData), &n.Subscribe.Data)
	}
	if n.Status == StatusPublished && n.ExpiresAt != nil && !n.ExpiresAt.After(now) {
		n.Status = StatusExpired
	}
}

// Event is one step of a notice's life.
type Event struct {
	ID       int64   `json:"-"`
	NoticeID int64   `json:"-"`
	Action   string  `json:"action" doc:"created, edited, submitted, approved, rejected, published or withdrawn"`
	ActorID  ActorID `json:"actor_id" doc:"staff ID; 0 for the system (publication)"`
	// ActorUsername names the member who acted ("" for the system).
	ActorUsername string    `json:"actor_username,omitempty" gorm:"-" doc:"the acting member's username; absent for the system"`
	Reason        string    `json:"reason,omitempty"`
	CreatedAt     time.Time `json:"created_at"`
}

func (Event) TableName() string { return "notice_events" }

// ActorID is who took a step (no name ending in Ref: openapi3gen reads
// such a type as a reference wrapper): a staff ID, 0 for the system. In JSON it
// is a decimal string, like every ID.
type ActorID int64

// MarshalJSON writes the ID as a string.
func (a ActorID) MarshalJSON() ([]byte, error) {
	return strconv.AppendQuote(nil, strconv.FormatInt(int64(a), 10)), nil
}

// SetSchema states it in the OpenAPI document (openapi3gen.SetSchemar).
func (ActorID) SetSchema(s *openapi3.Schema) {
	s.Type, s.Format, s.Pattern = &openapi3.Types{"string"}, "", "^(0|[1-9][0-9]{0,18})$"
}

// Draft is what an editor writes. A nil PublishAt publishes the notice as
// soon as it is approved. SMS asks for a text message to the recipients
// with a bound phone and no WeChat reach (warning and health only).
type Draft struct {
	Title      string     `json:"title" binding:"required,max=100" example:"流感疫苗接种通知"`
	Body       string     `json:"body" binding:"required,max=20000" doc:"at most 20,000 characters and 65,535 bytes in UTF-8" example:"请到社区健康服务中心接种。"`
	Category   Category   `json:"category" binding:"required"`
	Audience   Audience   `json:"audience" doc:"who it reaches; left out: every resident (of my streets, for a street-scoped member)"`
	PublishAt  *time.Time `json:"publish_at" doc:"omitted or null: published as soon as it is approved"`
	ExpiresAt  *time.Time `json:"expires_at" doc:"optional; after publish_at (or, without one, after now); after it the notice leaves inboxes"`
	RequireAck bool       `json:"require_ack" doc:"residents are asked to acknowledge it"`
	SMS        bool       `json:"sms" doc:"warning and health notices only (else 400 naming sms): also a text message to recipients with a bound phone and no WeChat reach"`
	Subscribe  *Subscribe `json:"subscribe" doc:"also sent as this WeChat subscribe message to recipients who consented"`
}

// maxTextBytes is what a MySQL TEXT column holds. Limits in characters
// hold in bytes too where a column counts bytes: the body's 20,000
// characters may take up to 80,000 bytes. (Title, template, page and reason
// columns are VARCHARs counting characters or bytes no fewer than their
// limits; the subscribe data, encoded as JSON, stays under 30 KB; the
// audience column is a MEDIUMTEXT of 16 MiB.)
const maxTextBytes = 65535

// Validate checks a draft against the regions at time now; field names
// are the API's.
func (d *Draft) Validate(r Regions, now time.Time) error {
	fields := d.Audience.noticeFields(r)
	var ae *apperr.Error
	if err := check.Struct(d); errors.As(err, &ae) {
		maps.Copy(fields, ae.Fields) // the tags' limits: title, body, category, subscribe.template_id
	} else if err != nil {
		return err
	}
	if _, bad := fields["body"]; !bad && !validBody(d.Body) {
		fields["body"] = bodyRule // 65,535 bytes
	}
	switch {
	case d.ExpiresAt == nil:
	case d.PublishAt != nil && !d.ExpiresAt.After(*d.PublishAt):
		fields["expires_at"] = "须晚于发布时间"
	case d.PublishAt == nil && !d.ExpiresAt.After(now):
		fields["expires_at"] = "须晚于当前时间"
	}
	if d.SMS && !IsUrgent(string(d.Category)) {
		fields["sms"] = "仅 warning、health 类通知可加发短信"
	}
	if sub := d.Subscribe; sub != nil {
		// A blank template can't be sent: refused, never sent inbox-only.
		if !templateIDPattern.MatchString(sub.TemplateID) {
			fields["subscribe.template_id"] = "须选择订阅消息模板（1–64 个字母、数字、_ 或 -）"
		}
		if len(sub.Data) == 0 || len(sub.Data) > 20 {
			fields["subscribe.data"] = "须有 1–20 个模板字段"
		}
		for k, v := range sub.Data {
			if k == "" || len(k) > 32 || utf8.RuneCountInString(v) > 200 {
				fields["subscribe.data"] = "字段名 1–32 个字符，值最多 200 个字"
			}
		}
		if len(sub.Page) > 256 {
			fields["subscribe.page"] = "最多 256 个字符"
		}
	}
	return apperr.Fields(fields)
}

// Service manages notices. It is safe for concurrent use once configured.
type Service struct {
	db      *gorm.DB
	now     func() time.Time
	kick    chan struct{} // wakes the publisher after an approval
	timerMu sync.Mutex
	timer   *time.Timer // wakes the publisher when the next notice is due
	// cfg is how notices reach people: swapped whole by Configure (a
	// setting changed at run time), read once per decision.
	cfg atomic.Pointer[configured]
}

// StreetRegions knows which street a community belongs to.
type StreetRegions interface {
	Regions
	StreetOf(community string) string
}

// Deps is what a Service is built from.
type Deps struct {
	DB *gorm.DB
	// Config is how notices reach people until Configure replaces it (the
	// settings a superadmin changes at run time).
	Config Config
	Now    func() time.Time // nil: time.Now
}

// New returns a Service over d.DB.
func New(d Deps) *Service {
	s := &Service{db: d.DB, now: clock.Or(d.Now), kick: make(chan struct{}, 1)}
	s.Configure(d.Config)
	return s
}

func (s *Service) clock() time.Time { return s.now().UTC() }

// bodyRule is the error of a missing or too long body.
const bodyRule = "正文须为 1–20000 个字，且不超过 65535 字节"

// validBody reports whether body fits its limit in characters and its
// column in bytes.
func validBody(body string) bool {
	return len(body) <= maxTextBytes && utf8.RuneCountInString(body) <= 20000
}

// Create saves a draft written by m for m's department. It returns an
// invalid_argument error naming the bad fields and a permission_denied one
// naming the audience's field that reaches beyond m's streets (CheckReach).
func (s *Service) Create(ctx context.Context, m *staff.Member, r StreetRegions, d Draft) (*Notice, error) {
	now := s.clock()
	if err := d.Validate(r, now); err != nil {
		return nil, err
	}
	by := m.Scope()
	if err := CheckReach(by, d.Audience, r); err != nil {
		return nil, err
	}
	if err := CheckRules(ctx, s.db, by, d.Audience); err != nil {
		return nil, err
	}
	author := m.ID
	n := &Notice{
		DepartmentID: by.Department(), AuthorID: &author, Status: StatusDraft, CreatedAt: now, UpdatedAt: now,
	}
	if err := n.setDraft(d); err != nil {
		return nil, fmt.Errorf("create notice: %w", err)
	}
	err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		if err := tx.Create(n).Error; err != nil {
			return err
		}
		if err := noticeReach().Record(tx, n.ID, reachedStreets(n.Audience, r)); err != nil {
			return err
		}
		staff.AuditTarget(ctx, "notices", strconv.FormatInt(n.ID, 10))
		return tx.Create(&Event{NoticeID: n.ID, Action: "created", ActorID: ActorID(m.ID), CreatedAt: now}).Error
	})
	if err != nil {
		return nil, fmt.Errorf("create notice: %w", err)
	}
	n.fill(now)
	return n, nil
}

// setDraft sets the notice's written fields from a validated draft.
func (n *Notice) setDraft(d Draft) error {
	n.Title, n.Body, n.Category, n.Audience = strings.TrimSpace(d.Title), d.Body, d.Category, d.Audience
	n.RequireAck, n.SMS = d.RequireAck, d.SMS
	n.PublishAt, n.ExpiresAt = utcPtr(d.PublishAt), utcPtr(d.ExpiresAt)
	n.SubscribeTemplateID, n.SubscribeData, n.SubscribePage = "", "", ""
	if d.Subscribe != nil {
		data, err := json.Marshal(d.Subscribe.Data)
		if err != nil {
			return err
		}
		n.SubscribeTemplateID, n.SubscribeData = d.Subscribe.TemplateID, string(data)
	}
	return nil
}

// draft returns the notice's written fields as a Draft.
func (n *Notice) draft() Draft {
	d := Draft{Title: n.Title, Body: n.Body, Category: n.Category, Audience: n.Audience, PublishAt: n.PublishAt,
		ExpiresAt: n.ExpiresAt, RequireAck: n.RequireAck, SMS: n.SMS}
	if n.SubscribeTemplateID != "" {
		d.Subscribe = &Subscribe{TemplateID: n.SubscribeTemplateID}
		_ = json.Unmarshal([]byte(n.SubscribeData), &d.Subscribe.Data)
	}
	return d
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// FindByID returns a department's notice within m's scope with its
// history. It returns ErrNotFound for a notice outside it (another
// department's, or one whose audience reaches beyond m's streets) and for
// a system notice, which is no department's notice.
func (s *Service) FindByID(ctx context.Context, m *staff.Member, r StreetRegions, id int64) (*Notice, []Event, error) {
	var n Notice
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&n).Error
	if errors.Is(err, gorm.ErrRecordNotFound) || (err == nil && (!visible(m.Scope(), &n, r) || n.System())) {
		return nil, nil, ErrNotFound
	}
	if err != nil {
		return nil, nil, fmt.Errorf("find notice: %w", err)
	}
	var evs []Event
	if err := s.db.WithContext(ctx).Where("notice_id = ?", id).Order("id").Find(&evs).Error; err != nil {
		return nil, nil, fmt.Errorf("find notice events: %w", err)
	}
	n.fill(s.clock())
	ns := []Notice{n}
	if err := s.nameAuthors(ctx, ns); err != nil {
		return nil, nil, err
	}
	if err := s.nameActors(ctx, evs); err != nil {
		return nil, nil, err
	}
	return &ns[0], evs, nil
}

// transition moves notice id from one of from to status to for actor m,
// after check has approved the locked row, and records the event. A notice
// outside m's scope is ErrNotFound.
// A system notice is ErrSystemNotice: only departments' notices have a
// life of review and withdrawal.
func (s *Service) transition(ctx context.Context, m *staff.Member, r StreetRegions, id int64, action string, to Status, reason string,
	from []Status, check func(n *Notice) error, also func(tx *gorm.DB, n *Notice) error) (*Notice, error) {
	var n Notice
	now := s.clock()
	by := m.Scope()
	err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
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
		if check != nil {
			if err := check(&n); err != nil {
				return err
			}
		}
		if !slices.Contains(from, n.Status) {
			return ErrWrongState
		}
		staff.AuditDetail(ctx, "notice "+strconv.FormatInt(n.ID, 10)+" "+string(to))
		upd := map[string]any{"status": to, "updated_at": now}
		switch to {
		case StatusRejected:
			upd["reject_reason"] = reason
		case StatusSubmitted:
			upd["reject_reason"] = ""
		case StatusWithdrawn:
			upd["withdrawn_at"] = now
		case StatusApproved:
			if n.PublishAt == nil {
				upd["publish_at"] = now // as soon as approved
			}
		}
		if err := tx.Model(&Notice{}).Where("id = ?", id).Updates(upd).Error; err != nil {
			return err
		}
		if also != nil {
			if err := also(tx, &n); err != nil {
				return err
			}
		}
		return tx.Create(&Event{NoticeID: id, Action: action, ActorID: ActorID(m.ID), Reason: reason, CreatedAt: now}).Error
	})
	if err != nil {
		if apperr.CodeOf(err) != "" {
			return nil, err
		}
		return nil, fmt.Errorf("%s notice: %w", action, err)
	}
	return s.reload(ctx, id)
}

func (s *Service) reload(ctx context.Context, id int64) (*Notice, error) {
	var n Notice
	if err := s.db.WithContext(ctx).Where("id = ?", id).Take(&n).Error; err != nil {
		return nil, fmt.Errorf("reload notice: %w", err)
	}
	n.fill(s.clock())
	return &n, nil
}

// Submit sends a draft (or a rejected notice) to review. It returns
// ErrNotFound for a notice outside m's scope.
func (s *Service) Submit(ctx context.Context, m *staff.Member, r StreetRegions, id int64) (*Notice, error) {
	return s.transition(ctx, m, r, id, "submitted", StatusSubmitted, "", []Status{StatusDraft, StatusRejected}, nil, nil)
}

// Approve approves a submitted notice; it is published at its publish_at.
// It returns ErrNotFound for a notice outside m's scope and ErrOwnReview
// when m wrote the notice.
func (s *Service) Approve(ctx context.Context, m *staff.Member, r StreetRegions, id int64) (*Notice, error) {
	n, err := s.transition(ctx, m, r, id, "approved", StatusApproved, "", []Status{StatusSubmitted},
		func(n *Notice) error { return reviewable(m, n) }, nil)
	if err == nil {
		s.wake()
	}
	return n, err
}

// Reject returns a submitted notice to its author with a reason (the
// API's rejection request states its limits). It refuses as Approve does.
func (s *Service) Reject(ctx context.Context, m *staff.Member, r StreetRegions, id int64, reason string) (*Notice, error) {
	reason = strings.TrimSpace(reason)
	return s.transition(ctx, m, r, id, "rejected", StatusRejected, reason, []Status{StatusSubmitted},
		func(n *Notice) error { return reviewable(m, n) }, nil)
}

// reviewable refuses a review by the notice's author.
func reviewable(m *staff.Member, n *Notice) error {
	if n.AuthorID != nil && *n.AuthorID == m.ID {
		return ErrOwnReview
	}
	return nil
}

// Withdraw takes a notice back. A published one stays in its original
// recipients' inboxes, marked withdrawn; WeChat sends not yet made are
// cancelled and their consent returned. It returns ErrNotFound for a notice
// outside m's scope.
func (s *Service) Withdraw(ctx context.Context, m *staff.Member, r StreetRegions, id int64, reason string) (*Notice, error) {
	return s.transition(ctx, m, r, id, "withdrawn", StatusWithdrawn, strings.TrimSpace(reason),
		[]Status{StatusSubmitted, StatusApproved, StatusPublished}, nil,
		func(tx *gorm.DB, n *Notice) error {
			if n.Status != StatusPublished || n.SubscribeTemplateID == "" {
				return nil
			}
			return s.cancelSends(tx, n)
		})
}
