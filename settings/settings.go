// Package settings keeps what a superadmin may change while the service
// runs, over the values the environment gives (which stay the defaults):
// notices' quiet hours, the daily cap of routine subscribe messages, and
// which subscribe templates system messages use. A change is stored and
// audited, and takes effect without a restart: in the process that made it
// at once, in every other within PollEvery (Refresh, a periodic task).
//
// Deciding the configuration in effect from the environment and the stored
// values is pure (Effective); Service loads, decides and applies.
package settings

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/clock"
	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/notify"
	"github.com/futian/ifutian/staff"
)

// PollEvery is how often every process reads the stored settings.
const PollEvery = 10 * time.Second

// Key names a setting.
type Key string

// The settings.
const (
	QuietHours      Key = "quiet_hours"
	DailyCap        Key = "daily_cap"
	WeChatTemplates Key = "wechat_templates"
)

// Enum lists the settings.
func (Key) Enum() []string {
	return []string{string(QuietHours), string(DailyCap), string(WeChatTemplates)}
}

// MaxDailyCap bounds the daily cap a superadmin may set.
const MaxDailyCap = 20

// Setting is one setting as a superadmin reads it.
type Setting struct {
	Key       Key        `json:"key"`
	Value     string     `json:"value" doc:"in effect now, in the environment variable's syntax"`
	Default   string     `json:"default" doc:"the environment's value (IFUTIAN_QUIET_HOURS, IFUTIAN_NOTICE_DAILY_CAP, IFUTIAN_WECHAT_TEMPLATES), in effect when nothing is stored"`
	Stored    bool       `json:"stored" doc:"changed at run time; false: the environment's value"`
	UpdatedBy *string    `json:"updated_by" doc:"the member who stored it (username)"`
	UpdatedAt *time.Time `json:"updated_at"`
}

// Change is what a superadmin changes: each field left out stays as it is.
type Change struct {
	QuietHours      *string `json:"quiet_hours" binding:"omitempty,max=11" doc:"HH:MM-HH:MM in district time, or off" example:"21:30-07:30"`
	DailyCap        *int    `json:"daily_cap" binding:"omitempty,gte=0,lte=20" doc:"routine subscribe messages per resident per district day at most; 0: no cap" example:"3"`
	WeChatTemplates *string `json:"wechat_templates" binding:"omitempty,max=4000" doc:"kind=template_id:keyword=source,… separated by ; (the syntax of IFUTIAN_WECHAT_TEMPLATES); empty: system messages reach the inbox only"`
	// Reset returns settings to the environment's value.
	Reset []Key `json:"reset" binding:"max=3" doc:"settings to return to the environment's value"`
}

// row is a stored setting.
type row struct {
	Key       Key    `gorm:"column:setting_key;primaryKey"`
	Value     string `gorm:"column:value"`
	UpdatedBy *int64
	UpdatedAt time.Time
}

func (row) TableName() string { return "settings" }

// Effective decides the notices' configuration from the environment's
// (base) and the stored values. A stored value that no longer parses (it
// was checked when stored) is skipped and named in the error; the rest
// applies.
func Effective(base notify.Config, stored map[Key]string) (notify.Config, error) {
	c := base
	var bad []string
	if v, ok := stored[QuietHours]; ok {
		if q, err := notify.ParseQuietHours(v); err == nil {
			c.Quiet = q
		} else {
			bad = append(bad, string(QuietHours))
		}
	}
	if v, ok := stored[DailyCap]; ok {
		if n, err := strconv.Atoi(v); err == nil && n >= 0 && n <= MaxDailyCap {
			c.DailyCap = n
		} else {
			bad = append(bad, string(DailyCap))
		}
	}
	if v, ok := stored[WeChatTemplates]; ok {
		if t, err := notify.ParseTemplates(v); err == nil {
			c.Templates = t
		} else {
			bad = append(bad, string(WeChatTemplates))
		}
	}
	if len(bad) > 0 {
		return c, fmt.Errorf("stored settings that do not parse: %s", strings.Join(bad, ", "))
	}
	return c, nil
}

// validate checks a change's values as Effective will read them, naming
// each bad field.
func (ch Change) validate() (map[Key]string, error) {
	values := map[Key]string{}
	f := map[string]string{}
	if ch.QuietHours != nil {
		q, err := notify.ParseQuietHours(*ch.QuietHours)
		if err != nil || strings.TrimSpace(*ch.QuietHours) == "" {
			f["quiet_hours"] = "须为 HH:MM-HH:MM 或 off"
		} else {
			values[QuietHours] = q.String()
		}
	}
	if ch.DailyCap != nil {
		values[DailyCap] = strconv.Itoa(*ch.DailyCap)
	}
	if ch.WeChatTemplates != nil {
		t, err := notify.ParseTemplates(*ch.WeChatTemplates)
		if err != nil {
			f["wechat_templates"] = err.Error()
		} else {
			values[WeChatTemplates] = notify.FormatTemplates(t)
		}
	}
	for _, k := range ch.Reset {
		if _, set := values[k]; set {
			f["reset"] = "不能同时修改并恢复 " + string(k)
		}
	}
	return values, apperr.Fields(f)
}

// Service reads, changes and applies the settings.
type Service struct {
	db     *gorm.DB
	base   notify.Config
	notify *notify.Service
	staff  *staff.Service
	now    func() time.Time

	mu      sync.Mutex
	applied string // fingerprint of the stored values last applied
}

