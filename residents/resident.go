// Package residents manages residents: WeChat identity, profile, phone,
// privacy consent, data export and account deletion (个人信息保护法).
package residents

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/check"
	"github.com/futian/ifutian/internal/clock"
	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/internal/pii"
)

// ErrNotFound is returned for an unknown or deleted resident.
var ErrNotFound = apperr.New(apperr.NotFound, "居民不存在")

// Resident is a mini-program user. The full phone number is stored only
// sealed (PhoneEnc) with a keyed hash for look-up; it never leaves the
// server except in an export. A deleted resident keeps its ID, so the
// points ledger stays consistent, with every personal field erased.
type Resident struct {
	ID               int64      `json:"id,string"`
	OpenID           *string    `json:"-" gorm:"column:openid"`
	UnionID          *string    `json:"-" gorm:"column:unionid"`
	Nickname         string     `json:"nickname"`
	AvatarURL        string     `json:"avatar_url" doc:"an https address the resident set, or a signed link to the avatar they uploaded (POST /me/avatar), which an <image> shows without a header and which works for 10–15 minutes: read the profile again for a new one; empty for none"`
	AvatarKey        *string    `json:"-"` // the uploaded avatar's stored file
	PhoneEnc         []byte     `json:"-"`
	PhoneHash        []byte     `json:"-"`
	PhoneMasked      string     `json:"phone_masked"`
	Street           string     `json:"street"`
	Community        string     `json:"community"`
	BirthYear        *int       `json:"birth_year"`
	Tags             []string   `json:"tags" gorm:"-"`
	LeaderboardOptIn bool       `json:"leaderboard_opt_in"`
	ConsentVersion   string     `json:"consent_version"`
	ConsentedAt      *time.Time `json:"consented_at"`
	DeletedAt        *time.Time `json:"-"`
	CreatedAt        time.Time  `json:"created_at"`
	UpdatedAt        time.Time  `json:"-"`
}

type residentTag struct {
	ResidentID int64
	Tag        string
}

type consent struct {
	ID         int64     `json:"-"`
	ResidentID int64     `json:"-"`
	Version    string    `json:"version"`
	CreatedAt  time.Time `json:"consented_at"`
}

// Patch is a partial profile update; nil fields are left alone.
type Patch struct {
	Nickname  *string   `json:"nickname" binding:"omitempty,max=32" example:"小福"`
	AvatarURL *string   `json:"avatar_url" doc:"an https address (or empty for none); it replaces an uploaded avatar, whose file is deleted"`
	Street    *string   `json:"street" doc:"one of GET /regions's streets" example:"华富街道"`
	Community *string   `json:"community" doc:"one of the street's communities (GET /regions); alone, it sets its street too" example:"田面社区"`
	BirthYear *int      `json:"birth_year" binding:"omitempty,gte=1900" doc:"1900 up to the current year" example:"1985"`
	Tags      *[]string `json:"tags" binding:"omitempty,max=10" doc:"from GET /regions's self_tags; the list replaces the old one"`
	// LeaderboardOptIn opts into the points leaderboards.
	LeaderboardOptIn *bool `json:"leaderboard_opt_in" doc:"opts into the points leaderboards"`
}

// Eraser removes or anonymises one module's personal data of a resident
// inside the deletion's transaction.
type Eraser func(tx *gorm.DB, residentID int64) error

// Exporter returns one module's data about a resident for /me/export.
type Exporter func(ctx context.Context, residentID int64) (any, error)

// Hooks connect the other modules to deletion and export. main wires them.
type Hooks struct {
	Erasers   []Eraser
	Exporters map[string]Exporter // section name → exporter
	// Deleted run after a deletion has committed (e.g. to drop cached
	// tokens, which must not happen before the revocation is visible).
	Deleted []func(residentID int64)
}

// Service manages residents. It is safe for concurrent use.
type Service struct {
	db      *gorm.DB
	regions *Regions
	box     *pii.Box
	hooks   Hooks
	codes   *MemberCodes
	avatars Avatars
	policy  string // the privacy policy's current version: the one consent must name
	now     func() time.Time
}

