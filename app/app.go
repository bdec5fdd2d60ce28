// Package app builds the domain services and wires them to each other, in
// one place: serve, the commands, the bench and the tests all get their
// services from New, so a module that production wires is wired in every
// test too, and a module missing from the resident's export or erasure
// lists is missing everywhere (and a test says so).
package app

import (
	"context"
	"crypto/rand"
	"time"

	"gorm.io/gorm"

	"github.com/futian/ifutian/activities"
	"github.com/futian/ifutian/auth"
	"github.com/futian/ifutian/enterprises"
	"github.com/futian/ifutian/internal/pii"
	"github.com/futian/ifutian/jobs"
	"github.com/futian/ifutian/knowledge"
	"github.com/futian/ifutian/media"
	"github.com/futian/ifutian/notify"
	"github.com/futian/ifutian/points"
	"github.com/futian/ifutian/requests"
	"github.com/futian/ifutian/residents"
	"github.com/futian/ifutian/settings"
	"github.com/futian/ifutian/staff"
	"github.com/futian/ifutian/surveys"
)

// Deps is what the services are built from.
type Deps struct {
	DB               *gorm.DB
	Box              *pii.Box // seals personal data
	Regions          *residents.Regions
	ResidentTokenTTL time.Duration
	StaffTokenTTL    time.Duration
	Store            requests.Store // residents' photos
	// JobOutcomes, if not nil, hears of every job attempt's outcome by
	// kind (metrics).
	JobOutcomes func(kind, outcome string)
	// MemberCodeKey signs member codes and venue codes
	// (residents.MemberCodeKeySize bytes), and, under a key derived from it,
	// the links to photos and avatars; nil: a random key, for tests, whose
	// codes die with the process.
	MemberCodeKey []byte
	// Media bounds the picture decodes of the whole process (request
	// photos and avatars share it); nil: media.NewDefaultLimiter().
	Media *media.Limiter
	// PublicURL starts the signed links to photos and avatars; "" gives
	// paths on this server.
	PublicURL string
	// ReferralWindowDays is the working days an enterprise has to answer a
	// request referred to it (0: requests.DefaultReferralWindowDays).
	ReferralWindowDays int
	// Notify is how notices reach people as the environment configures it;
	// the settings a superadmin stores (Settings) apply over it.
	Notify notify.Config
	// Checker turns content checks of residents' requests on (nil: off);
	// WeChat fetches the photos to check from MediaBase()
	// (requests.Deps).
	Checker   requests.Checker
	MediaBase func() string
	// Levels and LevelNames are the points levels (nil: the defaults;
	// points.CheckLevels must accept them).
	Levels     []int64
	LevelNames []string
	// PolicyVersion is the privacy policy's current version, the only one
	// a consent may name ("": residents.DefaultPolicyVersion;
	// residents.CheckPolicyVersion must accept it).
	PolicyVersion string
	// BcryptCost hashes staff passwords (0: bcrypt.DefaultCost; tests use
	// bcrypt.MinCost).
	BcryptCost int
	// Now is the clock of every service (nil: time.Now): a test, the seed
	// or the bench that moves time gives a fixed or an adjustable one
	// (internal/clock). The job queue keeps real time.
	Now func() time.Time
}

// Services are the domain services of one process, wired to each other.
type Services struct {
	Auth        *auth.Service
	Residents   *residents.Service
	Staff       *staff.Service
	Points      *points.Service
	Enterprises *enterprises.Service
	Notify      *notify.Service
	Surveys     *surveys.Service
	Requests    *requests.Service
	Activities  *activities.Service
	Knowledge   *knowledge.Service // 民意速办's knowledge base (issue 25)
	MemberCodes *residents.MemberCodes
	Links       *media.Signer   // checks the signed links to photos and avatars
	Pictures    *media.Pictures // rewards' and activities' public pictures
	// Jobs is the durable job queue: the modules register the handlers of
	// the kinds they own with it here; serve runs it.
	Jobs *jobs.Queue
	// Settings are what a superadmin changes at run time over d.Notify.
	Settings *settings.Service
}

