package activities

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/residents"
)

// MySignup is a resident's own sign-up as they see it.
type MySignup struct {
	ActivityID   int64        `json:"activity_id,string"`
	Status       SignupStatus `json:"status"`
	Attendance   Attendance   `json:"attendance"`
	Position     *int         `json:"position" doc:"on the waiting list: 1 is next"` // on the waiting list: 1 is next
	WalkIn       bool         `json:"walk_in"`
	SignedUpAt   time.Time    `json:"signed_up_at"`
	CheckedInAt  *time.Time   `json:"checked_in_at"`
	CheckedOutAt *time.Time   `json:"checked_out_at"`
	// Hours are the volunteer hours credited for the activity, adjustments
	// included.
	Hours float64 `json:"hours" doc:"volunteer hours credited, adjustments included"`
	// PointsStatus is the points grant's outcome: "" (no rule, or not
	// credited yet), pending, granted or refused.
	PointsStatus  PointsStatus `json:"points_status" doc:"empty: no points rule, or not credited yet"`
	PointsAwarded int64        `json:"points_awarded"`
}

// PublicActivity is an activity as residents see it, with their own
// sign-up.
type PublicActivity struct {
	ID             int64        `json:"id,string"`
	Kind           Kind         `json:"kind" doc:"volunteer 志愿服务, legal_education 普法宣传, public_benefit 惠民活动, other 其他"`
	Title          string       `json:"title"`
	Description    string       `json:"description"`
	Place          string       `json:"place"`
	Street         string       `json:"street"`
	Community      string       `json:"community"`
	StartsAt       time.Time    `json:"starts_at"`
	EndsAt         time.Time    `json:"ends_at"`
	SignupDeadline time.Time    `json:"signup_deadline"`
	Capacity       int          `json:"capacity"`
	Remaining      int          `json:"remaining" doc:"places left"`
	Waiting        int          `json:"waiting" doc:"on the waiting list"`
	Waitlist       bool         `json:"waitlist"`
	WalkIns        bool         `json:"walk_ins"`
	Points         int          `json:"points" doc:"points for attending, under the activity's rule (0: none)"` // granted for attending, under the activity's rule (0: none)
	Hours          float64      `json:"hours" doc:"volunteer hours credited for attending"`                     // volunteer hours credited for attending
	Status         PublicStatus `json:"status"`
	SignupOpen     bool         `json:"signup_open"`
	MySignup       *MySignup    `json:"my_signup" doc:"my sign-up; null if none"`
	// ImageURL and ThumbURL are public links to its picture and thumbnail
	// ("" without one), which an <image> loads without a header.
	ImageURL string `json:"image_url" doc:"public link to the activity's picture (at most 1280 px), for <image src> without a header, cacheable for good; \"\" without a picture"`
	ThumbURL string `json:"thumb_url" doc:"public link to its 320 px JPEG thumbnail; \"\" without a picture"`
}

// inAudience reports whether a resident is a live member of a's audience.
func (s *Service) inAudience(tx *gorm.DB, a *Activity, residentID int64, now time.Time) (bool, error) {
	var n int64
	err := a.Audience.Scope(tx.Table(residents.Table), now).Where(residents.IDColumn(residents.Table)+" = ?", residentID).Count(&n).Error
	if err != nil {
		return false, fmt.Errorf("match audience: %w", err)
	}
	return n > 0, nil
}

// visibleTo loads an activity a resident may see: published or cancelled,
// with the resident in its audience, or (signedUp) with a sign-up of
// theirs. Anything else is ErrNotFound.
func (s *Service) visibleTo(tx *gorm.DB, residentID, id int64, now time.Time, signedUp bool) (*Activity, error) {
	a, err := s.load(tx, id, false)
	if err != nil {
		return nil, err
	}
	if a.Status == Draft {
		return nil, ErrNotFound
	}
	if signedUp {
		sg, err := findSignup(tx, id, residentID)
		if err != nil {
			return nil, err
		}
		if sg != nil {
			return a, nil
		}
	}
	ok, err := s.inAudience(tx, a, residentID, now)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrNotFound
	}
	return a, nil
}