// Deps is what a Service is built from.
type Deps struct {
	DB      *gorm.DB
	Regions *Regions
	Box     *pii.Box // seals phone numbers
	Hooks   Hooks
	// MemberCodes issues and resolves member codes (nil: none are issued).
	MemberCodes *MemberCodes
	Avatars     Avatars // uploaded avatars; none: uploads fail
	// PolicyVersion is the privacy policy's current version, the only one
	// a consent may name ("": DefaultPolicyVersion). New panics on one
	// CheckPolicyVersion refuses (the configuration checks it first).
	PolicyVersion string
	Now           func() time.Time // nil: time.Now
}

// New returns a Service.
func New(d Deps) *Service {
	policy := d.PolicyVersion
	if policy == "" {
		policy = DefaultPolicyVersion
	}
	if err := CheckPolicyVersion(policy); err != nil {
		panic(fmt.Errorf("privacy policy version %q: %w", policy, err))
	}
	return &Service{db: d.DB, regions: d.Regions, box: d.Box, hooks: d.Hooks, codes: d.MemberCodes, avatars: d.Avatars,
		policy: policy, now: clock.Or(d.Now)}
}

// DefaultPolicyVersion is the privacy policy's version unless configured
// (IFUTIAN_PRIVACY_POLICY_VERSION).
const DefaultPolicyVersion = "2026-12"

// CheckPolicyVersion checks the form of a privacy policy version: 1–32
// letters, digits or . _ -.
func CheckPolicyVersion(v string) error {
	if !versionRE.MatchString(v) {
		return errors.New("want 1–32 letters, digits or . _ -")
	}
	return nil
}

// PolicyVersion returns the privacy policy's current version.
func (s *Service) PolicyVersion() string { return s.policy }

// Regions returns the district's streets, communities and self tags.
func (s *Service) Regions() *Regions { return s.regions }

// Login returns the resident with a WeChat openid, creating one on first
// login. created reports a new account.
func (s *Service) Login(ctx context.Context, openID, unionID string) (r *Resident, created bool, err error) {
	if openID == "" {
		return nil, false, errors.New("login: empty openid")
	}
	gdb := s.db.WithContext(ctx)
	var found Resident
	err = gdb.Where("openid = ?", openID).Take(&found).Error
	if err == nil {
		return s.withTags(ctx, &found)
	}
	if !errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, false, fmt.Errorf("login: %w", err)
	}
	now := s.now().UTC()
	r = &Resident{OpenID: &openID, CreatedAt: now, UpdatedAt: now}
	if unionID != "" {
		r.UnionID = &unionID
	}
	if err := gdb.Create(r).Error; err != nil {
		if db.IsDuplicate(err) { // a concurrent first login won
			return s.Login(ctx, openID, unionID)
		}
		return nil, false, fmt.Errorf("login: %w", err)
	}
	r.Tags = []string{}
	return r, true, nil
}

func (s *Service) withTags(ctx context.Context, r *Resident) (*Resident, bool, error) {
	s.link(r)
	if err := s.db.WithContext(ctx).Model(&residentTag{}).Where("resident_id = ?", r.ID).Order("tag").Pluck("tag", &r.Tags).Error; err != nil {
		return nil, false, err
	}
	if r.Tags == nil {
		r.Tags = []string{}
	}
	return r, false, nil
}

// FindByID returns a live resident. Returns ErrNotFound for an unknown or
// deleted one.
func (s *Service) FindByID(ctx context.Context, id int64) (*Resident, error) {
	var r Resident
	err := s.db.WithContext(ctx).Where("id = ? AND deleted_at IS NULL", id).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("find resident: %w", err)
	}
	out, _, err := s.withTags(ctx, &r)
	return out, err
}

// Exists reports whether id names a live resident.
func (s *Service) Exists(ctx context.Context, id int64) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&Resident{}).Where("id = ? AND deleted_at IS NULL", id).Count(&n).Error
	return n > 0, err
}

var avatarRE = regexp.MustCompile(`^https://[^\s]{1,500}$`)

