// Package knowledge is the knowledge base (知识库) of 民意速办: questions
// residents ask and their answers, kept by departments (or the district),
// with the category they belong to, the source they rest on (a policy, the
// dispatch guide) and how long they hold. Residents search the published
// entries still valid before they submit a request (a consultation the
// knowledge base answers needs none); desks quote an entry in an answer,
// which the resident then sees as its reference.
//
// Staff maintain the entries of their department (staff.Scope: an entry
// outside the scope answers like a missing one); every write is audited by
// the staff request's pending entry, written in the same transaction.
package knowledge

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/clock"
	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/internal/district"
	"github.com/futian/ifutian/internal/text"
	"github.com/futian/ifutian/staff"
)

// Status is an entry's status: a closed vocabulary (Enum).
type Status string

// Statuses of an entry.
const (
	StatusDraft     Status = "draft"     // being written: staff only
	StatusPublished Status = "published" // shown to residents while valid
	StatusRetired   Status = "retired"   // no longer shown; kept for the answers that quoted it
)

// Enum lists the statuses.
func (Status) Enum() []string {
	return []string{string(StatusDraft), string(StatusPublished), string(StatusRetired)}
}

// Limits of an entry's texts, in characters.
const (
	MaxQuestion = 200
	MaxAnswer   = 5000
	MaxSource   = 200
)

// Errors the service returns.
var (
	ErrNotFound = apperr.New(apperr.NotFound, "知识条目不存在")
	ErrStale    = apperr.New(apperr.Conflict, "知识条目已被他人修改，请刷新后重试")
)

