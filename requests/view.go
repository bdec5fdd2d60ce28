package requests

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"

	"github.com/futian/ifutian/knowledge"
	"github.com/futian/ifutian/media"
	"github.com/futian/ifutian/staff"
)

// PhotoInfo describes one photo of a request; its bytes are read through
// the photo routes by its number N (1–6), or through its signed links,
// which need no header (an <image> shows them) and work until
// LinksExpireAt. The resident's views carry the links; staff get them in a
// request's audited detail.
type PhotoInfo struct {
	ID          int64  `json:"-"`
	N           int    `json:"n"`
	ContentType string `json:"content_type"`
	Width       int    `json:"width"`
	Height      int    `json:"height"`
	// CheckStatus is the content check (staff only).
	CheckStatus   string     `json:"check_status,omitempty"`
	URL           string     `json:"url,omitempty"`
	ThumbURL      string     `json:"thumb_url,omitempty"`
	LinksExpireAt *time.Time `json:"links_expire_at,omitempty"`
}

// linkPhotos gives each photo of v its signed links.
func (s *Service) linkPhotos(v *View) {
	now := time.Now() // the links' clock is the wall clock, as their check's
	for i := range v.Photos {
		p := &v.Photos[i]
		full := s.links.LinkAt(media.KindPhoto, p.ID, media.SizeFull, now)
		thumb := s.links.LinkAt(media.KindPhoto, p.ID, media.SizeThumb, now)
		p.URL, p.ThumbURL, p.LinksExpireAt = full.URL, thumb.URL, &full.ExpiresAt
	}
}

// View is a request as its resident sees it.
type View struct {
	ID             int64     `json:"id,string"`
	Category       string    `json:"category"`
	CategoryName   string    `json:"category_name"`
	Description    string    `json:"description"`
	Street         string    `json:"street"`
	Community      string    `json:"community"`
	Address        string    `json:"address"`
	Latitude       *float64  `json:"latitude"`
	Longitude      *float64  `json:"longitude"`
	Public         bool      `json:"public"`
	Status         Status    `json:"status"`
	DepartmentID   *int64    `json:"department_id,string"`
	DepartmentName string    `json:"department_name"`
	DeadlineAt     time.Time `json:"deadline_at"`
	// DeadlineText says the deadline as people do: "12月14日（周一）前办结".
	DeadlineText string     `json:"deadline_text"`
	Overdue      bool       `json:"overdue"`
	AcceptedAt   *time.Time `json:"accepted_at"`
	AnsweredAt   *time.Time `json:"answered_at"`
	Answer       string     `json:"answer"`
	// Knowledge is the knowledge entry the answer quotes (left out: none).
	Knowledge *knowledge.Ref `json:"knowledge,omitempty"`
	// MergedInto is the main request this one was merged into (handled
	// and answered with it); null: none.
	MergedInto    *int64      `json:"merged_into,string"`
	ClosedAt      *time.Time  `json:"closed_at"`
	Rating        *int        `json:"rating"`
	RatingComment string      `json:"rating_comment"`
	RatedAt       *time.Time  `json:"rated_at"`
	Reopened      int         `json:"reopened"`
	CanRate       bool        `json:"can_rate"`
	CanReopen     bool        `json:"can_reopen"`
	Photos        []PhotoInfo `json:"photos"`
	History       []Event     `json:"history"`
	Version       int64       `json:"version"`
	CreatedAt     time.Time   `json:"created_at"`
}

