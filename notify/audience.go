package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"gorm.io/gorm"

	"github.com/futian/ifutian/enterprises/members"
	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/check"
	"github.com/futian/ifutian/internal/district"
	"github.com/futian/ifutian/points/deductsql"
	"github.com/futian/ifutian/residents"
)

// Audience selects residents. Fields AND together; the values inside a
// field OR. An empty Audience means every (live) resident. Enterprise
// grades, industries and record kinds match residents with an approved
// binding to such an enterprise; each of those three fields is matched on
// its own (record severities narrow the record kinds: one record of a kind
// and a severity). The conditions are the enterprises module's
// (enterprises/members).
type Audience struct {
	Streets              []string `json:"streets"`
	Communities          []string `json:"communities"`
	Tags                 []string `json:"tags"`
	AgeMin               *int     `json:"age_min" binding:"omitempty,min=0,max=150" doc:"null: unset"`
	AgeMax               *int     `json:"age_max" binding:"omitempty,min=0,max=150" doc:"age in whole years from birth_year, in the district's zone; null: unset"`
	EnterpriseGrades     []string `json:"enterprise_grades" doc:"A, B, C or D"`
	EnterpriseIndustries []string `json:"enterprise_industries"`
	// Members of enterprises with a credit record of a kind
	// counting now (e.g. restaurants with a hygiene penalty), optionally of
	// given severities.
	EnterpriseRecordKinds      []string `json:"enterprise_record_kinds" doc:"credit record kinds (penalty, commitment_breach, arrears, complaint, honor, tax_grade): members of enterprises with such a record counting now"`
	EnterpriseRecordSeverities []string `json:"enterprise_record_severities" doc:"minor, general or serious: only records of these severities count for enterprise_record_kinds (which it needs)"`
	ResidentIDs                IDs      `json:"resident_ids,string" doc:"resident IDs (strings; numbers are accepted too); not combined with any other field (400 naming audience.resident_ids)"`
	// DeductedUnderRules selects residents with a deduction naming one of
	// these rules (points' deduction rules) that no upheld appeal reversed,
	// recorded in the last DeductedWithinDays days if set: so a department
	// sends the quiz of the law concerned to the people it concerns.
	DeductedUnderRules []string `json:"deducted_under_rules" doc:"codes of deduction rules: residents with a deduction under one of them (not reversed by an upheld appeal)"`
	DeductedWithinDays *int     `json:"deducted_within_days" binding:"omitempty,min=1,max=3650" doc:"with deducted_under_rules: only deductions recorded in the last this many days (when the notice is published); null: ever"`
}

// MarshalJSON writes every list, empty or not, as an array: the contract's
// lists are [], never null.
func (a Audience) MarshalJSON() ([]byte, error) {
	type plain Audience // without this method
	p := plain(a)
	for _, l := range []*[]string{&p.Streets, &p.Communities, &p.Tags, &p.EnterpriseGrades, &p.EnterpriseIndustries, &p.EnterpriseRecordKinds, &p.EnterpriseRecordSeverities, &p.DeductedUnderRules} {
		if *l == nil {
			*l = []string{}
		}
	}
	return json.Marshal(p)
}

// IDs is a list of resident IDs. In JSON it is an array of strings, like
// every ID of the contract; numbers are accepted too.
type IDs []int64

// SetSchema states IDs in the OpenAPI document: an array of IDs, as
// strings (numbers are read too) (openapi3gen.SetSchemar).
func (IDs) SetSchema(s *openapi3.Schema) {
	one, most := float64(1), float64(1<<63-1)
	s.Type = &openapi3.Types{"array"}
	s.Items = &openapi3.SchemaRef{Value: &openapi3.Schema{OneOf: openapi3.SchemaRefs{
		{Value: &openapi3.Schema{Type: &openapi3.Types{"string"}, Pattern: "^[0-9]+$"}},
		{Value: &openapi3.Schema{Type: &openapi3.Types{"integer"}, Min: &one, Max: &most}},
	}}}
}

// MarshalJSON writes the IDs as strings.
func (ids IDs) MarshalJSON() ([]byte, error) {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = strconv.FormatInt(id, 10)
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads an array of IDs written as strings or numbers.
func (ids *IDs) UnmarshalJSON(b []byte) error {
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return &json.UnmarshalTypeError{Value: "non-array", Type: reflect.TypeFor[[]string]()}
	}
	out := make(IDs, 0, len(raw))
	for _, r := range raw {
		var s string
		if json.Unmarshal(r, &s) != nil {
			s = string(r)
		}
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return &json.UnmarshalTypeError{Value: string(r), Type: reflect.TypeFor[string]()}
		}
		out = append(out, id)
	}
	*ids = out
	return nil
}

