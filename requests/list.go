package requests

import (
	"context"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/staff"
)

// What a resident's list may be narrowed to: requests not answered yet,
// or answered (still to be rated, or reopened) and closed ones.
const (
	MineOpen   = "open"
	MineClosed = "closed"
)

// mine selects a resident's requests, of one state ("" for all). Returns
// an invalid_argument error naming status for an unknown state.
func (s *Service) mine(ctx context.Context, residentID int64, state string) (*gorm.DB, error) {
	q := s.db.WithContext(ctx).Model(&Request{}).Where("resident_id = ? AND erased_at IS NULL", residentID)
	switch state {
	case "":
	case MineOpen:
		q = q.Where("status IN ?", residentOpen)
	case MineClosed:
		q = q.Where("status NOT IN ?", residentOpen)
	default:
		return nil, apperr.Field("status", "须为 open（未答复）或 closed（已答复或已办结）")
	}
	return q, nil
}

// CountMine counts a resident's requests of one state ("" for all).
func (s *Service) CountMine(ctx context.Context, residentID int64, state string) (int64, error) {
	q, err := s.mine(ctx, residentID, state)
	if err != nil {
		return 0, err
	}
	var n int64
	if err := q.Count(&n).Error; err != nil {
		return 0, fmt.Errorf("count my requests: %w", err)
	}
	return n, nil
}

// Mine lists a resident's requests of one state (MineOpen, MineClosed or
// "" for all), newest first, with the cursor of the next page (0 on the
// last).
func (s *Service) Mine(ctx context.Context, residentID int64, state string, limit int, before int64) ([]View, int64, error) {
	q, err := s.mine(ctx, residentID, state)
	if err != nil {
		return nil, 0, err
	}
	if before > 0 {
		q = q.Where("id < ?", before)
	}
	var rows []Request
	if err := q.Order("id DESC").Limit(limit + 1).Find(&rows).Error; err != nil {
		return nil, 0, fmt.Errorf("my requests: %w", err)
	}
	rows, next := cut(rows, limit)
	vs, err := s.buildViews(ctx, rows, false)
	if err != nil {
		return nil, 0, err
	}
	out := make([]View, len(vs))
	for i, v := range vs {
		out[i] = v.View
	}
	return out, next, nil
}

func cut(rows []Request, limit int) ([]Request, int64) {
	if len(rows) > limit {
		rows = rows[:limit]
		return rows, rows[len(rows)-1].ID
	}
	return rows, 0
}

// PublicRequest is a request shown publicly: anonymised (no resident, no
// address, coordinates, community or photos), and only once its text
// passed the content check.
type PublicRequest struct {
	ID           int64      `json:"id,string"`
	Category     string     `json:"category" doc:"the category's code"`
	CategoryName string     `json:"category_name"`
	Description  string     `json:"description"`
	Street       string     `json:"street"`
	Status       string     `json:"status" doc:"answered or closed"`
	Answer       string     `json:"answer" doc:"the department's answer"`
	CreatedAt    time.Time  `json:"created_at"`
	AnsweredAt   *time.Time `json:"answered_at"`
}

// Public lists answered requests their residents allowed to be shown,
// whose text and every photo passed the content check, newest first.
func (s *Service) Public(ctx context.Context, limit int, before int64) ([]PublicRequest, int64, error) {
	q := s.db.WithContext(ctx).
		Where("public = ? AND text_check = ? AND erased_at IS NULL AND status IN ?", true, CheckPass, []string{StatusAnswered, StatusClosed}).
		Where("NOT EXISTS (SELECT 1 FROM request_photos p WHERE p.request_id = requests.id AND p.check_status <> ?)", CheckPass)
	if before > 0 {
		q = q.Where("id < ?", before)
	}
	var rows []Request
	if err := q.Order("id DESC").Limit(limit + 1).Find(&rows).Error; err != nil {
		return nil, 0, fmt.Errorf("public requests: %w", err)
	}
	rows, next := cut(rows, limit)
	cats, err := s.Categories(ctx, false)
	if err != nil {
		return nil, 0, err
	}
	out := make([]PublicRequest, len(rows))
	for i, r := range rows {
		out[i] = PublicRequest{ID: r.ID, Category: r.Category, Description: r.Description, Street: r.Street,
			Status: r.Status, Answer: r.Answer, CreatedAt: r.CreatedAt, AnsweredAt: r.AnsweredAt}
		if k := slices.IndexFunc(cats, func(c Category) bool { return c.Code == r.Category }); k >= 0 {
			out[i].CategoryName = cats[k].Name
		}
	}
	return out, next, nil
}

// Queues a staff list may show.
const (
	QueueAll       = ""          // every request in scope
	QueueNew       = "new"       // waiting for acceptance (submitted or transferred)
	QueueOpen      = "open"      // not answered yet
	QueueOverdue   = "overdue"   // open past its deadline
	QueueDueSoon   = "due_soon"  // open, due within DueSoonWithin
	QueueEscalated = "escalated" // not accepted in time
	QueueFlagged   = "flagged"   // its text or a photo failed the content check
	// A unit's.
	QueueSign      = "sign"      // 待签收: reached the unit, not signed for
	QueueAssisting = "assisting" // 协办: requests the unit assists with (another unit leads)
	// The dispatch centre's.
	QueueDispatch   = "dispatch"   // 待分拨
	QueueReturns    = "returns"    // 退单待审
	QueueExtensions = "extensions" // 延期待批
	QueueCallback   = "callback"   // 待回访
)