// StaffView is a request as a department sees it.
type StaffView struct {
	View
	ResidentID     int64      `json:"resident_id,string"`
	EscalatedAt    *time.Time `json:"escalated_at"`
	DueSoon        bool       `json:"due_soon"`
	TextCheck      string     `json:"text_check"`
	Flagged        bool       `json:"flagged"`
	Verified       bool       `json:"verified"`
	PointsRule     string     `json:"points_rule"`
	PointsOutcome  string     `json:"points_outcome"`
	ComplaintUSCC  string     `json:"complaint_uscc"`
	CreditRecordID *int64     `json:"credit_record_id,string"`
	// Contact is the call-back number, only in the audited detail.
	Contact *string `json:"contact"`
	// Referral is the request's referral to an enterprise (外循环); left
	// out when it has none.
	Referral *ReferralView `json:"referral,omitempty"`
	// The work order: the assisting unit (协办), the sign-for (签收) and
	// its limit, urgings (催办), extensions, returns and supervision
	// letters (督办函), the call-back (回访).
	AssistDepartmentID   *int64           `json:"assist_department_id,string"`
	AssistDepartmentName string           `json:"assist_department_name"`
	SignDeadlineAt       *time.Time       `json:"sign_deadline_at"`
	SignedAt             *time.Time       `json:"signed_at"`
	SignLate             bool             `json:"sign_late"` // signed after the limit, or not signed and past it
	Urges                int              `json:"urges"`
	ExtendedDays         int              `json:"extended_days"`
	CallbackAt           *time.Time       `json:"callback_at"`
	CallbackResult       *CallbackOutcome `json:"callback_result"`
	Redone               int              `json:"redone"`
	Returns              []Return         `json:"returns"`
	Extensions           []Extension      `json:"extensions"`
	Supervisions         []Urge           `json:"supervisions"`
	// Guide is the dispatch guide of its category (分拨指引), for the centre.
	Guide string `json:"guide"`
}

// DueSoonWithin is how close to its deadline an open request counts as
// due soon.
const DueSoonWithin = 24 * time.Hour

func isOpen(status string) bool {
	return status != StatusAnswered && status != StatusCallback && status != StatusClosed
}