// Regions is what an Audience is validated against.
type Regions interface {
	IsStreet(string) bool
	IsCommunity(string) bool
}

const maxAudienceValues = 10_000

// Validate checks every value of an audience; field names in errors are
// prefixed with prefix (e.g. "audience.").
func (a *Audience) Validate(r Regions, prefix string) error {
	fields := map[string]string{}
	for _, s := range a.Streets {
		if !r.IsStreet(s) {
			fields[prefix+"streets"] = fmt.Sprintf("未知街道 %q", s)
		}
	}
	for _, c := range a.Communities {
		if !r.IsCommunity(c) {
			fields[prefix+"communities"] = fmt.Sprintf("未知社区 %q", c)
		}
	}
	for _, t := range a.Tags {
		if t == "" || len(t) > 32 {
			fields[prefix+"tags"] = "标签须为 1–32 个字符"
		}
	}
	var ae *apperr.Error
	if err := check.Struct(a); errors.As(err, &ae) { // the tags' limits: the ages
		for k, v := range ae.Fields {
			fields[prefix+k] = v
		}
	}
	if a.AgeMin != nil && a.AgeMax != nil && *a.AgeMin > *a.AgeMax {
		fields[prefix+"age_max"] = "不能小于 age_min"
	}
	for _, g := range a.EnterpriseGrades {
		if !slices.Contains([]string{"A", "B", "C", "D"}, g) {
			fields[prefix+"enterprise_grades"] = fmt.Sprintf("未知等级 %q，须为 A–D", g)
		}
	}
	for _, in := range a.EnterpriseIndustries {
		if in == "" || len(in) > 64 {
			fields[prefix+"enterprise_industries"] = "行业须为 1–64 个字符"
		}
	}
	for _, c := range a.DeductedUnderRules {
		if !ruleCodeRE.MatchString(c) {
			fields[prefix+"deducted_under_rules"] = fmt.Sprintf("规则代码 %q 无效：2–32 个小写字母、数字或下划线，以字母开头", c)
		}
	}
	if a.DeductedWithinDays != nil && len(a.DeductedUnderRules) == 0 {
		fields[prefix+"deducted_within_days"] = "须与 deducted_under_rules 一起使用"
	}
	for _, k := range a.EnterpriseRecordKinds {
		if !slices.Contains(members.Kinds(), k) {
			fields[prefix+"enterprise_record_kinds"] = check.OneOfMessage(members.Kinds())
		}
	}
	for _, v := range a.EnterpriseRecordSeverities {
		if !slices.Contains(members.Severities(), v) {
			fields[prefix+"enterprise_record_severities"] = check.OneOfMessage(members.Severities())
		}
	}
	if len(a.EnterpriseRecordSeverities) > 0 && len(a.EnterpriseRecordKinds) == 0 {
		fields[prefix+"enterprise_record_severities"] = "须与企业信用记录类型一起使用"
	}
	for _, id := range a.ResidentIDs {
		if id <= 0 {
			fields[prefix+"resident_ids"] = "须为居民 ID"
		}
	}
	n := len(a.Streets) + len(a.Communities) + len(a.Tags) + len(a.EnterpriseGrades) + len(a.EnterpriseIndustries) +
		len(a.EnterpriseRecordKinds) + len(a.EnterpriseRecordSeverities) + len(a.ResidentIDs) + len(a.DeductedUnderRules)
	if n > maxAudienceValues {
		fields[prefix+"resident_ids"] = fmt.Sprintf("受众条件最多 %d 个值", maxAudienceValues)
	}
	return apperr.Fields(fields)
}

// noticeFields checks an audience of a notice (or of its preview) and
// returns the bad fields, named "audience.…". Beyond Validate, named
// residents can't be combined with any other field: a notice goes either to
// named residents or to residents chosen by where they live and who they
// are, so that no audience tests one named resident's attributes.
func (a *Audience) noticeFields(r Regions) map[string]string {
	fields := map[string]string{}
	if err := a.Validate(r, "audience."); err != nil {
		var ae *apperr.Error
		if errors.As(err, &ae) {
			maps.Copy(fields, ae.Fields)
		}
	}
	attributes := len(a.Streets) > 0 || len(a.Communities) > 0 || len(a.Tags) > 0 || a.AgeMin != nil || a.AgeMax != nil ||
		len(a.EnterpriseGrades) > 0 || len(a.EnterpriseIndustries) > 0 || len(a.EnterpriseRecordKinds) > 0 || len(a.DeductedUnderRules) > 0
	if len(a.ResidentIDs) > 0 && attributes {
		fields["audience.resident_ids"] = "指定居民时不能再按街道、社区、标签、年龄、企业或扣分规则筛选"
	}
	return fields
}