// mySignup builds a resident's view of their sign-up.
func (s *Service) mySignup(tx *gorm.DB, a *Activity, sg *Signup, now time.Time) (*MySignup, error) {
	v := &MySignup{
		ActivityID: a.ID, Status: sg.Status, Attendance: attendance(a, sg, now), WalkIn: sg.WalkIn,
		SignedUpAt: sg.CreatedAt, CheckedInAt: sg.CheckedInAt, CheckedOutAt: sg.CheckedOutAt,
		PointsStatus: sg.PointsStatus, PointsAwarded: sg.PointsAwarded,
	}
	if sg.Status == Waiting {
		var ahead int64
		if err := tx.Model(&Signup{}).Where("activity_id = ? AND status = ? AND id < ?", a.ID, Waiting, sg.ID).Count(&ahead).Error; err != nil {
			return nil, fmt.Errorf("waiting position: %w", err)
		}
		p := int(ahead) + 1
		v.Position = &p
	}
	var m int64
	if err := tx.Model(&HoursEntry{}).Where("activity_id = ? AND resident_id = ?", a.ID, sg.ResidentID).
		Select("COALESCE(SUM(minutes), 0)").Scan(&m).Error; err != nil {
		return nil, fmt.Errorf("credited hours: %w", err)
	}
	v.Hours = hours(m)
	return v, nil
}

// public builds residents' views of activities, with the resident's own
// sign-ups.
func (s *Service) public(ctx context.Context, tx *gorm.DB, residentID int64, as []Activity, now time.Time) ([]PublicActivity, error) {
	out := make([]PublicActivity, len(as))
	if len(as) == 0 {
		return out, nil
	}
	ids := make([]int64, len(as))
	for i, a := range as {
		ids[i] = a.ID
	}
	var sgs []Signup
	if err := tx.Where("resident_id = ? AND activity_id IN ?", residentID, ids).Find(&sgs).Error; err != nil {
		return nil, fmt.Errorf("my sign-ups: %w", err)
	}
	mine := map[int64]*Signup{}
	for i := range sgs {
		mine[sgs[i].ActivityID] = &sgs[i]
	}
	for i := range as {
		a := &as[i]
		p := PublicActivity{
			ID: a.ID, Kind: a.Kind, Title: a.Title, Description: a.Description, Place: a.Place, Street: a.Street,
			Community: a.Community, StartsAt: a.StartsAt, EndsAt: a.EndsAt, SignupDeadline: a.SignupDeadline,
			Capacity: a.Capacity, Remaining: max(a.Capacity-a.Confirmed, 0), Waiting: a.Waiting, Waitlist: a.Waitlist,
			WalkIns: a.WalkIns, Hours: hours(a.CreditMinutes), Status: PublicStatus(a.Status),
			SignupOpen: a.Status == Published && now.Before(a.SignupDeadline),
		}
		p.ImageURL, p.ThumbURL = s.imageURLs(a)
		if a.PointsRule != "" {
			if r, err := s.points.FindRule(ctx, a.PointsRule); err == nil {
				p.Points = r.Points
			}
		}
		if sg := mine[a.ID]; sg != nil {
			v, err := s.mySignup(tx, a, sg, now)
			if err != nil {
				return nil, err
			}
			p.MySignup = v
		}
		out[i] = p
	}
	return out, nil
}

// FindForResident returns an activity the resident may see (see
// visibleTo) with their sign-up. Returns ErrNotFound otherwise.
func (s *Service) FindForResident(ctx context.Context, residentID, id int64) (*PublicActivity, error) {
	now := s.clock()
	tx := s.db.WithContext(ctx)
	a, err := s.visibleTo(tx, residentID, id, now, true)
	if err != nil {
		return nil, err
	}
	ps, err := s.public(ctx, tx, residentID, []Activity{*a}, now)
	if err != nil {
		return nil, err
	}
	return &ps[0], nil
}

// cursor is a position in a list ordered by start time and ID.
type cursor struct {
	at time.Time
	id int64
}

func (c cursor) String() string {
	if c.id == 0 {
		return ""
	}
	return strconv.FormatInt(c.at.UnixNano(), 10) + ":" + strconv.FormatInt(c.id, 10)
}

// parseCursor reads a page token's cursor; "" is the first page.
func parseCursor(v string) (cursor, error) {
	if v == "" {
		return cursor{}, nil
	}
	at, id, ok := strings.Cut(v, ":")
	ns, err1 := strconv.ParseInt(at, 10, 64)
	n, err2 := strconv.ParseInt(id, 10, 64)
	if !ok || err1 != nil || err2 != nil || n <= 0 {
		return cursor{}, apperr.Field("page_token", "无效的分页标记")
	}
	return cursor{at: time.Unix(0, ns).UTC(), id: n}, nil
}