// buildViews turns rows into views, loading their photos, histories and
// names in one query each.
func (s *Service) buildViews(ctx context.Context, rows []Request, forStaff bool) ([]StaffView, error) {
	out := make([]StaffView, len(rows))
	if len(rows) == 0 {
		return out, nil
	}
	ids := make([]int64, len(rows))
	deptIDs := []int64{}
	for i, r := range rows {
		ids[i] = r.ID
		if r.DepartmentID != nil {
			deptIDs = append(deptIDs, *r.DepartmentID)
		}
	}
	q := s.db.WithContext(ctx)
	var photos []Photo
	if err := q.Where("request_id IN ?", ids).Order("request_id, position").Find(&photos).Error; err != nil {
		return nil, fmt.Errorf("load photos: %w", err)
	}
	var events []Event
	if err := q.Where("request_id IN ?", ids).Order("request_id, id").Find(&events).Error; err != nil {
		return nil, fmt.Errorf("load history: %w", err)
	}
	for _, e := range events {
		for _, d := range []*int64{e.FromDepartmentID, e.ToDepartmentID} {
			if d != nil {
				deptIDs = append(deptIDs, *d)
			}
		}
	}
	for _, r := range rows {
		if r.AssistDepartmentID != nil {
			deptIDs = append(deptIDs, *r.AssistDepartmentID)
		}
	}
	var actors map[int64]string
	var rets map[int64][]Return
	var exts map[int64][]Extension
	var sups map[int64][]Urge
	if forStaff {
		ids := []int64{}
		for _, e := range events {
			if e.ActorID != 0 {
				ids = append(ids, e.ActorID)
			}
		}
		var err error
		if actors, err = s.usernames(ctx, ids); err != nil {
			return nil, err
		}
		if rets, exts, sups, err = s.flowRecords(ctx, ids0(rows)); err != nil {
			return nil, err
		}
	}
	names, err := s.departmentNames(ctx, deptIDs)
	if err != nil {
		return nil, err
	}
	cats, err := s.Categories(ctx, false)
	if err != nil {
		return nil, err
	}
	catName, guide := map[string]string{}, map[string]string{}
	for _, c := range cats {
		catName[c.Code], guide[c.Code] = c.Name, c.Guide
	}
	idx := map[int64]int{}
	now := s.clock()
	for i, r := range rows {
		idx[r.ID] = i
		open := isOpen(r.Status)
		v := View{
			ID: r.ID, Category: r.Category, CategoryName: catName[r.Category], Description: r.Description,
			Street: r.Street, Community: r.Community, Address: r.Address, Latitude: r.Latitude, Longitude: r.Longitude,
			Public: r.Public, Status: Status(r.Status), DepartmentID: r.DepartmentID, DeadlineAt: r.DeadlineAt,
			Overdue:    (open && now.After(r.DeadlineAt)) || (r.AnsweredAt != nil && r.AnsweredAt.After(r.DeadlineAt)),
			AcceptedAt: r.AcceptedAt, AnsweredAt: r.AnsweredAt, Answer: r.Answer, ClosedAt: r.ClosedAt,
			Rating: r.Rating, RatingComment: r.RatingComment, RatedAt: r.RatedAt, Reopened: r.Reopened,
			CanRate: r.Status == StatusAnswered && r.AnsweredAt != nil && !now.After(r.AnsweredAt.Add(RatingWindow)),
			Photos:  []PhotoInfo{}, History: []Event{}, Version: r.Version, CreatedAt: r.CreatedAt,
		}
		v.CanReopen = v.CanRate && r.Reopened < MaxReopens
		v.DeadlineText = DeadlineText(r.DeadlineAt, now)
		if r.DepartmentID != nil {
			v.DepartmentName = names[*r.DepartmentID]
		}
		sv := StaffView{View: v}
		if forStaff {
			sv.ResidentID, sv.EscalatedAt, sv.TextCheck = r.ResidentID, r.EscalatedAt, r.TextCheck
			sv.DueSoon = open && !now.After(r.DeadlineAt) && r.DeadlineAt.Sub(now) <= DueSoonWithin
			sv.Flagged = r.TextCheck == CheckRisky
			sv.Verified, sv.PointsRule, sv.PointsOutcome = r.Verified, r.PointsRule, r.PointsOutcome
			sv.ComplaintUSCC, sv.CreditRecordID = r.ComplaintUSCC, r.CreditRecordID
			sv.AssistDepartmentID, sv.SignDeadlineAt, sv.SignedAt = r.AssistDepartmentID, r.SignDeadlineAt, r.SignedAt
			if r.AssistDepartmentID != nil {
				sv.AssistDepartmentName = names[*r.AssistDepartmentID]
			}
			if d := r.SignDeadlineAt; d != nil {
				sv.SignLate = (r.SignedAt != nil && r.SignedAt.After(*d)) ||
					(r.SignedAt == nil && slices.Contains(awaitingSign, r.Status) && now.After(*d))
			}
			sv.Urges, sv.ExtendedDays, sv.Redone = r.Urges, r.ExtendedDays, r.Redone
			sv.CallbackAt, sv.Guide = r.CallbackAt, guide[r.Category]
			if r.CallbackResult != "" {
				cr := CallbackOutcome(r.CallbackResult)
				sv.CallbackResult = &cr
			}
			sv.Returns, sv.Extensions, sv.Supervisions = nonNil(rets[r.ID]), nonNil(exts[r.ID]), nonNil(sups[r.ID])
		}
		out[i] = sv
	}
	for _, p := range photos {
		i := idx[*p.RequestID]
		info := PhotoInfo{ID: p.ID, N: p.Position, ContentType: p.ContentType, Width: p.Width, Height: p.Height}
		if forStaff {
			info.CheckStatus = p.CheckStatus
			if p.CheckStatus == CheckRisky {
				out[i].Flagged = true
			}
		}
		out[i].Photos = append(out[i].Photos, info)
	}
	for _, e := range events {
		i := idx[e.RequestID]
		if forStaff {
			switch {
			case e.ActorID != 0:
				e.Actor = actors[e.ActorID]
			case e.Action == ActRate || e.Action == ActSubmit || e.Action == ActReopen:
				e.Actor = ByResident
			default:
				e.Actor = BySystem
			}
		} else if !residentEvent(&e) {
			continue
		}
		if e.FromDepartmentID != nil {
			e.FromDepartmentName = names[*e.FromDepartmentID]
		}
		if e.ToDepartmentID != nil {
			e.ToDepartmentName = names[*e.ToDepartmentID]
		}
		out[i].History = append(out[i].History, e)
	}
	if err := s.attachIssue25(ctx, rows, out, forStaff); err != nil {
		return nil, err
	}
	if !forStaff {
		for i := range out {
			s.linkPhotos(&out[i].View)
		}
	}
	return out, nil
}