// Queues lists the queue names.
var Queues = []string{QueueNew, QueueOpen, QueueOverdue, QueueDueSoon, QueueEscalated, QueueFlagged,
	QueueSign, QueueAssisting, QueueDispatch, QueueReturns, QueueExtensions, QueueCallback}

// Filter selects requests for a staff list.
type Filter struct {
	Queue    string
	Status   string
	Category string
	Street   string
	Before   int64 // cursor: requests with a smaller ID
	Limit    int
}

// openStatuses are those of a request not answered yet: at the centre, at
// a unit, or referred to its enterprise first (issue 25).
var openStatuses = []string{StatusDispatching, StatusSubmitted, StatusDispatched, StatusTransferred, StatusReturned,
	StatusSigned, StatusAccepted, StatusInProgress, StatusWithEnterprise}

// residentOpen are the statuses a resident's request is open in: a merged
// request waits for its main request's answer (issue 25).
var residentOpen = append(slices.Clone(openStatuses), StatusMerged)

// Find lists the requests in the member's scope (their departments and
// streets) that f selects, newest first. Returns an invalid_argument error
// for an unknown queue or status.
func (s *Service) Find(ctx context.Context, m *staff.Member, f Filter) ([]StaffView, int64, error) {
	q, err := s.findQuery(ctx, m, f)
	if err != nil {
		return nil, 0, err
	}
	if f.Before > 0 {
		q = q.Where("id < ?", f.Before)
	}
	var rows []Request
	if err := q.Order("id DESC").Limit(f.Limit + 1).Find(&rows).Error; err != nil {
		return nil, 0, fmt.Errorf("find requests: %w", err)
	}
	rows, next := cut(rows, f.Limit)
	vs, err := s.buildViews(ctx, rows, true)
	return vs, next, err
}

// CountFound counts the requests Find lists for f over all pages, up to
// db.CountCap (more: true beyond).
func (s *Service) CountFound(ctx context.Context, m *staff.Member, f Filter) (n int64, more bool, err error) {
	q, err := s.findQuery(ctx, m, f)
	if err != nil {
		return 0, false, err
	}
	return db.CountUpTo(q)
}

// findQuery selects the requests f selects within the member's scope, on
// every page.
func (s *Service) findQuery(ctx context.Context, m *staff.Member, f Filter) (*gorm.DB, error) {
	fields := map[string]string{}
	if f.Queue != QueueAll && !slices.Contains(Queues, f.Queue) {
		fields["queue"] = "未知队列"
	}
	if f.Status != "" && !slices.Contains(Status("").Enum(), f.Status) {
		fields["status"] = "未知状态"
	}
	if err := apperr.Fields(fields); err != nil {
		return nil, err
	}
	now := s.clock()
	cols := staff.Columns{Street: "street", Department: "department_id"}
	if f.Queue == QueueAssisting {
		// The assisting unit's scope is read on its own column.
		cols.Department = "assist_department_id"
	}
	q := m.Scope().Filter(s.db.WithContext(ctx).Model(&Request{}), cols).Where("erased_at IS NULL")
	switch f.Queue {
	case QueueNew:
		q = q.Where("status IN ?", awaitingSign)
	case QueueOpen:
		q = q.Where("status IN ?", openStatuses)
	case QueueOverdue:
		q = q.Where("status IN ? AND deadline_at < ?", openStatuses, now)
	case QueueDueSoon:
		q = q.Where("status IN ? AND deadline_at >= ? AND deadline_at <= ?", openStatuses, now, now.Add(DueSoonWithin))
	case QueueEscalated:
		q = q.Where("status IN ? AND escalated_at IS NOT NULL", awaitingSign)
	case QueueSign:
		q = q.Where("status IN ?", awaitingSign)
	case QueueAssisting:
		q = q.Where("assist_department_id IS NOT NULL AND status IN ?", atUnit)
	case QueueDispatch:
		q = q.Where("status = ?", StatusDispatching)
	case QueueReturns:
		q = q.Where("status = ?", StatusReturned)
	case QueueExtensions:
		q = q.Where("EXISTS (SELECT 1 FROM request_extensions x WHERE x.request_id = requests.id AND x.status = ?)", Pending)
	case QueueCallback:
		q = q.Where("status = ?", StatusCallback)
	case QueueFlagged:
		q = q.Where("(text_check = ? OR EXISTS (SELECT 1 FROM request_photos p WHERE p.request_id = requests.id AND p.check_status = ?))", CheckRisky, CheckRisky)
	}
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if f.Category != "" {
		q = q.Where("category = ?", f.Category)
	}
	if f.Street != "" {
		q = q.Where("street = ?", f.Street)
	}
	return q, nil
}
