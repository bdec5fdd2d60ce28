// Package requests is 民意速办: residents raise requests (a category, a
// description, where, photos), a department answers them within a deadline
// counted in working days, and the resident rates the answer (好差评).
//
// A new request goes to the department its category and street are routed
// to (a table the district edits; no route: the district's own queue). The
// receiving desk accepts it, transfers it to another department (the clock
// keeps running) or answers it. Every change of status is a transition
// decided by decide (transition.go) and written with the version it was
// decided on, so two officers acting at once cannot both succeed. Staff see
// and act on requests of their departments and streets only (staff.Scope);
// one outside the scope answers like a missing one.
package requests

import (
	"context"
	"io"
	"time"

	"gorm.io/gorm"

	"github.com/futian/ifutian/enterprises"
	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/clock"
	"github.com/futian/ifutian/internal/pii"
	"github.com/futian/ifutian/jobs"
	"github.com/futian/ifutian/media"
	"github.com/futian/ifutian/notify"
	"github.com/futian/ifutian/points"
	"github.com/futian/ifutian/staff"
)

// Errors the service returns.
var (
	ErrNotFound      = apperr.New(apperr.NotFound, "诉求不存在")
	ErrPhotoNotFound = apperr.New(apperr.NotFound, "照片不存在")
	ErrKeyReused     = apperr.New(apperr.Conflict, "client_key 已用于另一件诉求")
)

// Limits of a request.
const (
	MaxPhotos          = 6
	MaxPhotoBytes      = 10 << 20 // an uploaded photo, before re-encoding
	MaxPhotoPixels     = media.MaxPixels
	MaxPhotoSide       = media.MaxSide         // pixels, either side, of an upload
	MaxPhotoDecoded    = media.MaxDecodedBytes // memory an upload may take decoded (pixels × bit depth × channels)
	StoredPhotoSide    = 2048                  // the longer side of a stored photo at most
	ThumbSide          = 320                   // the longer side of its thumbnail
	MaxDescription     = 1000                  // characters
	MaxAddress         = 200
	MaxAnswer          = 2000
	MaxReason          = 500
	MaxRatingComment   = 500
	UnattachedPhotoTTL = time.Hour // an upload no submit referenced is swept after this
)

// PhotoTypes are the kinds of image an upload may be (told by its content,
// not its name or header).
var PhotoTypes = []string{"image/jpeg", "image/png", "image/webp"}

// Request is a resident's request as stored.
type Request struct {
	ID              int64
	ResidentID      int64
	ClientKey       string
	Category        string
	Description     string
	Street          string
	Community       string
	Address         string
	Latitude        *float64
	Longitude       *float64
	ContactEnc      []byte
	Public          bool
	DepartmentID    *int64
	Status          string
	Version         int64
	DeadlineAt      time.Time
	ArrivedAt       time.Time // when it reached its present department
	EscalatedAt     *time.Time
	AcceptedAt      *time.Time
	AcceptNoticedAt *time.Time
	AnswerNoticedAt *time.Time
	AnsweredAt      *time.Time
	AnsweredBy      *int64
	Answer          string
	Verified        bool
	PointsRule      string
	PointsOutcome   string
	ComplaintUSCC   string `gorm:"column:complaint_uscc"`
	CreditRecordID  *int64
	ClosedAt        *time.Time
	Rating          *int
	RatingComment   string
	RatedAt         *time.Time
	Reopened        int
	// The work order (flow.go).
	AssistDepartmentID *int64
	SignDeadlineAt     *time.Time
	SignedAt           *time.Time
	Urges              int
	AutoUrgedFor       *time.Time
	ExtendedDays       int
	CallbackAt         *time.Time
	CallbackResult     string
	Redone             int
	TextCheck          string
	CheckAttempts      int
	CheckNextAt        *time.Time
	ErasedAt           *time.Time
	CreatedAt          time.Time
	UpdatedAt          time.Time
	// Issue 25: the knowledge entry the answer quotes; the main request a
	// duplicate was merged into (merge.go).
	KnowledgeID    *int64
	MergedInto     *int64
	MergedAt       *time.Time
	MergeNoticedAt *time.Time
}

// Event is one step of a request's history.
type Event = Step

// Step is one step of a request's history: what was done, by whom (staff
// read the actor), between which units, and why.
type Step struct {
	ID               int64  `json:"-"`
	RequestID        int64  `json:"-"`
	Action           Action `json:"action"`
	ActorID          int64  `json:"-"`
	FromDepartmentID *int64 `json:"from_department_id,string"`
	ToDepartmentID   *int64 `json:"to_department_id,string"`
	// The departments' names, as the resident reads a transfer.
	FromDepartmentName string    `json:"from_department_name" gorm:"-"`
	ToDepartmentName   string    `json:"to_department_name" gorm:"-"`
	Reason             string    `json:"reason"`
	CreatedAt          time.Time `json:"created_at"`
	// Actor is who acted, for staff: the member's username, "system", or
	// "resident" (empty in the resident's own view).
	Actor string `json:"actor,omitempty" gorm:"-"`
}