// rs is how Scope names the residents table in its conditions: by the
// table's name, unaliased, so the query it narrows is
// Table(residents.Table) and its columns are residents.XColumn(rs).
const rs = residents.Table

// Scope narrows a query on the residents table to the audience's live
// members, with ages computed at now in the district's zone.
func (a *Audience) Scope(q *gorm.DB, now time.Time) *gorm.DB {
	q = q.Where(residents.Live(rs))
	if len(a.Streets) > 0 {
		q = q.Where(residents.StreetColumn(rs)+" IN ?", a.Streets)
	}
	if len(a.Communities) > 0 {
		q = q.Where(residents.CommunityColumn(rs)+" IN ?", a.Communities)
	}
	// Age in whole years from the birth year: born in year y is
	// now.Year()-y years old this year.
	year := now.In(district.Zone).Year()
	if a.AgeMin != nil {
		q = q.Where(residents.BirthYearColumn(rs)+" <= ?", year-*a.AgeMin)
	}
	if a.AgeMax != nil {
		q = q.Where(residents.BirthYearColumn(rs)+" >= ?", year-*a.AgeMax)
	}
	if len(a.Tags) > 0 {
		cond, args := residents.TaggedAny(residents.IDColumn(rs), a.Tags)
		q = q.Where(cond, args...)
	}
	if len(a.EnterpriseGrades) > 0 {
		cond, args := members.WithGrade(residents.IDColumn(rs), a.EnterpriseGrades)
		q = q.Where(cond, args...)
	}
	if len(a.EnterpriseIndustries) > 0 {
		cond, args := members.InIndustry(residents.IDColumn(rs), a.EnterpriseIndustries)
		q = q.Where(cond, args...)
	}
	if len(a.EnterpriseRecordKinds) > 0 {
		cond, args := members.WithRecord(residents.IDColumn(rs), a.EnterpriseRecordKinds, a.EnterpriseRecordSeverities, now)
		q = q.Where(cond, args...)
	}
	if len(a.DeductedUnderRules) > 0 {
		var since *time.Time
		if a.DeductedWithinDays != nil {
			t := now.Add(-time.Duration(*a.DeductedWithinDays) * 24 * time.Hour)
			since = &t
		}
		sql, args := deductsql.DeductedUnder(residents.IDColumn(rs), a.DeductedUnderRules, since)
		q = q.Where(sql, args...)
	}
	if len(a.ResidentIDs) > 0 {
		q = q.Where(residents.IDColumn(rs)+" IN ?", a.ResidentIDs)
	}
	return q
}

// ruleCodeRE is a points rule's code (points' own check, repeated so an
// audience names no impossible rule).
var ruleCodeRE = regexp.MustCompile(`^[a-z][a-z0-9_]{1,31}$`)

// CountAudience returns how many live residents an audience selects.
func (s *Service) CountAudience(ctx context.Context, a Audience) (int64, error) {
	var n int64
	err := a.Scope(s.db.WithContext(ctx).Table(residents.Table), s.now()).Count(&n).Error
	if err != nil {
		return 0, fmt.Errorf("count audience: %w", err)
	}
	return n, nil
}

// InAudience reports whether a resident is a live member of an audience now.
func (s *Service) InAudience(ctx context.Context, a Audience, residentID int64) (bool, error) {
	var n int64
	err := a.Scope(s.db.WithContext(ctx).Table(residents.Table), s.now()).Where(residents.IDColumn(rs)+" = ?", residentID).Count(&n).Error
	if err != nil {
		return false, fmt.Errorf("match audience: %w", err)
	}
	return n > 0, nil
}

// AudienceIDs returns the IDs of the audience's members greater than
// after, ascending, at most limit of them (for paging through large audiences).
func (s *Service) AudienceIDs(ctx context.Context, a Audience, after int64, limit int) ([]int64, error) {
	var ids []int64
	err := a.Scope(s.db.WithContext(ctx).Table(residents.Table), s.now()).
		Where(residents.IDColumn(rs)+" > ?", after).Order(residents.IDColumn(rs)).Limit(limit).Pluck(residents.IDColumn(rs), &ids).Error
	if err != nil {
		return nil, fmt.Errorf("list audience: %w", err)
	}
	return ids, nil
}
