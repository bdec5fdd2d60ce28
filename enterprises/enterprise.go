// Package enterprises keeps the enterprise registry (by unified social
// credit code), members bound to enterprises, credit records and ratings,
// objections to rating factors, and benefit programs that enterprises
// qualify for without applying ("信用+免申即享").
package enterprises

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/clock"
	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/notify"
	"github.com/futian/ifutian/staff"
)

// Errors the service returns.
var (
	ErrNotFound      = apperr.New(apperr.NotFound, "企业不存在")
	ErrExists        = apperr.New(apperr.Conflict, "该统一社会信用代码已登记")
	ErrNotMember     = apperr.New(apperr.PermissionDenied, "仅限已绑定的企业成员查看和操作")
	ErrOutOfStreet   = staff.OutOfScope("street", "不在您负责的街道内")
	ErrBindingGone   = apperr.New(apperr.NotFound, "绑定申请不存在")
	ErrDecided       = apperr.New(apperr.Conflict, "该申请已处理")
	ErrObjectionGone = apperr.New(apperr.NotFound, "异议不存在")
	ErrPendingExists = apperr.New(apperr.Conflict, "该因素已有待处理的异议")
)

// notifier is what the service needs from notify: system notices to named
// residents, idempotent on Source, inside a transaction of the service (the
// due-process notices, see dueprocess.go; a benefit notice with its match's
// notified_at, see benefit_job.go).
type notifier interface {
	SendDirectTx(tx *gorm.DB, n notify.DirectNotice) error
}

// Service manages enterprises and their ratings. It is safe for concurrent use.
type Service struct {
	db       *gorm.DB
	now      func() time.Time
	notifier notifier
	streets  func(string) bool
	quizzes  quizzes // credit repair courses' quizzes and members' attempts
	jobs     runner  // runs benefit notices at once after their commit (RegisterJobs)
}

// Deps is what a Service is built from.
type Deps struct {
	DB *gorm.DB
	// Notify receives benefit and due-process notices.
	Notify notifier
	// IsStreet reports the district's streets (nil accepts any street).
	IsStreet func(string) bool
	// Quizzes are the surveys module's quizzes, which credit repair
	// courses name (nil: no course can be defined or passed).
	Quizzes quizzes
	Now     func() time.Time // nil: time.Now
}

// New returns a Service built from d.
func New(d Deps) *Service {
	isStreet := d.IsStreet
	if isStreet == nil {
		isStreet = func(string) bool { return true }
	}
	return &Service{db: d.DB, now: clock.Or(d.Now), notifier: d.Notify, streets: isStreet, quizzes: d.Quizzes}
}

