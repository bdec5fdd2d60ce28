package points

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/check"
	"github.com/futian/ifutian/internal/district"
	"github.com/futian/ifutian/staff"
)

// Expiry is when the points a rule grants expire.
type Expiry string

// Expiry settings of a rule.
const (
	ExpiryNever         Expiry = "never"            // never
	ExpiryDays          Expiry = "days"             // ExpiryDays days after the award
	ExpiryEndOfNextYear Expiry = "end_of_next_year" // 31 December of the next year, district time
)

// Enum lists the expiry settings.
func (Expiry) Enum() []string {
	return []string{string(ExpiryNever), string(ExpiryDays), string(ExpiryEndOfNextYear)}
}

// RuleKind is what a rule is for: awarding points, or naming the kind of
// offence a deduction is for.
type RuleKind string

// The kinds of rules.
const (
	EarnRule   RuleKind = "earn"   // awards are made under it
	DeductRule RuleKind = "deduct" // deductions may name it; it awards nothing
)

// Enum lists the kinds.
func (RuleKind) Enum() []string { return []string{string(EarnRule), string(DeductRule)} }

// RepairCourse is a deduction rule's repair course (学法修复): a deduction
// under a repairable rule may be repaired once, within its appeal window,
// by passing a quiz of Questions questions drawn from the bank by Tag with
// at least PassScore, which restores SharePercent of the deducted points
// (RestoredPoints: rounded half up). Its terms are fixed on each deduction
// when it is recorded.
type RepairCourse struct {
	Repairable   bool   `json:"repairable" doc:"deductions under this rule may be repaired by the course (deduction rules only)"`
	Tag          string `json:"tag" binding:"max=32" doc:"the question bank's tag the quiz is drawn from (required when repairable)" example:"道路交通安全法"`
	Questions    int    `json:"questions" binding:"min=0,max=50" doc:"questions drawn for each attempt: 1–50 when repairable" example:"5"`
	PassScore    int    `json:"pass_score" binding:"min=0,max=100" doc:"the pass mark, 1–100 (score in percent) when repairable" example:"80"`
	SharePercent int    `json:"share_percent" binding:"min=0,max=100" doc:"the share of the deducted points a pass restores, 1–100 percent when repairable (rounded half up)" example:"50"`
}

// Rule is an earning rule, or a deduction rule (Kind deduct) with its
// repair course. A cap is the most awards of the rule one
// resident gets per district day (month), 0 = none. Version counts saves;
// every award records the version it used. A rule without a department is
// district-wide: any points officer may award under it, only a superadmin
// may change it.
type Rule struct {
	ID           int64        `json:"id,string"`
	Code         string       `json:"code"`
	Name         string       `json:"name"`
	Description  string       `json:"description"`
	Points       int          `json:"points"`
	DailyCap     int          `json:"daily_cap" doc:"Most awards of this rule one resident gets per day (Asia/Shanghai); 0 = none."`
	MonthlyCap   int          `json:"monthly_cap" doc:"Most awards per calendar month; 0 = none."`
	DepartmentID *int64       `json:"department_id,string" doc:"Owning department; null = district-wide rule."`
	Department   string       `json:"department" gorm:"->;-:migration" doc:"Owning department's name; empty for a district-wide rule."`
	ValidFrom    *time.Time   `json:"valid_from"`
	ValidUntil   *time.Time   `json:"valid_until"`
	Expiry       Expiry       `json:"expiry"`
	ExpiryDays   int          `json:"expiry_days" doc:"with expiry days: how many days after the award"`
	Kind         RuleKind     `json:"kind" doc:"earn: awards are made under it; deduct: deductions name it (it awards nothing)"`
	Repair       RepairCourse `json:"repair" gorm:"embedded;embeddedPrefix:repair_" doc:"a deduction rule's repair course (学法修复)"`
	Version      int          `json:"version" doc:"counts saves; every award records the version it used"`
	CreatedAt    time.Time    `json:"created_at"`
	UpdatedAt    time.Time    `json:"updated_at"`
}

// TableName maps Rule to its table.
func (Rule) TableName() string { return "point_rules" }

// RuleInput is a rule as staff write it (SaveRule): its tags are the one
// statement of a rule's limits, checked by the API when it binds one and by
// Validate for every save.
type RuleInput struct {
	Code         string       `json:"code" binding:"required,min=2,max=32" doc:"the rule's key (saving a code again updates that rule): 2–32 lowercase letters, digits or underscores, starting with a letter" example:"volunteer_hour"`
	Name         string       `json:"name" binding:"required,max=64" example:"志愿服务（每小时）"`
	Description  string       `json:"description" binding:"max=500"`
	Points       int          `json:"points" binding:"required,min=1,max=10000" example:"5"`
	DailyCap     int          `json:"daily_cap" binding:"min=0,max=1000" doc:"Most awards of this rule one resident gets per day (Asia/Shanghai); 0 = none."`
	MonthlyCap   int          `json:"monthly_cap" binding:"min=0,max=10000" doc:"Most awards per calendar month; 0 = none."`
	DepartmentID *int64       `json:"department_id,string" doc:"superadmin only: the owning department (left out: district-wide); anyone else's rule is their department's"`
	ValidFrom    *time.Time   `json:"valid_from"`
	ValidUntil   *time.Time   `json:"valid_until" doc:"must be after valid_from"`
	Expiry       Expiry       `json:"expiry" doc:"never (the default), days (expiry_days after the award) or end_of_next_year (31 December of the next year, Asia/Shanghai)"`
	ExpiryDays   int          `json:"expiry_days" binding:"min=0,max=3650" doc:"with expiry days: 1–3650"`
	Kind         RuleKind     `json:"kind" doc:"earn (the default) or deduct; fixed when the rule is created"`
	Repair       RepairCourse `json:"repair" doc:"a deduction rule's repair course; left out: not repairable"`
}

