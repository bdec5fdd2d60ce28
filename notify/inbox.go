package notify

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

// InboxItem is a notice as its recipient sees it in a list: the start of
// its body (Summary) stands for the body, which only the notice's own read
// (InboxNotice) carries. A system notice has its Kind and names what it is
// about (Target), which the mini program opens; a department's notice has
// neither. A withdrawn notice stays in the inbox of those who received it,
// without its body.
type InboxItem struct {
	ID          int64      `json:"id,string"`
	Title       string     `json:"title"`
	Summary     string     `json:"summary" doc:"the start of the body as one plain line (white space folded), at most 80 characters, ending in … when cut; empty once withdrawn. Lists carry it instead of the body"`
	Kind        string     `json:"kind" doc:"a system message's kind (a fixed text about my own affairs: benefit_matched, survey_reminder, deduction_recorded, appeal_decided, credit_recorded, grade_changed, objection_decided, activity_cancelled, activity_promoted, request_accepted, request_answered, request_extended, request_redone, credit_repair_decided, deduction_repaired); empty for a department's notice"`
	Target      *Target    `json:"target" doc:"what a system message is about, which the mini program opens (null for a department's notice)"`
	Category    Category   `json:"category"`
	RequireAck  bool       `json:"require_ack"`
	Status      Status     `json:"status" doc:"published, withdrawn or expired"`
	PublishedAt time.Time  `json:"published_at"`
	ExpiresAt   *time.Time `json:"expires_at"`
	WithdrawnAt *time.Time `json:"withdrawn_at"`
	Read        bool       `json:"read"`
	ReadAt      *time.Time `json:"read_at"`
	AckedAt     *time.Time `json:"acked_at"`
}

// InboxNotice is one notice of the inbox with its whole body.
type InboxNotice struct {
	InboxItem
	Body string `json:"body" doc:"the whole body (empty once withdrawn)"`
}

type inboxRow struct {
	NoticeID    int64
	Title       string
	Body        string // in a list, its first summaryPrefix characters
	Kind        string
	TargetType  string
	TargetID    string
	Category    string
	RequireAck  bool
	Status      Status
	PublishedAt time.Time
	ExpiresAt   *time.Time
	WithdrawnAt *time.Time
	ReadAt      *time.Time
	AckedAt     *time.Time
}

func (r inboxRow) item(now time.Time) InboxNotice {
	it := InboxNotice{InboxItem: InboxItem{
		ID: r.NoticeID, Title: r.Title, Kind: r.Kind, Target: targetOf(r.TargetType, r.TargetID), Category: Category(r.Category),
		RequireAck: r.RequireAck, Status: r.Status, PublishedAt: r.PublishedAt, ExpiresAt: r.ExpiresAt,
		WithdrawnAt: r.WithdrawnAt, Read: r.ReadAt != nil, ReadAt: r.ReadAt, AckedAt: r.AckedAt,
	}, Body: r.Body}
	switch {
	case it.Status == StatusWithdrawn:
		it.Body = ""
	case it.ExpiresAt != nil && !it.ExpiresAt.After(now):
		it.Status = StatusExpired
	}
	it.Summary = summarize(it.Body)
	return it
}

// inboxColumns are what an inbox item shows; body is the whole body in a
// notice's own read and its start in a list (inboxListColumns).
const inboxColumns = `r.notice_id, n.title, n.body, n.kind, n.target_type, n.target_id, n.category, n.require_ack, n.status,
	n.published_at, n.expires_at, n.withdrawn_at, r.read_at, r.acked_at`

// inboxListColumns read only the start of each body (SUBSTR counts
// characters in both SQLite and MySQL): a body may be 20,000 characters.
var inboxListColumns = strings.Replace(inboxColumns, "n.body", "SUBSTR(n.body, 1, "+strconv.Itoa(summaryPrefix)+") AS body", 1)

// InboxFilter selects a page of a resident's inbox.
type InboxFilter struct {
	Unread bool
	Cursor string // from the previous page, "" for the first
	Limit  int
}

