package notify

import (
	"encoding/json"
	"testing"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/staff"
)

// testRegions are two streets of two communities each.
type testRegions map[string]string // community → street

func (r testRegions) IsStreet(s string) bool {
	for _, st := range r {
		if st == s {
			return true
		}
	}
	return false
}
func (r testRegions) IsCommunity(c string) bool { _, ok := r[c]; return ok }
func (r testRegions) StreetOf(c string) string  { return r[c] }
func ptr[T any](v T) *T                         { return &v }
func scopeOf(m staff.Member) staff.Scope        { return m.Scope() }
func fieldOf(err error) (code, field string) {
	if e, ok := err.(*apperr.Error); ok {
		for f := range e.Fields {
			field = f
		}
		return e.Code, field
	}
	return "", ""
}

var regions = testRegions{"景田社区": "莲花街道", "狮岭社区": "莲花街道", "田面社区": "华富街道", "新田社区": "华富街道"}

// TestCheckReach pins which audiences a scope may reach and the field
// named when it may not.
func TestCheckReach(t *testing.T) {
	dept := int64(7)
	lianhua := scopeOf(staff.Member{DepartmentID: &dept, Streets: []string{"莲花街道"}, Roles: []staff.Role{staff.Editor}})
	department := staff.DepartmentScope(&dept)
	for _, c := range []struct {
		name  string
		by    staff.Scope
		a     Audience
		field string // "" when allowed
	}{
		{"DepartmentEveryone", department, Audience{}, ""},
		{"DistrictEveryone", staff.DistrictScope(), Audience{Tags: []string{"党员"}}, ""},
		{"StreetEveryone", lianhua, Audience{}, "audience.streets"},
		{"StreetNamedResidents", lianhua, Audience{ResidentIDs: IDs{1}}, "audience.streets"},
		{"StreetTags", lianhua, Audience{Tags: []string{"党员"}}, "audience.streets"},
		{"StreetOwn", lianhua, Audience{Streets: []string{"莲花街道"}, AgeMin: ptr(60)}, ""},
		{"StreetOther", lianhua, Audience{Streets: []string{"华富街道"}}, "audience.streets"},
		{"StreetOneOther", lianhua, Audience{Streets: []string{"莲花街道", "华富街道"}}, "audience.streets"},
		{"StreetOwnCommunities", lianhua, Audience{Communities: []string{"景田社区", "狮岭社区"}}, ""},
		{"StreetOwnStreetAndCommunity", lianhua, Audience{Streets: []string{"莲花街道"}, Communities: []string{"景田社区"}}, ""},
		{"StreetOtherCommunity", lianhua, Audience{Communities: []string{"景田社区", "田面社区"}}, "audience.communities"},
		{"StreetOwnStreetOtherCommunity", lianhua, Audience{Streets: []string{"莲花街道"}, Communities: []string{"田面社区"}}, "audience.communities"},
		{"StreetUnknownCommunity", lianhua, Audience{Communities: []string{"无名社区"}}, "audience.communities"},
		{"NobodyAnything", scopeOf(staff.Member{Disabled: true}), Audience{Streets: []string{"莲花街道"}}, "audience.streets"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := CheckReach(c.by, c.a, regions)
			code, field := fieldOf(err)
			if c.field == "" && err != nil || c.field != "" && (code != apperr.PermissionDenied || field != c.field) {
				t.Fatalf("CheckReach=%v (%s %s), want field %q", err, code, field, c.field)
			}
		})
	}
}