// TableName maps Step to request_events.
func (Step) TableName() string { return "request_events" }

// Photo is a photo of a request, stored under a random key.
type Photo struct {
	ID            int64
	Token         string
	ResidentID    int64
	RequestID     *int64
	Position      int
	StorageKey    string
	ThumbKey      *string // nil for photos uploaded before thumbnails
	ContentType   string
	Size          int64
	Width         int
	Height        int
	CheckStatus   string
	CheckAttempts int
	CheckNextAt   *time.Time
	MediaToken    *string
	TraceID       *string
	UploadedAt    time.Time
}

// TableName maps Photo to request_photos.
func (Photo) TableName() string { return "request_photos" }

// Content-check states of a request's text and of a photo. A request
// marked public is checked; one whose text or a photo is review or risky
// is never shown publicly, and risky ones are flagged to staff.
const (
	CheckNone   = "none"   // not checked: the request is private
	CheckQueued = "queued" // waiting to be sent (or retried)
	CheckSent   = "sent"   // a photo's check is with WeChat, the verdict to come by push
	CheckPass   = "pass"
	CheckReview = "review"
	CheckRisky  = "risky"
)

// Regions is what the service needs of the district's geography.
type Regions interface {
	IsStreet(name string) bool
	StreetOf(community string) string
}

// Store keeps photos' bytes (storage.Local or storage.S3).
type Store interface {
	Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error
	Get(ctx context.Context, key string) (io.ReadCloser, string, error)
	Delete(ctx context.Context, key string) error
}

// notifier sends the resident's notices.
type notifier interface {
	SendDirect(ctx context.Context, n notify.DirectNotice) error
}

// granter grants points for verified requests.
type granter interface {
	Grant(ctx context.Context, by staff.Scope, req points.AwardRequest) (*points.Transaction, bool, error)
	UsableRule(ctx context.Context, by staff.Scope, code string) (*points.Rule, error)
}

// staffFinder loads the officer who answered, for work done after the
// answer in their name.
type staffFinder interface {
	FindByID(ctx context.Context, id int64) (*staff.Member, error)
}

// Deps are what the service is built from.
type Deps struct {
	DB          *gorm.DB
	Store       Store
	Box         *pii.Box
	Regions     Regions
	Notify      notifier
	Points      granter
	Enterprises *enterprises.Service
	Staff       staffFinder
	Media       *media.Limiter // bounds the decodes of the whole process
	Links       *media.Signer  // signs the photos' links
	// Knowledge lets answers quote the knowledge base's entries (nil:
	// none may be quoted).
	Knowledge quoter
	Referral  ReferralConfig // referrals to enterprises (外循环)
	// Checker turns content checks on: public requests' texts and photos
	// are checked through it (nil: no check is made). WeChat fetches photos
	// from MediaBase() + "/api/v1/wechat/media/<token>" (an unguessable URL
	// valid while the check waits), so it must be reachable by WeChat;
	// nil or "": photos of public requests are marked review (never shown).
	// MediaBase is a function because serve learns its listening address,
	// the built-in fake WeChat's base, only after building the services.
	Checker   Checker
	MediaBase func() string
	Now       func() time.Time // nil: time.Now
}

// Service manages requests. It is safe for concurrent use.
type Service struct {
	db          *gorm.DB
	now         func() time.Time
	store       Store
	box         *pii.Box
	regions     Regions
	notify      notifier
	points      granter
	enterprises *enterprises.Service
	staff       staffFinder
	checker     Checker
	mediaBase   func() string // nil: ""
	media       *media.Limiter
	links       *media.Signer
	kick        chan struct{}
	jobs        *jobs.Queue // nil: jobs wait for the workers
	knowledge   quoter      // nil: answers quote no knowledge entry
	referral    ReferralConfig
}

// New returns a Service. Content checks are off without d.Checker.
func New(d Deps) *Service {
	return &Service{
		db: d.DB, now: clock.Or(d.Now), store: d.Store, box: d.Box, regions: d.Regions,
		notify: d.Notify, points: d.Points, enterprises: d.Enterprises, staff: d.Staff,
		media: d.Media, links: d.Links, kick: make(chan struct{}, 1),
		knowledge: d.Knowledge, referral: d.Referral, checker: d.Checker, mediaBase: d.MediaBase,
	}
}

func (s *Service) clock() time.Time { return s.now().UTC() }

// wake tells the workers there is work (a check to send).
func (s *Service) wake() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// DB returns the service's database (for tests and the seed).
func (s *Service) DB() *gorm.DB { return s.db }