// Rule is the rule the input describes.
func (in RuleInput) Rule() Rule {
	return Rule{Code: in.Code, Name: in.Name, Description: in.Description, Points: in.Points, DailyCap: in.DailyCap,
		MonthlyCap: in.MonthlyCap, DepartmentID: in.DepartmentID, ValidFrom: in.ValidFrom, ValidUntil: in.ValidUntil,
		Expiry: in.Expiry, ExpiryDays: in.ExpiryDays, Kind: in.Kind, Repair: in.Repair}
}

func (r *Rule) input() RuleInput {
	return RuleInput{Code: r.Code, Name: r.Name, Description: r.Description, Points: r.Points, DailyCap: r.DailyCap,
		MonthlyCap: r.MonthlyCap, DepartmentID: r.DepartmentID, ValidFrom: r.ValidFrom, ValidUntil: r.ValidUntil,
		Expiry: r.Expiry, ExpiryDays: r.ExpiryDays, Kind: r.Kind, Repair: r.Repair}
}

// codeRE is a code's alphabet (its length is RuleInput's).
var codeRE = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// Validate checks a rule's fields: RuleInput's tags, the code's alphabet,
// the validity window and the expiry.
func (r *Rule) Validate() error {
	if r.Expiry == "" {
		r.Expiry = ExpiryNever
	}
	if r.Kind == "" {
		r.Kind = EarnRule
	}
	r.Repair.Tag = strings.TrimSpace(r.Repair.Tag)
	in := r.input()
	f := map[string]string{}
	if err := check.Struct(&in); err != nil {
		var ae *apperr.Error
		if !errors.As(err, &ae) {
			return err
		}
		maps.Copy(f, ae.Fields)
	}
	if _, bad := f["code"]; !bad && !codeRE.MatchString(r.Code) {
		f["code"] = "2–32 个小写字母、数字或下划线，以字母开头"
	}
	if r.ValidFrom != nil && r.ValidUntil != nil && !r.ValidUntil.After(*r.ValidFrom) {
		f["valid_until"] = "须晚于 valid_from"
	}
	switch r.Expiry {
	case ExpiryNever, ExpiryEndOfNextYear:
		r.ExpiryDays = 0
	case ExpiryDays:
		if _, bad := f["expiry_days"]; !bad && r.ExpiryDays < 1 {
			f["expiry_days"] = "须为 1–3650"
		}
	}
	maps.Copy(f, r.Repair.fields(r.Kind))
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
	r.ValidFrom, r.ValidUntil = utc(r.ValidFrom), utc(r.ValidUntil)
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
			if o.Kind != r.Kind {
				return apperr.Field("kind", "规则类型创建后不能更改")
			}
			r.ID, r.Version, r.CreatedAt = o.ID, o.Version+1, o.CreatedAt
			staff.AuditChanges(ctx, o, r)
		}
		return s.writeRule(ctx, tx, actor, &r, now)
	})
	if err != nil {
		if errors.Is(err, ErrRuleOwned) || apperr.CodeOf(err) == apperr.Invalid {
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
	repair, err := json.Marshal(r.Repair)
	if err != nil {
		return err
	}
	return tx.Exec(`INSERT INTO point_rule_versions (rule_id, version, code, name, points, daily_cap, monthly_cap, department_id,
valid_from, valid_until, expiry, expiry_days, kind, repair, saved_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.Version, r.Code, r.Name, r.Points, r.DailyCap, r.MonthlyCap, r.DepartmentID,
		r.ValidFrom, r.ValidUntil, r.Expiry, r.ExpiryDays, r.Kind, string(repair), savedBy, now).Error
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

// mergeFields joins invalid_argument errors naming fields (nil ones are
// skipped); another error wins as it is.
func mergeFields(errs ...error) error {
	f := map[string]string{}
	for _, err := range errs {
		if err == nil {
			continue
		}
		var ae *apperr.Error
		if !errors.As(err, &ae) || len(ae.Fields) == 0 {
			return err
		}
		maps.Copy(f, ae.Fields)
	}
	return apperr.Fields(f)
}

// fields checks a repair course against its rule's kind: only a deduction
// rule is repairable, and a repairable course needs a tag, a number of
// questions, a pass mark and a share. A course that is not repairable is
// kept as written (its terms are ignored).
func (c *RepairCourse) fields(kind RuleKind) map[string]string {
	f := map[string]string{}
	if !c.Repairable {
		return f
	}
	if kind != DeductRule {
		f["repair.repairable"] = "只有扣分规则可以设置学法修复"
		return f
	}
	if c.Tag == "" {
		f["repair.tag"] = "请选择题库标签"
	}
	if c.Questions < 1 {
		f["repair.questions"] = "须为 1–50"
	}
	if c.PassScore < 1 {
		f["repair.pass_score"] = "须为 1–100"
	}
	if c.SharePercent < 1 {
		f["repair.share_percent"] = "须为 1–100"
	}
	return f
}
