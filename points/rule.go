package points

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/district"
	"github.com/futian/ifutian/internal/text"
	"github.com/futian/ifutian/staff"
)

// Expiry settings of a rule: when the points it grants expire.
const (
	ExpiryNever         = "never"            // never
	ExpiryDays          = "days"             // ExpiryDays days after the award
	ExpiryEndOfNextYear = "end_of_next_year" // 31 December of the next year, district time
)

// Rule is an earning rule. A cap is the most awards of the rule one
// resident gets per district day (month), 0 = none. Version counts saves;
// every award records the version it used. A rule without a department is
// district-wide: any points officer may award under it, only a superadmin
// may change it.
type Rule struct {
	ID           int64      `json:"id,string"`
	Code         string     `json:"code"`
	Name         string     `json:"name"`
	Description  string     `json:"description"`
	Points       int        `json:"points"`
	DailyCap     int        `json:"daily_cap"`
	MonthlyCap   int        `json:"monthly_cap"`
	DepartmentID *int64     `json:"department_id,string"`
	Department   string     `json:"department" gorm:"->;-:migration"`
	ValidFrom    *time.Time `json:"valid_from"`
	ValidUntil   *time.Time `json:"valid_until"`
	Expiry       string     `json:"expiry"`
	ExpiryDays   int        `json:"expiry_days"`
	Version      int        `json:"version"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
}

// TableName maps Rule to its table.
func (Rule) TableName() string { return "point_rules" }

var codeRE = regexp.MustCompile(`^[a-z][a-z0-9_]{1,31}$`)

// Validate checks a rule's fields.
func (r *Rule) Validate() error {
	f := map[string]string{}
	if !codeRE.MatchString(r.Code) {
		f["code"] = "2–32 个小写字母、数字或下划线，以字母开头"
	}
	if n := len([]rune(r.Name)); text.Blank(r.Name) || n > 64 {
		f["name"] = "名称须为 1–64 个字符"
	}
	if len([]rune(r.Description)) > 500 {
		f["description"] = "不能多于 500 个字符"
	}
	if r.Points < 1 || r.Points > 10000 {
		f["points"] = "须为 1–10000"
	}
	if r.DailyCap < 0 || r.DailyCap > 1000 {
		f["daily_cap"] = "须为 0–1000"
	}
	if r.MonthlyCap < 0 || r.MonthlyCap > 10000 {
		f["monthly_cap"] = "须为 0–10000"
	}
	if r.ValidFrom != nil && r.ValidUntil != nil && !r.ValidUntil.After(*r.ValidFrom) {
		f["valid_until"] = "须晚于 valid_from"
	}
	switch r.Expiry {
	case ExpiryNever, ExpiryEndOfNextYear:
		r.ExpiryDays = 0
	case ExpiryDays:
		if r.ExpiryDays < 1 || r.ExpiryDays > 3650 {
			f["expiry_days"] = "须为 1–3650"
		}
	default:
		f["expiry"] = "须为 never、days 或 end_of_next_year"
	}
	return apperr.Fields(f)
}

// expiresAt returns when points awarded at now under r expire (nil: never).
func (r *Rule) expiresAt(now time.Time) *time.Time {
	var t time.Time
	switch r.Expiry {
	case ExpiryDays:
		t = now.Add(time.Duration(r.ExpiryDays) * 24 * time.Hour)
	case ExpiryEndOfNextYear:
		t = time.Date(now.In(district.Zone).Year()+2, 1, 1, 0, 0, 0, 0, district.Zone)
	default:
		return nil
	}
	t = t.UTC()
	return &t
}

// activeAt reports whether r is in its validity window at now.
func (r *Rule) activeAt(now time.Time) bool {
	return (r.ValidFrom == nil || !now.Before(*r.ValidFrom)) && (r.ValidUntil == nil || now.Before(*r.ValidUntil))
}

// SaveRule creates the rule r.Code or updates it, raising its version, on
// behalf of actor (nil from the command line, which acts for the district).
// The rule belongs to the department of actor's scope; a district-wide
// actor (a superadmin) sets r.DepartmentID instead (nil: a district-wide
// rule). Returns ErrRuleOwned for a rule outside actor's scope (another
// department's, or a district-wide one for a department's member).
func (s *Service) SaveRule(ctx context.Context, actor *staff.Member, r Rule) (*Rule, bool, error) {
	r.Code = strings.TrimSpace(r.Code)
	r.Name = strings.TrimSpace(r.Name)
	if r.Expiry == "" {
		r.Expiry = ExpiryNever
	}
	if err := r.Validate(); err != nil {
		return nil, false, err
	}
	sc := staff.DistrictScope()
	if actor != nil {
		sc = actor.Scope()
	}
	if !sc.District() {
		r.DepartmentID = sc.Department()
	}
	now := s.now().UTC()
	created := false
	err := s.transact(ctx, func(tx *gorm.DB) error {
		var old []Rule
		if err := tx.Raw("SELECT * FROM point_rules WHERE code = ?"+s.forUpdate, r.Code).Scan(&old).Error; err != nil {
			return err
		}
		if len(old) == 0 {
			created = true
			r.ID, r.Version, r.CreatedAt = 0, 1, now
		} else {
			o := old[0]
			if !sc.OwnsDepartment(o.DepartmentID) {
				return ErrRuleOwned
			}
			r.ID, r.Version, r.CreatedAt = o.ID, o.Version+1, o.CreatedAt
		}
		return s.writeRule(ctx, tx, actor, &r, now)
	})
	if err != nil {
		if errors.Is(err, ErrRuleOwned) {
			return nil, false, err
		}
		if isFK(err) {
			return nil, false, apperr.Field("department_id", "部门不存在")
		}
		return nil, false, fmt.Errorf("save rule: %w", err)
	}
	s.mu.Lock()
	delete(s.rules, r.Code)
	s.mu.Unlock()
	return &r, created, nil
}

// writeRule saves rule r at its version, with the version's row in
// point_rule_versions, in tx, and names it in the request's audit entry.
func (s *Service) writeRule(ctx context.Context, tx *gorm.DB, actor *staff.Member, r *Rule, now time.Time) error {
	r.UpdatedAt = now
	if err := tx.Omit("Department").Save(r).Error; err != nil {
		return err
	}
	var savedBy *int64
	if actor != nil {
		savedBy = &actor.ID
	}
	staff.AuditTarget(ctx, "rules", strconv.FormatInt(r.ID, 10))
	staff.AuditDetail(ctx, "rule "+r.Code+" v"+strconv.Itoa(r.Version))
	return tx.Exec(`INSERT INTO point_rule_versions (rule_id, version, code, name, points, daily_cap, monthly_cap, department_id,
valid_from, valid_until, expiry, expiry_days, saved_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.Version, r.Code, r.Name, r.Points, r.DailyCap, r.MonthlyCap, r.DepartmentID,
		r.ValidFrom, r.ValidUntil, r.Expiry, r.ExpiryDays, savedBy, now).Error
}