// New builds every domain service over d.DB.
//
// Every service gets its dependencies in its constructor, none after.
// Services that need each other are built in an order that makes that
// possible: auth before staff (staff management revokes tokens through
// auth: Sessions' functions close over the built s.Auth), notify before
// points, enterprises, surveys, requests and activities (they send
// notices), points before what grants points, residents last (its export
// and erasure hooks are the other modules'). The one cycle, requests and
// the knowledge base (answers quote entries, entries name request
// categories), is broken by a function field: knowledge gets a
// CategoryCheck that calls s.Requests when an entry is saved, by which
// time New has returned.
func New(d Deps) *Services {
	now := d.Now
	if now == nil {
		now = time.Now
	}
	s := &Services{Jobs: jobs.New(d.DB, jobs.Config{Observe: d.JobOutcomes})}
	s.Auth = auth.New(auth.Deps{DB: d.DB, ResidentTTL: d.ResidentTokenTTL, StaffTTL: d.StaffTokenTTL, Now: now})
	s.Staff = staff.New(staff.Deps{DB: d.DB, BcryptCost: d.BcryptCost, Now: now, Sessions: staff.Sessions{
		RevokeTx: func(tx *gorm.DB, id int64, keep string) error { return s.Auth.RevokeOthersTx(tx, auth.Staff, id, keep) },
		Forget:   func(id int64) { s.Auth.Forget(auth.Staff, id) },
	}})
	s.Notify = notify.New(notify.Deps{DB: d.DB, Config: d.Notify, Now: now})
	s.Settings = settings.New(settings.Deps{DB: d.DB, Base: d.Notify, Notify: s.Notify, Staff: s.Staff, Now: now})
	key := d.MemberCodeKey
	if key == nil {
		key = make([]byte, residents.MemberCodeKeySize)
		rand.Read(key)
	}
	limiter := d.Media
	if limiter == nil {
		limiter = media.NewDefaultLimiter()
	}
	s.Links = media.NewSigner(residents.DeriveKey(key, "media-link"), d.PublicURL)
	s.Pictures = media.NewPictures(d.Store, limiter, d.PublicURL)
	s.Points = points.New(points.Deps{
		DB: d.DB, Now: now, Levels: d.Levels, LevelNames: d.LevelNames,
		Notify: s.Notify, // deductions and appeal decisions tell the resident
		Images: points.Images{Pictures: s.Pictures, Trash: requests.TrashTx},
		// A deduction's repair course (学法修复) starts its quiz in surveys,
		// built next (it grants its points through points).
		Quizzes: func(tx *gorm.DB, residentID int64, q points.RepairQuiz) (int64, error) {
			return s.Surveys.StartCourseTx(tx, residentID, surveys.CourseQuiz{
				Key: q.Key, Title: q.Title, DepartmentID: q.DepartmentID, Tag: q.Tag, Questions: q.Questions,
				PassScore: q.PassScore, Ref: q.Ref, Job: q.Job, Until: q.Until,
			})
		},
	})
	s.Points.RegisterJobs(s.Jobs)
	s.Surveys = surveys.New(surveys.Deps{DB: d.DB, Notify: s.Notify, Points: s.Points, Now: now})
	s.Surveys.RegisterJobs(s.Jobs)
	// Credit repair courses (信用修复) name quizzes, which members pass.
	s.Enterprises = enterprises.New(enterprises.Deps{DB: d.DB, Notify: s.Notify, IsStreet: d.Regions.IsStreet, Quizzes: s.Surveys, Now: now})
	s.Enterprises.RegisterJobs(s.Jobs)
	s.Knowledge = knowledge.New(knowledge.Deps{DB: d.DB, Now: now,
		Categories: func(ctx context.Context, code string) (bool, error) { return s.Requests.IsCategory(ctx, code) }})
	s.Requests = requests.New(requests.Deps{
		DB: d.DB, Store: d.Store, Box: d.Box, Regions: d.Regions, Notify: s.Notify,
		Points: s.Points, Enterprises: s.Enterprises, Staff: s.Staff, Media: limiter, Links: s.Links,
		Knowledge: s.Knowledge, Referral: requests.ReferralConfig{WindowDays: d.ReferralWindowDays},
		Checker: d.Checker, MediaBase: d.MediaBase, Now: now,
	})
	s.Requests.RegisterJobs(s.Jobs)
	codes, err := residents.NewMemberCodes(key, now)
	if err != nil {
		panic(err) // the configuration checks the key's size first
	}
	s.MemberCodes = codes
	s.Activities = activities.New(activities.Deps{
		DB: d.DB, Regions: d.Regions, Notify: s.Notify, Points: s.Points, MemberCodes: codes, Key: key,
		Images: activities.Images{Pictures: s.Pictures, Trash: requests.TrashTx}, Now: now,
	})
	s.Activities.RegisterJobs(s.Jobs)
	var hooks residents.Hooks
	hooks.Erasers = []residents.Eraser{func(tx *gorm.DB, id int64) error { return s.Auth.RevokeAllTx(tx, auth.Resident, id) }}
	hooks.Deleted = []func(int64){func(id int64) { s.Auth.Forget(auth.Resident, id) }}
	hooks.Exporters = map[string]residents.Exporter{}
	for name, m := range s.personalData() {
		hooks.Erasers = append(hooks.Erasers, m.EraseResident)
		hooks.Exporters[name] = m.ExportResident
	}
	s.Residents = residents.New(residents.Deps{
		DB: d.DB, Regions: d.Regions, Box: d.Box, Hooks: hooks, MemberCodes: codes, PolicyVersion: d.PolicyVersion, Now: now,
		Avatars: residents.Avatars{Store: d.Store, Media: limiter, Links: s.Links, Trash: requests.TrashTx},
	})
	return s
}

// personalData is a module that keeps residents' personal data: it exports
// it for /me/export and erases it, in the resident's deletion transaction,
// for DELETE /me.
type personalData interface {
	ExportResident(ctx context.Context, residentID int64) (any, error)
	EraseResident(tx *gorm.DB, residentID int64) error
}

// personalData lists every module holding personal data by the name of its
// export section. A test checks that every service of Services that is a
// personalData is listed.
func (s *Services) personalData() map[string]personalData {
	return map[string]personalData{
		"points":      s.Points,
		"enterprises": s.Enterprises,
		"notices":     s.Notify,
		"surveys":     s.Surveys,
		"requests":    s.Requests,
		"activities":  s.Activities,
	}
}