// Entry is one knowledge entry.
type Entry struct {
	ID           int64  `json:"id,string"`
	DepartmentID *int64 `json:"department_id,string"`
	Question     string `json:"question"`
	Answer       string `json:"answer"`
	// Category is a request category's code ("" for any).
	Category string `json:"category"`
	Source   string `json:"source"`
	// ValidUntil is the last district date the entry holds (nil: no end).
	ValidUntil *string   `json:"valid_until"`
	Status     Status    `json:"status"`
	Version    int64     `json:"version"`
	CreatedBy  int64     `json:"created_by,string"`
	UpdatedBy  int64     `json:"updated_by,string"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// TableName maps Entry to knowledge_entries.
func (Entry) TableName() string { return "knowledge_entries" }

// Valid reports whether e is shown to residents on the district date day.
func (e *Entry) Valid(day string) bool {
	return e.Status == StatusPublished && (e.ValidUntil == nil || *e.ValidUntil >= day)
}

// CategoryCheck reports whether a request category code exists.
type CategoryCheck func(ctx context.Context, code string) (bool, error)

// Service keeps the knowledge base. It is safe for concurrent use.
type Service struct {
	db         *gorm.DB
	now        func() time.Time
	categories CategoryCheck
}

// Deps is what a Service is built from.
type Deps struct {
	DB         *gorm.DB
	Categories CategoryCheck    // checks entries' category codes (nil: any code)
	Now        func() time.Time // nil: time.Now
}

// New returns a Service over d.DB.
func New(d Deps) *Service {
	return &Service{db: d.DB, now: clock.Or(d.Now), categories: d.Categories}
}

func (s *Service) clock() time.Time { return s.now().UTC() }

// Input is what staff write of an entry.
type Input struct {
	Question   string
	Answer     string
	Category   string
	Source     string
	ValidUntil *string // a district date, nil or "" for no end
	Status     Status  // "" = draft
	Version    int64   // an update's: the version the member saw (0: any)
}

// validate checks in's fields (field names are the API's) and tidies them.
func (s *Service) validate(ctx context.Context, in *Input) error {
	f := map[string]string{}
	in.Question, in.Answer, in.Source = strings.TrimSpace(in.Question), strings.TrimSpace(in.Answer), strings.TrimSpace(in.Source)
	in.Category = strings.TrimSpace(in.Category)
	if n := utf8.RuneCountInString(in.Question); text.Blank(in.Question) || n > MaxQuestion {
		f["question"] = "须为 1–" + strconv.Itoa(MaxQuestion) + " 个字"
	}
	if n := utf8.RuneCountInString(in.Answer); text.Blank(in.Answer) || n > MaxAnswer {
		f["answer"] = "须为 1–" + strconv.Itoa(MaxAnswer) + " 个字"
	}
	if utf8.RuneCountInString(in.Source) > MaxSource {
		f["source"] = "不能多于 " + strconv.Itoa(MaxSource) + " 个字"
	}
	if in.Status == "" {
		in.Status = StatusDraft
	}
	if !slices.Contains(in.Status.Enum(), string(in.Status)) {
		f["status"] = "须为 draft、published 或 retired"
	}
	if in.ValidUntil != nil && *in.ValidUntil == "" {
		in.ValidUntil = nil
	}
	if in.ValidUntil != nil {
		d, err := district.ParseDate(*in.ValidUntil)
		if err != nil || district.Date(d) != *in.ValidUntil {
			f["valid_until"] = "须为日期，如 2026-12-31"
		}
	}
	if in.Category != "" && s.categories != nil {
		ok, err := s.categories(ctx, in.Category)
		if err != nil {
			return err
		}
		if !ok {
			f["category"] = "未知类别"
		}
	}
	return apperr.Fields(f)
}

// decideStatus says whether an entry in status from may be saved in status
// to: a draft may become anything; once published an entry is published
// or retired for good (residents saw it, answers may quote it), never a
// draft again. It is pure.
func decideStatus(from, to Status) error {
	if from != StatusDraft && to == StatusDraft {
		return apperr.Field("status", "已发布过的条目不能改回草稿，可停用（retired）")
	}
	return nil
}

// Create adds an entry to the member's department (the district's for a
// member without one). Returns an invalid_argument error naming bad fields.
func (s *Service) Create(ctx context.Context, m *staff.Member, in Input) (*Entry, error) {
	if err := s.validate(ctx, &in); err != nil {
		return nil, err
	}
	now := s.clock()
	e := &Entry{
		DepartmentID: m.Scope().Department(), Question: in.Question, Answer: in.Answer, Category: in.Category,
		Source: in.Source, ValidUntil: in.ValidUntil, Status: in.Status, Version: 1,
		CreatedBy: m.ID, UpdatedBy: m.ID, CreatedAt: now, UpdatedAt: now,
	}
	err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		if err := tx.Create(e).Error; err != nil {
			return err
		}
		staff.AuditTarget(ctx, "knowledge", strconv.FormatInt(e.ID, 10))
		staff.AuditDetail(ctx, "created "+string(e.Status))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("create knowledge entry: %w", err)
	}
	return e, nil
}

// inScope loads an entry the scope owns. Returns ErrNotFound otherwise.
func inScope(tx *gorm.DB, sc staff.Scope, id int64) (*Entry, error) {
	var e Entry
	err := tx.Take(&e, "id = ?", id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load knowledge entry: %w", err)
	}
	if !sc.OwnsDepartment(e.DepartmentID) {
		return nil, ErrNotFound
	}
	return &e, nil
}

// Find returns an entry of the member's scope.
func (s *Service) Find(ctx context.Context, m *staff.Member, id int64) (*Entry, error) {
	return inScope(s.db.WithContext(ctx), m.Scope(), id)
}

// Update replaces an entry's texts and status, guarded by the version the
// member saw (ErrStale if it changed). Returns ErrNotFound outside the
// member's scope.
func (s *Service) Update(ctx context.Context, m *staff.Member, id int64, in Input) (*Entry, error) {
	if err := s.validate(ctx, &in); err != nil {
		return nil, err
	}
	var out *Entry
	err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		e, err := inScope(tx, m.Scope(), id)
		if err != nil {
			return err
		}
		if in.Version != 0 && in.Version != e.Version {
			return ErrStale
		}
		if err := decideStatus(e.Status, in.Status); err != nil {
			return err
		}
		now := s.clock()
		res := tx.Model(&Entry{}).Where("id = ? AND version = ?", e.ID, e.Version).Updates(map[string]any{
			"question": in.Question, "answer": in.Answer, "category": in.Category, "source": in.Source,
			"valid_until": in.ValidUntil, "status": in.Status, "version": e.Version + 1,
			"updated_by": m.ID, "updated_at": now,
		})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrStale
		}
		staff.AuditDetail(ctx, "status "+string(e.Status)+" → "+string(in.Status))
		out, err = inScope(tx, m.Scope(), id)
		if err == nil {
			staff.AuditChanges(ctx, *e, *out)
		}
		return err
	})
	if err != nil {
		if apperr.CodeOf(err) != "" {
			return nil, err
		}
		return nil, fmt.Errorf("update knowledge entry: %w", err)
	}
	return out, nil
}

// ErrPublished refuses deleting an entry residents may have seen.
var ErrPublished = apperr.New(apperr.Conflict, "已发布过的知识条目不能删除，请改为停用（retired）")

// Delete removes a draft (never published: decideStatus keeps a published
// entry from going back to draft). A published or retired entry is kept
// (answers may quote it): ErrPublished. Returns ErrNotFound outside the scope.
func (s *Service) Delete(ctx context.Context, m *staff.Member, id int64) error {
	err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		e, err := inScope(tx, m.Scope(), id)
		if err != nil {
			return err
		}
		if e.Status != StatusDraft {
			return ErrPublished
		}
		return tx.Delete(&Entry{}, "id = ? AND status = ?", id, StatusDraft).Error
	})
	if err != nil {
		if apperr.CodeOf(err) != "" {
			return err
		}
		return fmt.Errorf("delete knowledge entry: %w", err)
	}
	return nil
}

// Filter selects entries for the staff list.
type Filter struct {
	Q        string // words of the question or answer
	Status   Status
	Category string
	Before   int64 // cursor: entries with a smaller ID
	Limit    int
}

// List lists the entries of the member's scope, newest first, with the
// cursor of the next page (0 on the last). Returns an invalid_argument
// error naming status for an unknown status.
func (s *Service) List(ctx context.Context, m *staff.Member, f Filter) ([]Entry, int64, error) {
	if f.Status != "" && !slices.Contains(f.Status.Enum(), string(f.Status)) {
		return nil, 0, apperr.Field("status", "须为 draft、published 或 retired")
	}
	q := m.Scope().Filter(s.db.WithContext(ctx).Model(&Entry{}), staff.Columns{Department: "department_id"})
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if f.Category != "" {
		q = q.Where("category = ?", f.Category)
	}
	if ts := Terms(f.Q); len(ts) > 0 {
		q = q.Where(matchAny(s.db, ts))
	}
	if f.Before > 0 {
		q = q.Where("id < ?", f.Before)
	}
	var es []Entry
	if err := q.Order("id DESC").Limit(f.Limit + 1).Find(&es).Error; err != nil {
		return nil, 0, fmt.Errorf("list knowledge: %w", err)
	}
	var next int64
	if len(es) > f.Limit {
		es = es[:f.Limit]
		next = es[len(es)-1].ID
	}
	return es, next, nil
}