// ErrBadCursor is returned for a page token that Inbox did not make.
var ErrBadCursor = errors.New("bad inbox cursor")

// Inbox lists the notices a resident received, newest first, leaving out
// expired ones; with Unread only published notices not yet opened. next
// is the cursor of the next page ("" on the last).
func (s *Service) Inbox(ctx context.Context, residentID int64, f InboxFilter) (items []InboxItem, next string, err error) {
	now := s.clock()
	q := s.db.WithContext(ctx).Table("notice_recipients r").Select(inboxListColumns).
		Joins("JOIN notices n ON n.id = r.notice_id").
		Where("r.resident_id = ?", residentID).
		Where("(n.expires_at IS NULL OR n.expires_at > ?)", now)
	if f.Unread {
		q = q.Where("r.read_at IS NULL AND n.status = ?", StatusPublished)
	}
	if f.Cursor != "" {
		at, id, ok := parseCursor(f.Cursor)
		if !ok {
			return nil, "", ErrBadCursor
		}
		q = q.Where("(n.published_at < ? OR (n.published_at = ? AND n.id < ?))", at, at, id)
	}
	var rows []inboxRow
	if err := q.Order("n.published_at DESC, n.id DESC").Limit(f.Limit + 1).Scan(&rows).Error; err != nil {
		return nil, "", fmt.Errorf("list inbox: %w", err)
	}
	if len(rows) > f.Limit {
		rows = rows[:f.Limit]
		last := rows[len(rows)-1]
		next = last.PublishedAt.UTC().Format(time.RFC3339Nano) + "|" + strconv.FormatInt(last.NoticeID, 10)
	}
	items = make([]InboxItem, len(rows))
	for i, r := range rows {
		items[i] = r.item(now).InboxItem
	}
	return items, next, nil
}

func parseCursor(c string) (time.Time, int64, bool) {
	ts, ids, ok := strings.Cut(c, "|")
	if !ok {
		return time.Time{}, 0, false
	}
	at, err := time.Parse(time.RFC3339Nano, ts)
	if err != nil {
		return time.Time{}, 0, false
	}
	id, err := strconv.ParseInt(ids, 10, 64)
	if err != nil || id <= 0 {
		return time.Time{}, 0, false
	}
	return at.UTC(), id, true
}

// UnreadCount returns how many published, unexpired notices a resident
// has not opened.
func (s *Service) UnreadCount(ctx context.Context, residentID int64) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Table("notice_recipients r").Joins("JOIN notices n ON n.id = r.notice_id").
		Where("r.resident_id = ? AND r.read_at IS NULL AND n.status = ?", residentID, StatusPublished).
		Where("(n.expires_at IS NULL OR n.expires_at > ?)", s.clock()).Count(&n).Error
	if err != nil {
		return 0, fmt.Errorf("count unread: %w", err)
	}
	return n, nil
}

func (s *Service) inboxItem(tx *gorm.DB, residentID, noticeID int64) (*inboxRow, error) {
	var rows []inboxRow
	err := tx.Table("notice_recipients r").Select(inboxColumns).Joins("JOIN notices n ON n.id = r.notice_id").
		Where("r.notice_id = ? AND r.resident_id = ?", noticeID, residentID).Limit(1).Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, ErrNotFound
	}
	return &rows[0], nil
}

// Open returns one notice of the resident's inbox and marks it read. It
// returns ErrNotFound unless the resident was among its recipients.
func (s *Service) Open(ctx context.Context, residentID, noticeID int64) (*InboxNotice, error) {
	now := s.clock()
	gdb := s.db.WithContext(ctx)
	r, err := s.inboxItem(gdb, residentID, noticeID)
	if err != nil {
		return nil, wrapNF("open notice", err)
	}
	if r.ReadAt == nil {
		err := gdb.Exec("UPDATE notice_recipients SET read_at = ? WHERE notice_id = ? AND resident_id = ? AND read_at IS NULL",
			now, noticeID, residentID).Error
		if err != nil {
			return nil, fmt.Errorf("mark notice read: %w", err)
		}
		r.ReadAt = &now
	}
	it := r.item(now)
	return &it, nil
}

