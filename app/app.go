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
func New(d Deps) *Services {
	s := &Services{Jobs: jobs.New(d.DB, jobs.Config{Observe: d.JobOutcomes})}
	s.Auth = auth.New(d.DB, d.ResidentTokenTTL, d.StaffTokenTTL)
	s.Staff = staff.New(d.DB)
	s.Staff.SetSessions(staff.Sessions{
		RevokeTx: func(tx *gorm.DB, id int64, keep string) error { return s.Auth.RevokeOthersTx(tx, auth.Staff, id, keep) },
		Forget:   func(id int64) { s.Auth.Forget(auth.Staff, id) },
	})
	s.Points = points.New(d.DB)
	s.Notify = notify.New(d.DB)
	s.Notify.Configure(d.Notify)
	s.Settings = settings.New(settings.Deps{DB: d.DB, Base: d.Notify, Notify: s.Notify, Staff: s.Staff})
	s.Points.SetNotifier(s.Notify) // deductions and appeal decisions tell the resident
	s.Surveys = surveys.New(d.DB, s.Notify, s.Points)
	s.Surveys.RegisterJobs(s.Jobs)
	// Credit repair courses name quizzes, which members pass (issue 29).
	s.Enterprises = enterprises.New(enterprises.Deps{DB: d.DB, Notify: s.Notify, IsStreet: d.Regions.IsStreet, Quizzes: s.Surveys})
	s.Enterprises.RegisterJobs(s.Jobs)
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
	// The knowledge base checks its entries' categories with requests,
	// whose answers quote its entries.
	s.Knowledge = knowledge.New(d.DB, func(ctx context.Context, code string) (bool, error) { return s.Requests.IsCategory(ctx, code) })
	s.Requests = requests.New(requests.Deps{
		DB: d.DB, Store: d.Store, Box: d.Box, Regions: d.Regions, Notify: s.Notify,
		Points: s.Points, Enterprises: s.Enterprises, Staff: s.Staff, Media: limiter, Links: s.Links,
		Knowledge: s.Knowledge, Referral: requests.ReferralConfig{WindowDays: d.ReferralWindowDays},
	})
	s.Requests.RegisterJobs(s.Jobs)
	codes, err := residents.NewMemberCodes(key)
	if err != nil {
		panic(err) // the configuration checks the key's size first
	}
	s.MemberCodes = codes
	s.Activities = activities.New(d.DB, activities.Deps{
		Regions: d.Regions, Notify: s.Notify, Points: s.Points, MemberCodes: codes, Key: key,
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
	s.Residents = residents.New(d.DB, d.Regions, d.Box, hooks)
	s.Residents.SetMemberCodes(codes)
	s.Residents.SetAvatars(residents.Avatars{Store: d.Store, Media: limiter, Links: s.Links, Trash: requests.TrashTx})
	s.Pictures = media.NewPictures(d.Store, limiter, d.PublicURL)
	s.Points.SetImages(points.Images{Pictures: s.Pictures, Trash: requests.TrashTx})
	s.Activities.SetImages(activities.Images{Pictures: s.Pictures, Trash: requests.TrashTx})
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