// Enterprise is a registered enterprise. Grade, Score, ModelVersion,
// RatedAt and ValidUntil mirror its current rating (the newest row of
// ratings); Grade is "" only before the first rating.
type Enterprise struct {
	ID           int64      `json:"id,string"`
	USCC         string     `json:"uscc" gorm:"column:uscc"`
	Name         string     `json:"name"`
	Industry     string     `json:"industry"`
	Street       string     `json:"street"`
	Grade        Grade      `json:"grade"`
	Score        *int       `json:"score"`
	ModelVersion string     `json:"model_version"`
	RatedAt      *time.Time `json:"rated_at"`
	ValidUntil   *time.Time `json:"valid_until"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
}

// NewEnterprise is the input for Create.
// It is the request body of POST /admin/enterprises, and a line of an
// import.
type NewEnterprise struct {
	USCC     string `json:"uscc" binding:"required" example:"914403001922038216" doc:"unified social credit code (GB 32100-2015); upper-cased, spaces and hyphens dropped, check character checked"`
	Name     string `json:"name" binding:"required,max=128" example:"深圳市福田示范科技有限公司"`
	Industry string `json:"industry" binding:"max=64" example:"信息技术"`
	Street   string `json:"street" binding:"required,max=32" example:"华富街道" doc:"one of the district's streets (GET /regions), inside the member's streets"`
}

// Validate normalizes the code and checks every field; it returns an
// invalid_argument error naming the bad fields.
func (n *NewEnterprise) Validate(isStreet func(string) bool) error {
	fields := tagged(n)
	if _, bad := fields["uscc"]; !bad {
		code, err := NormalizeUSCC("uscc", n.USCC)
		if err != nil {
			var ae *apperr.Error
			errors.As(err, &ae)
			fields["uscc"] = ae.Fields["uscc"]
		}
		n.USCC = code
	}
	checkText(fields, "name", &n.Name, false)
	checkText(fields, "industry", &n.Industry, false)
	checkText(fields, "street", &n.Street, false)
	if _, bad := fields["street"]; !bad && !isStreet(n.Street) {
		fields["street"] = "未知街道"
	}
	return apperr.Fields(fields)
}

// Create registers an enterprise on behalf of a staff member and gives it
// its first rating. Returns an invalid_argument error for bad fields,
// ErrOutOfStreet (permission_denied naming street) if the street is outside
// the member's scope and ErrExists if the code is already registered.
func (s *Service) Create(ctx context.Context, by *staff.Member, n NewEnterprise) (*Enterprise, error) {
	if err := s.checkNew(by.Scope(), &n); err != nil {
		return nil, err
	}
	var e *Enterprise
	err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		var err error
		if e, err = s.insertTx(tx, n); err != nil {
			return err
		}
		staff.AuditTarget(ctx, "enterprises", e.USCC)
		staff.AuditDetail(ctx, "enterprise "+e.USCC)
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.noticesNow(ctx, "enterprise_id = ?", e.ID)
	return s.FindByID(ctx, e.ID)
}

// checkNew validates a new enterprise (normalizing it) and checks its
// street against scope. Errors as Create.
func (s *Service) checkNew(scope staff.Scope, n *NewEnterprise) error {
	if err := n.Validate(s.streets); err != nil {
		return err
	}
	if !scope.CoversStreet(n.Street) {
		return ErrOutOfStreet
	}
	return nil
}

// insertTx registers a checked enterprise inside tx and gives it its first
// rating. Returns ErrExists if the code is already registered; tx stays
// usable then.
func (s *Service) insertTx(tx *gorm.DB, n NewEnterprise) (*Enterprise, error) {
	now := s.now().UTC()
	e := &Enterprise{USCC: n.USCC, Name: n.Name, Industry: n.Industry, Street: n.Street, CreatedAt: now, UpdatedAt: now}
	if err := tx.Create(e).Error; err != nil {
		if db.IsDuplicate(err) {
			return nil, ErrExists
		}
		return nil, fmt.Errorf("create enterprise: %w", err)
	}
	if _, err := s.rateTx(tx, e.ID, CauseCreated); err != nil {
		return nil, err
	}
	return e, nil
}

// FindByID returns an enterprise. Returns ErrNotFound if there is none.
func (s *Service) FindByID(ctx context.Context, id int64) (*Enterprise, error) {
	var e Enterprise
	if err := s.db.WithContext(ctx).Take(&e, "id = ?", id).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, ErrNotFound
		}
		return nil, fmt.Errorf("find enterprise: %w", err)
	}
	return &e, nil
}

// FindByUSCC returns the enterprise with a code. Returns an
// invalid_argument error naming "uscc" for a malformed code and
// ErrNotFound if none is registered.
func (s *Service) FindByUSCC(ctx context.Context, code string) (*Enterprise, error) {
	c, err := NormalizeUSCC("uscc", code)
	if err != nil {
		return nil, err
	}
	var e Enterprise
	if err := s.db.WithContext(ctx).Take(&e, "uscc = ?", c).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, ErrNotFound
		}
		return nil, fmt.Errorf("find enterprise: %w", err)
	}
	return &e, nil
}

// PublicRating is what anyone may see of an enterprise's rating.
type PublicRating struct {
	USCC       string     `json:"uscc"`
	Name       string     `json:"name"`
	Grade      Grade      `json:"grade"`
	RatedAt    *time.Time `json:"rated_at"`
	ValidUntil *time.Time `json:"valid_until"`
}

// Public returns the public view of an enterprise's rating: grade only, no
// score or factors. Errors as FindByUSCC.
func (s *Service) Public(ctx context.Context, code string) (*PublicRating, error) {
	e, err := s.FindByUSCC(ctx, code)
	if err != nil {
		return nil, err
	}
	return &PublicRating{USCC: e.USCC, Name: e.Name, Grade: e.Grade, RatedAt: e.RatedAt, ValidUntil: e.ValidUntil}, nil
}

// ExportResident returns a resident's enterprise bindings, objections and
// the credit repairs they took part in (quiz or commitment) for /me/export.
func (s *Service) ExportResident(ctx context.Context, residentID int64) (any, error) {
	var bindings []Binding
	err := s.db.WithContext(ctx).Table("enterprise_bindings AS b").
		Select("b.*, e.uscc AS uscc, e.name AS enterprise_name").
		Joins("JOIN enterprises e ON e.id = b.enterprise_id").
		Where("b.resident_id = ?", residentID).Order("b.id").Scan(&bindings).Error
	if err != nil {
		return nil, fmt.Errorf("export bindings: %w", err)
	}
	var objections []Objection
	if err := s.db.WithContext(ctx).Where("resident_id = ?", residentID).Order("id").Find(&objections).Error; err != nil {
		return nil, fmt.Errorf("export objections: %w", err)
	}
	if bindings == nil {
		bindings = []Binding{}
	}
	if objections == nil {
		objections = []Objection{}
	}
	repairs := []Repair{}
	if err := s.db.WithContext(ctx).Where("resident_id = ? OR committed_by = ?", residentID, residentID).Order("id").Find(&repairs).Error; err != nil {
		return nil, fmt.Errorf("export credit repairs: %w", err)
	}
	return map[string]any{"bindings": bindings, "objections": objections, "credit_repairs": repairs}, nil
}