// Deps is what the settings are built from.
type Deps struct {
	DB     *gorm.DB
	Base   notify.Config // the environment's values
	Notify *notify.Service
	Staff  *staff.Service
	Now    func() time.Time // nil: time.Now
}

// New returns the service. Call Refresh once before serving so the stored
// values apply from the start.
func New(d Deps) *Service {
	return &Service{db: d.DB, base: d.Base, notify: d.Notify, staff: d.Staff, now: clock.Or(d.Now), applied: notApplied}
}

// List returns every setting with its value in effect and its default.
func (s *Service) List(ctx context.Context) ([]Setting, error) {
	rows, err := s.load(ctx, s.db)
	if err != nil {
		return nil, err
	}
	names := map[int64]string{}
	for _, r := range rows {
		if r.UpdatedBy != nil {
			names[*r.UpdatedBy] = ""
		}
	}
	for id := range names {
		if m, err := s.staff.FindByID(ctx, id); err == nil {
			names[id] = m.Username
		}
	}
	stored := map[Key]row{}
	for _, r := range rows {
		stored[r.Key] = r
	}
	effective, _ := Effective(s.base, values(rows))
	defaults := map[Key]string{
		QuietHours: s.base.Quiet.String(), DailyCap: strconv.Itoa(s.base.DailyCap), WeChatTemplates: notify.FormatTemplates(s.base.Templates),
	}
	now := map[Key]string{
		QuietHours: effective.Quiet.String(), DailyCap: strconv.Itoa(effective.DailyCap), WeChatTemplates: notify.FormatTemplates(effective.Templates),
	}
	var out []Setting
	for _, k := range Key("").Enum() {
		key := Key(k)
		st := Setting{Key: key, Value: now[key], Default: defaults[key]}
		if r, ok := stored[key]; ok {
			st.Stored, st.UpdatedAt = true, &r.UpdatedAt
			if r.UpdatedBy != nil {
				name := names[*r.UpdatedBy]
				st.UpdatedBy = &name
			}
		}
		out = append(out, st)
	}
	return out, nil
}

// Update stores ch by actor, audited as what changed (before → after), and
// applies it in this process at once. Returns an invalid_argument error
// naming each bad field; nothing is stored then.
func (s *Service) Update(ctx context.Context, actor *staff.Member, ch Change) ([]Setting, error) {
	values, err := ch.validate()
	if err != nil {
		return nil, err
	}
	before, err := s.List(ctx)
	if err != nil {
		return nil, err
	}
	var changes []string
	var fields []staff.AuditChange
	for _, st := range before {
		if v, ok := values[st.Key]; ok && v != st.Value {
			changes = append(changes, fmt.Sprintf("%s: %s → %s", st.Key, st.Value, v))
			fields = append(fields, staff.AuditChange{Field: string(st.Key), Before: st.Value, After: v})
		}
		if slices.Contains(ch.Reset, st.Key) && st.Stored {
			changes = append(changes, fmt.Sprintf("%s: %s → %s (environment)", st.Key, st.Value, st.Default))
			fields = append(fields, staff.AuditChange{Field: string(st.Key), Before: st.Value, After: st.Default + "（环境变量默认值）"})
		}
	}
	staff.AuditTarget(ctx, "settings", "notify")
	staff.AuditDetail(ctx, strings.Join(changes, "; "))
	staff.RecordChanges(ctx, fields)
	now := s.now().UTC()
	err = db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		for k, v := range values {
			r := row{Key: k, Value: v, UpdatedBy: &actor.ID, UpdatedAt: now}
			if err := tx.Clauses(clause.OnConflict{UpdateAll: true}).Create(&r).Error; err != nil {
				return err
			}
		}
		if len(ch.Reset) > 0 {
			if err := tx.Where("setting_key IN ?", ch.Reset).Delete(&row{}).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("update settings: %w", err)
	}
	if err := s.Refresh(ctx); err != nil {
		return nil, err
	}
	return s.List(ctx)
}

// Refresh applies the stored settings if they changed since it last did
// (every process runs it every PollEvery). A stored value that no longer
// parses is skipped, the rest applied, and the error returned for the log.
func (s *Service) Refresh(ctx context.Context) error {
	rows, err := s.load(ctx, s.db)
	if err != nil {
		return err
	}
	vals := values(rows)
	print := fingerprint(vals)
	s.mu.Lock()
	defer s.mu.Unlock()
	if print == s.applied {
		return nil
	}
	cfg, err := Effective(s.base, vals)
	s.notify.Configure(cfg)
	s.applied = print
	return err
}

func (s *Service) load(ctx context.Context, gdb *gorm.DB) ([]row, error) {
	var rows []row
	if err := gdb.WithContext(ctx).Order("setting_key").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("load settings: %w", err)
	}
	return rows, nil
}

func values(rows []row) map[Key]string {
	out := make(map[Key]string, len(rows))
	for _, r := range rows {
		out[r.Key] = r.Value
	}
	return out
}

// notApplied is no fingerprint: the first Refresh applies.
const notApplied = "-"

// fingerprint names a set of stored values ("" for none).
func fingerprint(v map[Key]string) string {
	if len(v) == 0 {
		return ""
	}
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, string(k))
	}
	slices.Sort(keys)
	h := sha256.New()
	for _, k := range keys {
		fmt.Fprintf(h, "%s=%s\n", k, v[Key(k)])
	}
	return hex.EncodeToString(h.Sum(nil))
}
