// Package activities runs community activities and volunteer service
// (issue #15): departments publish activities; residents in an activity's
// audience sign up within its capacity, on a waiting list that moves up in
// order when someone cancels; they check in and out at the venue, with the
// activity's rotating code or their member code; on check-out (or once the
// activity is over) they are credited volunteer hours, in an append-only
// ledger, and points under the activity's rule, once per activity.
//
// Invariants:
//   - activities.confirmed and activities.waiting count the activity's
//     sign-ups of that status; confirmed never exceeds capacity. Every change
//     to them is a conditional UPDATE of the activity's row in the same
//     transaction as the sign-up rows it counts, so the row serializes them.
//   - A resident has at most one sign-up per activity (unique key) and is
//     credited at most once per activity: the credit is a conditional
//     UPDATE of the sign-up (credited_at IS NULL) and a ledger entry with a
//     unique key, and the points grant is idempotent on its external ID.
//   - volunteer_hours is append-only (the database refuses UPDATE): hours
//     are corrected by adjustments; totals are sums. A resident's total for
//     an activity stays within the activity's length unless a second member
//     approved an adjustment beyond it (volunteer_hours_approvals); every
//     write of it holds the sign-up's row first.
package activities

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/clock"
	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/jobs"
	"github.com/futian/ifutian/notify"
	"github.com/futian/ifutian/points"
	"github.com/futian/ifutian/residents"
	"github.com/futian/ifutian/staff"
)

// Errors the activities module returns. Their messages are safe to show.
var (
	ErrNotFound         = apperr.New(apperr.NotFound, "活动不存在")
	ErrSignupNotFound   = apperr.New(apperr.NotFound, "没有您的报名记录")
	ErrResidentNotFound = apperr.New(apperr.NotFound, "居民不存在")
	ErrFull             = apperr.New(apperr.Conflict, "名额已满").Because(apperr.ReasonFull)
	ErrClosed           = apperr.New(apperr.Conflict, "报名已截止").Because(apperr.ReasonClosed)
	ErrCancelClosed     = apperr.New(apperr.Conflict, "报名截止后不能取消").Because(apperr.ReasonClosed)
	ErrCancelled        = apperr.New(apperr.Conflict, "活动已取消").Because(apperr.ReasonCancelled)
	ErrEnded            = apperr.New(apperr.Conflict, "活动已结束").Because(apperr.ReasonEnded)
	ErrNotDraft         = apperr.New(apperr.Conflict, "活动已发布").Because(apperr.ReasonPublished)
	ErrOutsideWindow    = apperr.New(apperr.Conflict, "不在签到、签退时间内").Because(apperr.ReasonOutsideWindow)
	ErrNotSignedUp      = apperr.New(apperr.Conflict, "未报名该活动，且活动不接受现场报名").Because(apperr.ReasonNotSignedUp)
	ErrStillWaiting     = apperr.New(apperr.Conflict, "您在候补名单中，尚未获得名额").Because(apperr.ReasonWaiting)
	ErrNotCheckedIn     = apperr.New(apperr.Conflict, "尚未签到").Because(apperr.ReasonNotCheckedIn)
	ErrNotStarted       = apperr.New(apperr.Conflict, "活动尚未开始，开始后才能签退").Because(apperr.ReasonNotStarted)
	ErrCheckedIn        = apperr.New(apperr.Conflict, "已签到，不能取消报名").Because(apperr.ReasonCheckedIn)
)

// Activity kinds.
const (
	KindVolunteer = "volunteer"       // 志愿服务
	KindLegal     = "legal_education" // 普法宣传
	KindBenefit   = "public_benefit"  // 惠民活动
	KindOther     = "other"           // 其他
)

// Kinds lists every kind with its name.
var Kinds = map[Kind]string{KindVolunteer: "志愿服务", KindLegal: "普法宣传", KindBenefit: "惠民活动", KindOther: "其他"}