// Validate checks a patch against the district's regions and tags.
func (p *Patch) Validate(r *Regions, now time.Time) error {
	if p.Nickname != nil {
		*p.Nickname = strings.TrimSpace(*p.Nickname)
	}
	if err := check.Struct(p); err != nil { // the limits of its tags
		return err
	}
	fields := map[string]string{}
	if p.AvatarURL != nil && *p.AvatarURL != "" && !avatarRE.MatchString(*p.AvatarURL) {
		fields["avatar_url"] = "须为 https 地址"
	}
	if p.Street != nil && *p.Street != "" && !r.IsStreet(*p.Street) {
		fields["street"] = "未知街道"
	}
	if p.Community != nil && *p.Community != "" && !r.IsCommunity(*p.Community) {
		fields["community"] = "未知社区"
	}
	if p.BirthYear != nil && *p.BirthYear > now.Year() {
		fields["birth_year"] = fmt.Sprintf("不能晚于 %d 年", now.Year())
	}
	if p.Tags != nil {
		for _, t := range *p.Tags {
			if !r.IsSelfTag(t) {
				fields["tags"] = fmt.Sprintf("未知标签 %q", t)
			}
		}
	}
	return apperr.Fields(fields)
}

// Update applies a patch to a resident's profile. A community must lie in
// the resident's street; setting only the community sets its street too.
func (s *Service) Update(ctx context.Context, id int64, p Patch) (*Resident, error) {
	if err := p.Validate(s.regions, s.now()); err != nil {
		return nil, err
	}
	err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		var r Resident
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ? AND deleted_at IS NULL", id).Take(&r).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return ErrNotFound
			}
			return err
		}
		updates := map[string]any{"updated_at": s.now().UTC()}
		street, community := r.Street, r.Community
		if p.Street != nil {
			street = *p.Street
			if p.Community == nil && s.regions.StreetOf(community) != street {
				community = "" // the old community is not in the new street
			}
		}
		if p.Community != nil {
			community = *p.Community
			if p.Street == nil && community != "" {
				street = s.regions.StreetOf(community)
			}
		}
		if community != "" && s.regions.StreetOf(community) != street {
			return apperr.Field("community", "社区不属于所选街道")
		}
		updates["street"], updates["community"] = street, community
		if p.Nickname != nil {
			updates["nickname"] = *p.Nickname
		}
		if p.AvatarURL != nil {
			// An address replaces an uploaded avatar, whose file goes.
			if err := s.dropAvatarTx(tx, id, s.now().UTC()); err != nil {
				return err
			}
			updates["avatar_url"] = *p.AvatarURL
		}
		if p.BirthYear != nil {
			updates["birth_year"] = *p.BirthYear
		}
		if p.LeaderboardOptIn != nil {
			updates["leaderboard_opt_in"] = *p.LeaderboardOptIn
		}
		if err := tx.Model(&Resident{}).Where("id = ?", id).Updates(updates).Error; err != nil {
			return err
		}
		if p.Tags != nil {
			if err := tx.Where("resident_id = ?", id).Delete(&residentTag{}).Error; err != nil {
				return err
			}
			tags := slices.Compact(slices.Sorted(slices.Values(*p.Tags)))
			for _, t := range tags {
				if err := tx.Create(&residentTag{ResidentID: id, Tag: t}).Error; err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("update resident: %w", err)
	}
	return s.FindByID(ctx, id)
}

// SetPhone binds a verified phone number to a resident.
func (s *Service) SetPhone(ctx context.Context, id int64, phone string) (*Resident, error) {
	res := s.db.WithContext(ctx).Model(&Resident{}).Where("id = ? AND deleted_at IS NULL", id).Updates(map[string]any{
		"phone_enc":    s.box.Seal(phone),
		"phone_hash":   s.box.Hash(phone),
		"phone_masked": pii.MaskPhone(phone),
		"updated_at":   s.now().UTC(),
	})
	if res.Error != nil {
		return nil, fmt.Errorf("set phone: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, ErrNotFound
	}
	return s.FindByID(ctx, id)
}

// FindByPhone returns the live resident with a phone number, through its
// keyed hash. Returns ErrNotFound if none.
func (s *Service) FindByPhone(ctx context.Context, phone string) (*Resident, error) {
	var r Resident
	err := s.db.WithContext(ctx).Where("phone_hash = ? AND deleted_at IS NULL", s.box.Hash(phone)).Order("id").Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("find by phone: %w", err)
	}
	out, _, err := s.withTags(ctx, &r)
	return out, err
}

var versionRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,32}$`)

// Consent records that a resident accepted the privacy policy's current
// version; every consent is kept with its time. A consent naming another
// version (an old dialog, a typo) is an invalid_argument error naming
// "version": nobody consents to a text the service does not show.
func (s *Service) Consent(ctx context.Context, id int64, version string) (*Resident, error) {
	if !versionRE.MatchString(version) {
		return nil, apperr.Field("version", "须为 1–32 个字母、数字或 . _ -")
	}
	if version != s.policy {
		return nil, apperr.Field("version", "须为当前隐私政策的版本 "+s.policy+"，请阅读最新的隐私政策后再同意")
	}
	now := s.now().UTC()
	err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		res := tx.Model(&Resident{}).Where("id = ? AND deleted_at IS NULL", id).Updates(map[string]any{
			"consent_version": version, "consented_at": now, "updated_at": now,
		})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		return tx.Create(&consent{ResidentID: id, Version: version, CreatedAt: now}).Error
	})
	if err != nil {
		return nil, fmt.Errorf("consent: %w", err)
	}
	return s.FindByID(ctx, id)
}

// Export is everything the service holds about one resident: the profile
// with the full phone number, consents, and one section per other module.
type Export struct {
	Profile  Resident  `json:"profile"`
	Phone    string    `json:"phone"`
	Consents []consent `json:"consents"`
	// Avatar tells whether an avatar was uploaded, with a link to it.
	Avatar   AvatarExport   `json:"avatar"`
	Sections map[string]any `json:"sections"`
}

// Export returns a resident's own data, including the full phone number.
func (s *Service) Export(ctx context.Context, id int64) (*Export, error) {
	r, err := s.FindByID(ctx, id)
	if err != nil {
		return nil, err
	}
	e := &Export{Profile: *r, Consents: []consent{}, Avatar: *s.exportAvatar(r)}
	if len(r.PhoneEnc) > 0 {
		if e.Phone, err = s.box.Open(r.PhoneEnc); err != nil {
			return nil, fmt.Errorf("export: %w", err)
		}
	}
	if err := s.db.WithContext(ctx).Where("resident_id = ?", id).Order("id").Find(&e.Consents).Error; err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	e.Sections = make(map[string]any, len(s.hooks.Exporters))
	for name, export := range s.hooks.Exporters {
		if e.Sections[name], err = export(ctx, id); err != nil {
			return nil, fmt.Errorf("export %s: %w", name, err)
		}
	}
	return e, nil
}

// Delete erases a resident's account: every personal field is cleared,
// tags, consents and enterprise bindings are removed, and each eraser
// runs, all in one transaction; then SQLite's log is checkpointed so no
// erased text stays in the files. The row itself stays, so ledgers keep their references to an
// anonymous ID. Returns ErrNotFound for an unknown or deleted resident.
func (s *Service) Delete(ctx context.Context, id int64) error {
	now := s.now().UTC()
	err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		res := tx.Model(&Resident{}).Where("id = ? AND deleted_at IS NULL", id).Updates(map[string]any{
			"openid": nil, "unionid": nil, "nickname": "", "avatar_url": "",
			"phone_enc": nil, "phone_hash": nil, "phone_masked": "",
			"street": "", "community": "", "birth_year": nil, "leaderboard_opt_in": false,
			"consent_version": "", "consented_at": nil,
			"deleted_at": now, "updated_at": now,
		})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		if err := s.dropAvatarTx(tx, id, now); err != nil {
			return err
		}
		if err := tx.Where("resident_id = ?", id).Delete(&residentTag{}).Error; err != nil {
			return err
		}
		if err := tx.Where("resident_id = ?", id).Delete(&consent{}).Error; err != nil {
			return err
		}
		if err := tx.Exec("DELETE FROM enterprise_bindings WHERE resident_id = ?", id).Error; err != nil {
			return err
		}
		for _, erase := range s.hooks.Erasers {
			if err := erase(tx, id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete resident: %w", err)
	}
	for _, deleted := range s.hooks.Deleted {
		deleted(id)
	}
	// The erased data must leave SQLite's write-ahead log as well. The
	// deletion stands whatever happens here: if readers keep the log busy,
	// the next complete checkpoint overwrites it.
	_ = db.Checkpoint(ctx, s.db)
	return nil
}