func ids0(rows []Request) []int64 {
	out := make([]int64, len(rows))
	for i, r := range rows {
		out[i] = r.ID
	}
	return out
}

func nonNil[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}

// usernames maps members' IDs to their usernames (for the history staff
// read).
func (s *Service) usernames(ctx context.Context, ids []int64) (map[int64]string, error) {
	out := map[int64]string{}
	if len(ids) == 0 {
		return out, nil
	}
	var ms []staff.Member
	if err := s.db.WithContext(ctx).Select("id", "username").Where("id IN ?", ids).Find(&ms).Error; err != nil {
		return nil, fmt.Errorf("actor names: %w", err)
	}
	for _, m := range ms {
		out[m.ID] = m.Username
	}
	return out, nil
}

func (s *Service) departmentNames(ctx context.Context, ids []int64) (map[int64]string, error) {
	names := map[int64]string{}
	if len(ids) == 0 {
		return names, nil
	}
	var ds []staff.Department
	if err := s.db.WithContext(ctx).Where("id IN ?", ids).Find(&ds).Error; err != nil {
		return nil, fmt.Errorf("department names: %w", err)
	}
	for _, d := range ds {
		names[d.ID] = d.Name
	}
	return names, nil
}

// load reads one request (not erased). Returns ErrNotFound if there is none.
func load(tx *gorm.DB, id int64) (*Request, error) {
	var r Request
	err := tx.Take(&r, "id = ? AND erased_at IS NULL", id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load request: %w", err)
	}
	return &r, nil
}

// residentView returns the resident's own request. Returns ErrNotFound for
// another resident's.
func (s *Service) residentView(ctx context.Context, residentID, id int64) (*View, error) {
	r, err := load(s.db.WithContext(ctx), id)
	if err != nil {
		return nil, err
	}
	if r.ResidentID != residentID {
		return nil, ErrNotFound
	}
	vs, err := s.buildViews(ctx, []Request{*r}, false)
	if err != nil {
		return nil, err
	}
	return &vs[0].View, nil
}

// Get returns a resident's own request. Returns ErrNotFound for a missing
// request or another resident's.
func (s *Service) Get(ctx context.Context, residentID, id int64) (*View, error) {
	return s.residentView(ctx, residentID, id)
}

// inScope loads a request the scope covers: its department owned and its
// street covered. Returns ErrNotFound otherwise.
func inScope(tx *gorm.DB, sc staff.Scope, id int64) (*Request, error) {
	r, err := load(tx, id)
	if err != nil {
		return nil, err
	}
	if !sc.Covers(r.DepartmentID, r.Street) {
		return nil, ErrNotFound
	}
	return r, nil
}

// FindForStaff returns a request in the member's scope with its contact
// number and its photos' signed links: a read of personal data, which the
// caller audits. Returns ErrNotFound for a request outside the scope (and
// issues no link then).
func (s *Service) FindForStaff(ctx context.Context, m *staff.Member, id int64) (*StaffView, error) {
	sc := m.Scope()
	r, err := load(s.db.WithContext(ctx), id)
	if err != nil {
		return nil, err
	}
	// Its lead unit's, or its assisting unit's (协办), in their streets.
	if !sc.Covers(r.DepartmentID, r.Street) && (r.AssistDepartmentID == nil || !sc.Covers(r.AssistDepartmentID, r.Street)) {
		return nil, ErrNotFound
	}
	vs, err := s.buildViews(ctx, []Request{*r}, true)
	if err != nil {
		return nil, err
	}
	v := vs[0]
	s.linkPhotos(&v.View)
	if err := s.openContact(&v, r); err != nil {
		return nil, err
	}
	return &v, nil
}

// openContact puts r's call-back number, if it has one, in v. Callers show
// it only to a member whose scope covers r, and audit the read.
func (s *Service) openContact(v *StaffView, r *Request) error {
	if len(r.ContactEnc) == 0 {
		return nil
	}
	c, err := s.box.Open(r.ContactEnc)
	if err != nil {
		return fmt.Errorf("open contact: %w", err)
	}
	v.Contact = &c
	return nil
}