// Activity statuses. An activity is over once EndsAt has passed, whatever
// its status.
const (
	Draft     = "draft"
	Published = "published"
	Cancelled = "cancelled"
)

// Sign-up statuses.
const (
	Confirmed = "confirmed"
	Waiting   = "waiting"
	Withdrawn = "cancelled"
)

// notifier is what activities needs from the notify module.
type notifier interface {
	SendDirectTx(tx *gorm.DB, n notify.DirectNotice) error
}

// granter is what activities needs from the points module.
type granter interface {
	Grant(ctx context.Context, by staff.Scope, req points.AwardRequest) (*points.Transaction, bool, error)
	UsableRule(ctx context.Context, by staff.Scope, code string) (*points.Rule, error)
	FindRule(ctx context.Context, code string) (*points.Rule, error)
}

// Regions is what activities needs to know of the district's geography.
type Regions interface {
	IsStreet(string) bool
	IsCommunity(string) bool
	StreetOf(community string) string
}

// Service manages activities, sign-ups, attendance and volunteer hours. It
// is safe for concurrent use.
type Service struct {
	db        *gorm.DB
	now       func() time.Time
	regions   Regions
	notify    notifier
	points    granter
	members   *residents.MemberCodes
	codeKey   []byte      // signs venue codes
	forUpdate string      // " FOR UPDATE" on MySQL; SQLite serializes writers anyway
	jobs      *jobs.Queue // nil: jobs wait for the workers
	images    Images      // activities' pictures
}

// Deps are what the service is built from.
type Deps struct {
	DB          *gorm.DB
	Regions     Regions
	Notify      notifier
	Points      granter
	MemberCodes *residents.MemberCodes
	// Key signs the venue's rotating check-in codes (the key member codes
	// are derived from; a key of its own is derived).
	Key    []byte
	Images Images           // activities' pictures; none: no picture
	Now    func() time.Time // nil: time.Now
}

// New returns a Service over d.DB.
func New(d Deps) *Service {
	s := &Service{
		db: d.DB, now: clock.Or(d.Now), regions: d.Regions, notify: d.Notify, points: d.Points,
		members: d.MemberCodes, codeKey: residents.DeriveKey(d.Key, "venue-code"), images: d.Images,
	}
	if db.DialectOf(d.DB) == db.MySQL {
		s.forUpdate = " FOR UPDATE"
	}
	return s
}

func (s *Service) clock() time.Time { return s.now().UTC() }

// hours turns minutes into hours, to two decimals.
func hours(minutes int64) float64 { return math.Round(float64(minutes)/60*100) / 100 }

// minutesOf turns hours into whole minutes.
func minutesOf(h float64) int64 { return int64(math.Round(h * 60)) }

// load returns an activity by ID, locked for the transaction with lock.
// Returns ErrNotFound if there is none.
func (s *Service) load(tx *gorm.DB, id int64, lock bool) (*Activity, error) {
	var a Activity
	q := tx.Where("id = ?", id)
	if lock && s.forUpdate != "" {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	err := q.Take(&a).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load activity: %w", err)
	}
	return &a, nil
}

// owned loads an activity within scope by: its department's, on a street by
// covers. Any other answers ErrNotFound, like a missing one.
func (s *Service) owned(tx *gorm.DB, by staff.Scope, id int64, lock bool) (*Activity, error) {
	a, err := s.load(tx, id, lock)
	if err != nil {
		return nil, err
	}
	if !by.Covers(a.DepartmentID, a.Street) {
		return nil, ErrNotFound
	}
	return a, nil
}

// scopeColumns are the columns activities are scoped by.
var scopeColumns = staff.Columns{Street: "activities.street", Department: "activities.department_id"}

// transact runs fn in a transaction that commits the request's audit entry
// with it, again on a transient conflict.
func (s *Service) transact(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return db.Transact(ctx, s.db, fn)
}
