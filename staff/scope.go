package staff

import (
	"slices"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/apperr"
)

// Scope is the rows a staff member may act on: the departments whose
// objects they own and the streets whose residents, enterprises and
// audiences they cover. The role policy (policy.go) says what kind of
// action a member may take at all; Scope says on which rows. Every service
// and every list, statistics and export query asks the member's Scope; no
// other code reads a member's department or streets to decide access.
//
// The rule, the same in every module:
//   - An object outside the caller's scope (another department's notice, a
//     resident of a street the caller does not cover) answers exactly like a
//     missing one: ErrNotFound of its module, so scope never confirms that
//     something exists.
//   - An action whose reach exceeds the caller's scope (an audience, a
//     benefit's criteria, a grant of streets) is refused with
//     permission_denied naming the field (OutOfScope).
//   - Lists, statistics and exports only ever count rows inside the scope
//     (Filter).
//
// A superadmin is district-wide: every department and every street. An
// account without a department that is not a superadmin is a district
// auditor: it reads every department (its roles give it no writes). Any
// member may be limited to streets; a street-scoped member does not cover
// rows with no street.
type Scope struct {
	district    bool
	departments []int64  // owned departments; ignored when district
	streets     []string // covered streets; nil covers every street
}

// Scope returns the member's scope. A nil member gets the empty scope,
// which covers nothing.
func (m *Member) Scope() Scope {
	if m == nil || m.Disabled {
		return Scope{streets: []string{}}
	}
	var s Scope
	if m.Has(Superadmin) {
		return DistrictScope()
	}
	if m.DepartmentID == nil {
		s.district = true
	} else {
		s.departments = []int64{*m.DepartmentID}
	}
	if len(m.Streets) > 0 {
		s.streets = slices.Clone(m.Streets)
		slices.Sort(s.streets)
	}
	return s
}

// DistrictScope is the scope of the district itself: the system and the
// command line act with it.
func DistrictScope() Scope { return Scope{district: true} }

// DepartmentScope is the scope of work done on behalf of a department
// (dept nil: the district) with no street limit, such as a survey granting
// points under its department's rules.
func DepartmentScope(dept *int64) Scope {
	if dept == nil {
		return DistrictScope()
	}
	return Scope{departments: []int64{*dept}}
}

// District reports whether the scope owns every department.
func (s Scope) District() bool { return s.district }

// AllStreets reports whether the scope covers every street.
func (s Scope) AllStreets() bool { return s.streets == nil }

// Streets returns the covered streets, sorted; nil means every street.
func (s Scope) Streets() []string { return slices.Clone(s.streets) }

// Department returns the department that objects created within the scope
// belong to: nil for the district (district-wide objects).
func (s Scope) Department() *int64 {
	if s.district || len(s.departments) == 0 {
		return nil
	}
	d := s.departments[0]
	return &d
}

// CoversStreet reports whether residents and enterprises of street are in
// scope. A street-scoped member does not cover "" (no street known).
func (s Scope) CoversStreet(street string) bool {
	return s.streets == nil || slices.Contains(s.streets, street)
}

// CoversAny reports whether an action reaching streets (an audience's
// streets with those of its communities; none means every street) touches
// the scope: one of them is covered. Reading what such an action produced
// is then the scope's, limited to its own streets.
func (s Scope) CoversAny(streets []string) bool {
	return s.streets == nil || len(streets) == 0 || slices.ContainsFunc(streets, s.CoversStreet)
}

// OwnsDepartment reports whether an object of department dept is the
// scope's to manage. A district-wide object (dept nil) is owned by the
// district only.
func (s Scope) OwnsDepartment(dept *int64) bool {
	if s.district {
		return true
	}
	return dept != nil && slices.Contains(s.departments, *dept)
}

// MayUse reports whether an object of department dept may be used within
// the scope: its own department's, or a district-wide one (dept nil), such
// as a district points rule or a question of the starter bank.
func (s Scope) MayUse(dept *int64) bool { return dept == nil || s.OwnsDepartment(dept) }

// Covers reports whether an object of department dept about a resident or
// enterprise of street is in scope.
func (s Scope) Covers(dept *int64, street string) bool {
	return s.OwnsDepartment(dept) && s.CoversStreet(street)
}