// OpenFilter narrows the activities open to a resident. Its limits are
// the API's (GET /activities checks them).
type OpenFilter struct {
	Q    string // words, each in the title or the place
	Kind Kind   // one of Kinds; "" for every kind
}

// ListOpen is Search without a filter.
func (s *Service) ListOpen(ctx context.Context, residentID int64, token string, limit int) ([]PublicActivity, string, error) {
	return s.Search(ctx, residentID, OpenFilter{}, token, limit)
}

// Search returns the activities open to a resident for sign-up that match
// f: published, before their cut-off, with the resident in their
// audience; soonest first, after the page token (a cursor string from an
// earlier page, "" for the first), and the next page's token ("" on the
// last). Returns an invalid_argument error naming q, kind or page_token.
func (s *Service) Search(ctx context.Context, residentID int64, f OpenFilter, token string, limit int) ([]PublicActivity, string, error) {
	c, err := parseCursor(token)
	if err != nil {
		return nil, "", err
	}
	now := s.clock()
	tx := s.db.WithContext(ctx)
	var picked []Activity
	const batch = 100
	for {
		q := tx.Where("status = ? AND signup_deadline > ?", Published, now)
		if f.Kind != "" {
			q = q.Where("kind = ?", f.Kind)
		}
		for _, w := range strings.Fields(f.Q) {
			p := db.Contains(w)
			q = q.Where("(title LIKE ? ESCAPE '!' OR place LIKE ? ESCAPE '!')", p, p)
		}
		if c.id > 0 {
			q = q.Where("(starts_at > ? OR (starts_at = ? AND id > ?))", c.at, c.at, c.id)
		}
		var as []Activity
		if err := q.Order("starts_at, id").Limit(batch).Find(&as).Error; err != nil {
			return nil, "", fmt.Errorf("list activities: %w", err)
		}
		for i := range as {
			a := &as[i]
			c = cursor{at: a.StartsAt, id: a.ID}
			ok, err := s.inAudience(tx, a, residentID, now)
			if err != nil {
				return nil, "", err
			}
			if !ok {
				continue
			}
			picked = append(picked, *a)
			if len(picked) == limit {
				ps, err := s.public(ctx, tx, residentID, picked, now)
				return ps, c.String(), err
			}
		}
		if len(as) < batch {
			ps, err := s.public(ctx, tx, residentID, picked, now)
			return ps, "", err
		}
	}
}

// Mine lists the activities a resident signed up for (and did not
// withdraw from): upcoming ones (not over yet) soonest first, or past ones
// latest first, with their sign-up and the hours credited. Paged like
// ListOpen.
func (s *Service) Mine(ctx context.Context, residentID int64, past bool, token string, limit int) ([]PublicActivity, string, error) {
	c, err := parseCursor(token)
	if err != nil {
		return nil, "", err
	}
	now := s.clock()
	tx := s.db.WithContext(ctx)
	q := tx.Table("activity_signups s").Joins("JOIN activities a ON a.id = s.activity_id").
		Where("s.resident_id = ? AND s.status <> ? AND a.status <> ?", residentID, Withdrawn, Draft)
	order := "a.starts_at, a.id"
	if past {
		q = q.Where("a.ends_at <= ?", now)
		order = "a.starts_at DESC, a.id DESC"
		if c.id > 0 {
			q = q.Where("(a.starts_at < ? OR (a.starts_at = ? AND a.id < ?))", c.at, c.at, c.id)
		}
	} else {
		q = q.Where("a.ends_at > ?", now)
		if c.id > 0 {
			q = q.Where("(a.starts_at > ? OR (a.starts_at = ? AND a.id > ?))", c.at, c.at, c.id)
		}
	}
	var ids []int64
	if err := q.Order(order).Limit(limit+1).Pluck("a.id", &ids).Error; err != nil {
		return nil, "", fmt.Errorf("my activities: %w", err)
	}
	more := len(ids) > limit
	if more {
		ids = ids[:limit]
	}
	var as []Activity
	if err := tx.Where("id IN ?", ids).Find(&as).Error; err != nil {
		return nil, "", fmt.Errorf("my activities: %w", err)
	}
	byID := map[int64]Activity{}
	for _, a := range as {
		byID[a.ID] = a
	}
	ordered := make([]Activity, 0, len(ids))
	for _, id := range ids {
		ordered = append(ordered, byID[id])
	}
	ps, err := s.public(ctx, tx, residentID, ordered, now)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if more {
		last := ordered[len(ordered)-1]
		next = cursor{at: last.StartsAt, id: last.ID}.String()
	}
	return ps, next, nil
}