// Ack records that the resident acknowledged a require_ack notice (and read
// it). Acknowledging twice keeps the first time. It returns ErrNotFound
// unless the resident received it, ErrNotRequired if it asks for no
// acknowledgement and ErrNotAvailable if it was withdrawn or has expired.
func (s *Service) Ack(ctx context.Context, residentID, noticeID int64) (*InboxNotice, error) {
	now := s.clock()
	gdb := s.db.WithContext(ctx)
	r, err := s.inboxItem(gdb, residentID, noticeID)
	if err != nil {
		return nil, wrapNF("ack notice", err)
	}
	it := r.item(now)
	switch {
	case !r.RequireAck:
		return nil, ErrNotRequired
	case it.Status != StatusPublished:
		return nil, ErrNotAvailable
	}
	if r.AckedAt == nil {
		err := gdb.Exec(`UPDATE notice_recipients SET acked_at = ?, read_at = COALESCE(read_at, ?)
			WHERE notice_id = ? AND resident_id = ? AND acked_at IS NULL`, now, now, noticeID, residentID).Error
		if err != nil {
			return nil, fmt.Errorf("ack notice: %w", err)
		}
		if r.ReadAt == nil {
			r.ReadAt = &now
		}
		r.AckedAt = &now
	}
	it = r.item(now)
	return &it, nil
}

func wrapNF(op string, err error) error {
	if errors.Is(err, ErrNotFound) {
		return err
	}
	return fmt.Errorf("%s: %w", op, err)
}

// ExportResident returns the notices a resident received and what they did
// with them, for /me/export.
func (s *Service) ExportResident(ctx context.Context, residentID int64) (any, error) {
	type received struct {
		NoticeID    int64      `json:"notice_id,string"`
		Title       string     `json:"title"`
		PublishedAt time.Time  `json:"published_at"`
		ReadAt      *time.Time `json:"read_at"`
		AckedAt     *time.Time `json:"acked_at"`
	}
	var out struct {
		Received      []received `json:"received"`
		Subscriptions []Quota    `json:"subscriptions"`
	}
	out.Received = []received{}
	err := s.db.WithContext(ctx).Table("notice_recipients r").
		Select("r.notice_id, n.title, n.published_at, r.read_at, r.acked_at").
		Joins("JOIN notices n ON n.id = r.notice_id").Where("r.resident_id = ?", residentID).
		Order("n.published_at, r.notice_id").Scan(&out.Received).Error
	if err != nil {
		return nil, fmt.Errorf("export notices: %w", err)
	}
	if out.Subscriptions, err = s.Quotas(ctx, residentID); err != nil {
		return nil, err
	}
	return out, nil
}

// EraseResident removes a deleted resident's subscribe consent and
// cancels sends not yet made to them. The inbox rows stay, keyed by the
// anonymous ID, so the notices' statistics don't change.
func (s *Service) EraseResident(tx *gorm.DB, residentID int64) error {
	now := s.clock()
	if err := tx.Exec("DELETE FROM subscription_quotas WHERE resident_id = ?", residentID).Error; err != nil {
		return fmt.Errorf("erase subscriptions: %w", err)
	}
	if err := tx.Exec("DELETE FROM subscription_events WHERE resident_id = ?", residentID).Error; err != nil {
		return fmt.Errorf("erase subscription events: %w", err)
	}
	if err := tx.Exec("DELETE FROM notice_send_days WHERE resident_id = ?", residentID).Error; err != nil {
		return fmt.Errorf("erase send counts: %w", err)
	}
	err := tx.Exec("UPDATE notice_sends SET status = 'cancelled', due_at = NULL, updated_at = ? WHERE resident_id = ? AND status IN ('pending', 'held')",
		now, residentID).Error
	if err != nil {
		return fmt.Errorf("cancel sends: %w", err)
	}
	return nil
}