// RuleFilter selects rules for FindRules.
type RuleFilter struct {
	ActiveAt *time.Time // only rules valid at this time or later
	After    int64
	Limit    int
}

// FindRules lists rules by ID with their department's name, and the cursor
// of the next page (0 on the last).
func (s *Service) FindRules(ctx context.Context, f RuleFilter) ([]Rule, int64, error) {
	q := s.db.WithContext(ctx).Table("point_rules r").
		Select("r.*, COALESCE(d.name, '') AS department").
		Joins("LEFT JOIN departments d ON d.id = r.department_id").
		Where("r.id > ?", f.After).Order("r.id").Limit(f.Limit + 1)
	if f.ActiveAt != nil {
		q = q.Where("r.valid_until IS NULL OR r.valid_until > ?", f.ActiveAt.UTC())
	}
	var rs []Rule
	if err := q.Scan(&rs).Error; err != nil {
		return nil, 0, fmt.Errorf("find rules: %w", err)
	}
	return pageOf(rs, f.Limit, func(r Rule) int64 { return r.ID })
}

// ruleCacheTTL bounds how long another instance's rule change takes to
// reach this one; changes made through this Service apply at once.
const ruleCacheTTL = 2 * time.Second

type cachedRule struct {
	rule  *Rule
	until time.Time
}

// rule returns the rule code, read through a short in-memory cache: awards
// are the hot path and rules change seldom. Returns ErrRuleNotFound.
func (s *Service) rule(ctx context.Context, code string) (*Rule, error) {
	now := time.Now()
	s.mu.Lock()
	c, ok := s.rules[code]
	s.mu.Unlock()
	if ok && now.Before(c.until) {
		if c.rule == nil {
			return nil, ErrRuleNotFound
		}
		return c.rule, nil
	}
	var rs []Rule
	if err := s.db.WithContext(ctx).Where("code = ?", code).Limit(1).Find(&rs).Error; err != nil {
		return nil, fmt.Errorf("find rule: %w", err)
	}
	var r *Rule
	if len(rs) == 1 {
		r = &rs[0]
	}
	s.mu.Lock()
	if len(s.rules) > 10_000 {
		clear(s.rules)
	}
	s.rules[code] = cachedRule{rule: r, until: now.Add(ruleCacheTTL)}
	s.mu.Unlock()
	if r == nil {
		return nil, ErrRuleNotFound
	}
	return r, nil
}

// pageOf trims a list fetched with limit+1 rows and returns the cursor of
// the next page (0 on the last).
func pageOf[T any](items []T, limit int, id func(T) int64) ([]T, int64, error) {
	if len(items) > limit {
		items = items[:limit]
		return items, id(items[limit-1]), nil
	}
	return items, 0, nil
}

// FindRule returns the rule code (read through the rule cache). Returns
// ErrRuleNotFound.
func (s *Service) FindRule(ctx context.Context, code string) (*Rule, error) {
	return s.rule(ctx, code)
}