// TestVisible pins which notices a scope sees: its department's (the
// district's, the district's only) with an audience within its streets.
func TestVisible(t *testing.T) {
	dept, other := int64(7), int64(8)
	lianhua := scopeOf(staff.Member{DepartmentID: &dept, Streets: []string{"莲花街道"}, Roles: []staff.Role{staff.Reviewer}})
	auditor := scopeOf(staff.Member{Roles: []staff.Role{staff.Auditor}})
	mine := Audience{Streets: []string{"莲花街道"}}
	for _, c := range []struct {
		name string
		by   staff.Scope
		n    Notice
		want bool
	}{
		{"OwnDepartment", staff.DepartmentScope(&dept), Notice{DepartmentID: &dept}, true},
		{"OtherDepartment", staff.DepartmentScope(&dept), Notice{DepartmentID: &other, Audience: mine}, false},
		{"DistrictWideToDepartment", staff.DepartmentScope(&dept), Notice{}, false},
		{"DistrictWideToDistrict", staff.DistrictScope(), Notice{}, true},
		{"AnyToDistrictAuditor", auditor, Notice{DepartmentID: &other}, true},
		{"SystemNoticeOwnDepartment", staff.DepartmentScope(&dept), Notice{DepartmentID: &dept, Source: ptr("benefit:1:ent:1")}, true},
		{"SystemNoticeOtherDepartment", staff.DepartmentScope(&dept), Notice{DepartmentID: &other, Source: ptr("benefit:1:ent:1")}, false},
		{"StreetWithin", lianhua, Notice{DepartmentID: &dept, Audience: mine}, true},
		{"StreetCommunityWithin", lianhua, Notice{DepartmentID: &dept, Audience: Audience{Communities: []string{"狮岭社区"}}}, true},
		{"StreetBeyond", lianhua, Notice{DepartmentID: &dept, Audience: Audience{Streets: []string{"华富街道"}}}, false},
		{"StreetEveryone", lianhua, Notice{DepartmentID: &dept}, false},
		{"StreetOtherDepartment", lianhua, Notice{DepartmentID: &other, Audience: mine}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := visible(c.by, &c.n, regions); got != c.want {
				t.Fatalf("visible=%v, want %v", got, c.want)
			}
		})
	}
}

// TestStatePreview: a count is stated from PreviewFloor up, and the
// answer's JSON says "fewer than" otherwise; wechat_reachable only with a
// template.
func TestStatePreview(t *testing.T) {
	for _, c := range []struct {
		count     int64
		reachable *int64
		want      string
	}{
		{0, nil, `{"count":null,"count_fewer_than":5}`},
		{1, nil, `{"count":null,"count_fewer_than":5}`},
		{4, ptr[int64](0), `{"count":null,"count_fewer_than":5,"wechat_reachable":null,"wechat_reachable_fewer_than":5}`},
		{5, nil, `{"count":5}`},
		{5, ptr[int64](4), `{"count":5,"wechat_reachable":null,"wechat_reachable_fewer_than":5}`},
		{1200, ptr[int64](5), `{"count":1200,"wechat_reachable":5}`},
	} {
		b, err := json.Marshal(statePreview(c.count, c.reachable))
		if err != nil || string(b) != c.want {
			t.Errorf("statePreview(%d, %v) = %s (%v), want %s", c.count, c.reachable, b, err, c.want)
		}
	}
}

// TestNoticeAudienceFields: named residents combine with no other field.
func TestNoticeAudienceFields(t *testing.T) {
	for _, c := range []struct {
		name string
		a    Audience
		bad  bool
	}{
		{"Named", Audience{ResidentIDs: IDs{1, 2}}, false},
		{"Attributes", Audience{Streets: []string{"莲花街道"}, Tags: []string{"党员"}, AgeMin: ptr(18), AgeMax: ptr(60)}, false},
		{"NamedStreet", Audience{ResidentIDs: IDs{1}, Streets: []string{"莲花街道"}}, true},
		{"NamedCommunity", Audience{ResidentIDs: IDs{1}, Communities: []string{"景田社区"}}, true},
		{"NamedTag", Audience{ResidentIDs: IDs{1}, Tags: []string{"党员"}}, true},
		{"NamedAgeMin", Audience{ResidentIDs: IDs{1}, AgeMin: ptr(0)}, true},
		{"NamedAgeMax", Audience{ResidentIDs: IDs{1}, AgeMax: ptr(150)}, true},
		{"NamedGrade", Audience{ResidentIDs: IDs{1}, EnterpriseGrades: []string{"A"}}, true},
		{"NamedIndustry", Audience{ResidentIDs: IDs{1}, EnterpriseIndustries: []string{"软件"}}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, bad := c.a.noticeFields(regions)["audience.resident_ids"]
			if bad != c.bad {
				t.Fatalf("resident_ids refused=%v, want %v", bad, c.bad)
			}
		})
	}
}