// Within reports whether the scope is no wider than outer: every street and
// department it covers, outer covers too. A member may hand on only what
// they hold.
func (s Scope) Within(outer Scope) bool {
	if !outer.district {
		if s.district {
			return false
		}
		for _, d := range s.departments {
			if !slices.Contains(outer.departments, d) {
				return false
			}
		}
	}
	if outer.streets == nil {
		return true
	}
	if s.streets == nil {
		return false
	}
	for _, st := range s.streets {
		if !slices.Contains(outer.streets, st) {
			return false
		}
	}
	return true
}

// CheckReach checks the streets an action reaches (an audience's streets,
// together with the streets of its communities) against the scope. An empty
// reach means every street. Returns OutOfScope naming field when the reach
// is wider than the scope.
func (s Scope) CheckReach(field string, streets []string) error {
	if s.streets == nil {
		return nil
	}
	if len(streets) == 0 {
		return OutOfScope(field, "须限定在您负责的街道内")
	}
	for _, st := range streets {
		if !slices.Contains(s.streets, st) {
			return OutOfScope(field, "「"+st+"」不在您负责的街道内")
		}
	}
	return nil
}

// Columns names the columns a query's rows are scoped by; an empty name is
// not filtered on.
type Columns struct {
	Street     string // e.g. "residents.street"
	Department string // e.g. "notices.department_id"
}

// Filter narrows q to the rows in scope: those whose street column is a
// covered street and whose department column is an owned department. Every
// list, statistics and export query goes through it. Rows of district-wide
// objects (a NULL department) are the district's only.
func (s Scope) Filter(q *gorm.DB, c Columns) *gorm.DB {
	if c.Street != "" && s.streets != nil {
		q = in(q, c.Street, s.streets)
	}
	if c.Department != "" && !s.district {
		q = in(q, c.Department, s.departments)
	}
	return q
}

// in adds "col IN values"; no values matches no row.
func in[T int64 | string](q *gorm.DB, col string, values []T) *gorm.DB {
	if len(values) == 0 {
		return q.Where("1 = 0")
	}
	return q.Where(col+" IN ?", values)
}

// OutOfScope is the error of an action that reaches beyond the caller's
// scope: permission_denied naming the field at fault.
func OutOfScope(field, message string) error {
	return &apperr.Error{Code: apperr.PermissionDenied, Message: field + ": " + message, Fields: map[string]string{field: message}}
}

// Reach names the table of the streets the rows of a query reach (an
// audience's streets with those of its communities), one row per street:
// its column Key holds the row's ID (Row, e.g. "notices.id"), its column
// street a street, "" standing for every street. The module writing the
// rows writes their reach in the same transaction. A row with no reach
// recorded is in no street-limited scope.
type Reach struct {
	Table string // e.g. "notice_streets"
	Key   string // e.g. "notice_id"
	Row   string // e.g. "notices.id"
}

// FilterWithin narrows q to the rows whose reach lies within the scope's
// streets: those CheckReach accepts (an action the scope could have
// taken). A scope of every street keeps every row.
func (s Scope) FilterWithin(q *gorm.DB, r Reach) *gorm.DB {
	if s.streets == nil {
		return q
	}
	if len(s.streets) == 0 {
		return q.Where("1 = 0")
	}
	match := r.Table + "." + r.Key + " = " + r.Row
	return q.Where("EXISTS (SELECT 1 FROM "+r.Table+" WHERE "+match+") AND NOT EXISTS (SELECT 1 FROM "+r.Table+" WHERE "+match+" AND "+r.Table+".street NOT IN ?)", s.streets)
}

// FilterTouching narrows q to the rows whose reach touches the scope:
// every street, or one of the scope's streets (CoversAny). A scope of
// every street keeps every row.
func (s Scope) FilterTouching(q *gorm.DB, r Reach) *gorm.DB {
	if s.streets == nil {
		return q
	}
	return q.Where("EXISTS (SELECT 1 FROM "+r.Table+" WHERE "+r.Table+"."+r.Key+" = "+r.Row+" AND "+r.Table+".street IN ?)", append([]string{""}, s.streets...))
}
