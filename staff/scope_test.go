package staff

import (
	"errors"
	"slices"
	"testing"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/dbtest"
)

func ptr(v int64) *int64 { return &v }

func TestScope(t *testing.T) {
	const huafu, lianhua = "华富街道", "莲花街道"
	var (
		superadmin   = &Member{Roles: []Role{Superadmin}, Streets: []string{huafu}} // streets do not narrow a superadmin
		deptAdmin    = &Member{Roles: []Role{DeptAdmin}, DepartmentID: ptr(1)}
		streetEditor = &Member{Roles: []Role{Editor}, DepartmentID: ptr(1), Streets: []string{huafu}}
		districtAud  = &Member{Roles: []Role{Auditor}}
		disabled     = &Member{Roles: []Role{Superadmin}, Disabled: true}
	)
	tests := []struct {
		name          string
		scope         Scope
		district      bool
		allStreets    bool
		covers        map[string]bool // street → covered
		owns          map[string]bool // department ("" for nil) → owned
		mayUse        map[string]bool
		reachOK       [][]string // CheckReach accepts
		reachRefused  [][]string // CheckReach refuses
		wantDept      *int64
		withinStreets bool // Within(streetEditor's scope)
	}{
		{
			name: "Superadmin", scope: superadmin.Scope(), district: true, allStreets: true,
			covers:  map[string]bool{huafu: true, lianhua: true, "": true},
			owns:    map[string]bool{"1": true, "2": true, "": true},
			mayUse:  map[string]bool{"1": true, "2": true, "": true},
			reachOK: [][]string{nil, {lianhua}},
		},
		{
			name: "DeptAdmin", scope: deptAdmin.Scope(), allStreets: true,
			covers:  map[string]bool{huafu: true, lianhua: true, "": true},
			owns:    map[string]bool{"1": true, "2": false, "": false},
			mayUse:  map[string]bool{"1": true, "2": false, "": true},
			reachOK: [][]string{nil, {lianhua}}, wantDept: ptr(1),
		},
		{
			name: "StreetScoped", scope: streetEditor.Scope(),
			covers:       map[string]bool{huafu: true, lianhua: false, "": false},
			owns:         map[string]bool{"1": true, "2": false, "": false},
			mayUse:       map[string]bool{"1": true, "2": false, "": true},
			reachOK:      [][]string{{huafu}},
			reachRefused: [][]string{nil, {}, {lianhua}, {huafu, lianhua}},
			wantDept:     ptr(1), withinStreets: true,
		},
		{
			name: "DistrictAuditor", scope: districtAud.Scope(), district: true, allStreets: true,
			covers:  map[string]bool{huafu: true, "": true},
			owns:    map[string]bool{"1": true, "2": true, "": true},
			mayUse:  map[string]bool{"": true},
			reachOK: [][]string{nil},
		},
		{
			name: "Disabled", scope: disabled.Scope(),
			covers:       map[string]bool{huafu: false, "": false},
			owns:         map[string]bool{"1": false, "": false},
			mayUse:       map[string]bool{"1": false, "": true},
			reachRefused: [][]string{nil, {huafu}}, withinStreets: true,
		},
		{
			name: "Nil", scope: (*Member)(nil).Scope(),
			covers: map[string]bool{huafu: false}, owns: map[string]bool{"": false},
			reachRefused: [][]string{{huafu}}, withinStreets: true,
		},
		{
			name: "DepartmentScope", scope: DepartmentScope(ptr(2)), allStreets: true,
			covers: map[string]bool{lianhua: true}, owns: map[string]bool{"2": true, "1": false, "": false},
			mayUse: map[string]bool{"2": true, "1": false, "": true}, wantDept: ptr(2),
		},
	}
	dept := func(k string) *int64 {
		switch k {
		case "":
			return nil
		case "1":
			return ptr(1)
		}
		return ptr(2)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.scope
			if got := s.District(); got != tt.district {
				t.Errorf("District()=%v, want %v", got, tt.district)
			}
			if got := s.AllStreets(); got != tt.allStreets {
				t.Errorf("AllStreets()=%v, want %v", got, tt.allStreets)
			}
			for st, want := range tt.covers {
				if got := s.CoversStreet(st); got != want {
					t.Errorf("CoversStreet(%q)=%v, want %v", st, got, want)
				}
			}
			for d, want := range tt.owns {
				if got := s.OwnsDepartment(dept(d)); got != want {
					t.Errorf("OwnsDepartment(%q)=%v, want %v", d, got, want)
				}
			}
			for d, want := range tt.mayUse {
				if got := s.MayUse(dept(d)); got != want {
					t.Errorf("MayUse(%q)=%v, want %v", d, got, want)
				}
			}
			for _, r := range tt.reachOK {
				if err := s.CheckReach("audience.streets", r); err != nil {
					t.Errorf("CheckReach(%q)=%v, want nil", r, err)
				}
			}
			for _, r := range tt.reachRefused {
				err := s.CheckReach("audience.streets", r)
				if err == nil || !isOutOfScope(err, "audience.streets") {
					t.Errorf("CheckReach(%q)=%v, want permission_denied naming audience.streets", r, err)
				}
			}
			if got := s.Department(); (got == nil) != (tt.wantDept == nil) || (got != nil && *got != *tt.wantDept) {
				t.Errorf("Department()=%v, want %v", got, tt.wantDept)
			}
			if got := s.Within(streetEditor.Scope()); got != tt.withinStreets {
				t.Errorf("Within(street editor)=%v, want %v", got, tt.withinStreets)
			}
		})
	}
}

func TestScopeCoversAny(t *testing.T) {
	const huafu, lianhua = "华富街道", "莲花街道"
	streetEditor := (&Member{Roles: []Role{Editor}, DepartmentID: ptr(1), Streets: []string{huafu}}).Scope()
	deptAdmin := (&Member{Roles: []Role{DeptAdmin}, DepartmentID: ptr(1)}).Scope()
	for _, tc := range []struct {
		name    string
		scope   Scope
		streets []string
		want    bool
	}{
		{"StreetScopedOwn", streetEditor, []string{huafu}, true},
		{"StreetScopedOneOfThem", streetEditor, []string{lianhua, huafu}, true},
		{"StreetScopedOther", streetEditor, []string{lianhua}, false},
		{"StreetScopedUnknown", streetEditor, []string{""}, false},
		{"StreetScopedEveryStreet", streetEditor, nil, true},
		{"AllStreetsOther", deptAdmin, []string{lianhua}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.scope.CoversAny(tc.streets); got != tc.want {
				t.Fatalf("CoversAny(%q) = %v, want %v", tc.streets, got, tc.want)
			}
		})
	}
}

func TestScopeWithin(t *testing.T) {
	admin := (&Member{Roles: []Role{DeptAdmin}, DepartmentID: ptr(1), Streets: []string{"华富街道", "莲花街道"}}).Scope()
	for _, tt := range []struct {
		name string
		m    *Member
		want bool
	}{
		{"SameStreets", &Member{Roles: []Role{Editor}, DepartmentID: ptr(1), Streets: []string{"莲花街道", "华富街道"}}, true},
		{"FewerStreets", &Member{Roles: []Role{Editor}, DepartmentID: ptr(1), Streets: []string{"莲花街道"}}, true},
		{"OtherStreet", &Member{Roles: []Role{Editor}, DepartmentID: ptr(1), Streets: []string{"香蜜湖街道"}}, false},
		{"EveryStreet", &Member{Roles: []Role{Editor}, DepartmentID: ptr(1)}, false},
		{"OtherDepartment", &Member{Roles: []Role{Editor}, DepartmentID: ptr(2), Streets: []string{"莲花街道"}}, false},
		{"District", &Member{Roles: []Role{Auditor}, Streets: []string{"莲花街道"}}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.m.Scope().Within(admin); got != tt.want {
				t.Fatalf("Within=%v, want %v", got, tt.want)
			}
		})
	}
}

// TestScopeFilter runs Filter's SQL on a real database: the rows it keeps
// are exactly those the object checks accept.
func TestScopeFilter(t *testing.T) {
	gdb := dbtest.Open(t)
	type row struct {
		Street string
		Dept   *int64
	}
	if err := gdb.Exec("CREATE TABLE scope_rows (id INTEGER PRIMARY KEY, street VARCHAR(32) NOT NULL, dept BIGINT NULL)").Error; err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gdb.Exec("DROP TABLE scope_rows") })
	rows := []row{{"华富街道", ptr(1)}, {"莲花街道", ptr(1)}, {"华富街道", ptr(2)}, {"", ptr(1)}, {"华富街道", nil}}
	for i, r := range rows {
		if err := gdb.Exec("INSERT INTO scope_rows (id, street, dept) VALUES (?, ?, ?)", i+1, r.Street, r.Dept).Error; err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range []*Member{
		{Roles: []Role{Superadmin}},
		{Roles: []Role{DeptAdmin}, DepartmentID: ptr(1)},
		{Roles: []Role{Editor}, DepartmentID: ptr(1), Streets: []string{"华富街道"}},
		{Roles: []Role{Auditor}, Streets: []string{"莲花街道"}},
		{Roles: []Role{Editor}, DepartmentID: ptr(1), Disabled: true},
	} {
		s := m.Scope()
		var got []int
		if err := s.Filter(gdb.Table("scope_rows"), Columns{Street: "street", Department: "dept"}).Order("id").Pluck("id", &got).Error; err != nil {
			t.Fatal(err)
		}
		var want []int
		for i, r := range rows {
			if s.Covers(r.Dept, r.Street) {
				want = append(want, i+1)
			}
		}
		if len(got) != len(want) {
			t.Fatalf("%+v: Filter kept %v, Covers accepts %v", m, got, want)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("%+v: Filter kept %v, Covers accepts %v", m, got, want)
			}
		}
	}
}

func isOutOfScope(err error, field string) bool {
	var ae *apperr.Error
	return errors.As(err, &ae) && ae.Code == apperr.PermissionDenied && ae.Fields[field] != ""
}

// TestScopeFilterReach: FilterWithin keeps the rows whose reach CheckReach
// accepts, FilterTouching those CoversAny accepts, for every kind of scope;
// a row with no reach recorded is in no street-limited scope.
func TestScopeFilterReach(t *testing.T) {
	gdb := dbtest.Open(t)
	for _, ddl := range []string{"CREATE TABLE reach_rows (id INTEGER PRIMARY KEY)", "CREATE TABLE reach_streets (row_id INTEGER NOT NULL, street VARCHAR(32) NOT NULL)"} {
		if err := gdb.Exec(ddl).Error; err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { gdb.Exec("DROP TABLE reach_streets"); gdb.Exec("DROP TABLE reach_rows") })
	// nil: every street (stored as ""); the last row has no reach recorded.
	reaches := [][]string{nil, {"华富街道"}, {"华富街道", "莲花街道"}, {"莲花街道"}, {"福田街道"}}
	for i, r := range append(reaches, []string{"-"}) {
		if err := gdb.Exec("INSERT INTO reach_rows (id) VALUES (?)", i+1).Error; err != nil {
			t.Fatal(err)
		}
		stored := r
		if r == nil {
			stored = []string{""}
		}
		for _, st := range stored {
			if st == "-" {
				continue
			}
			if err := gdb.Exec("INSERT INTO reach_streets (row_id, street) VALUES (?, ?)", i+1, st).Error; err != nil {
				t.Fatal(err)
			}
		}
	}
	reach := Reach{Table: "reach_streets", Key: "row_id", Row: "reach_rows.id"}
	for _, m := range []*Member{
		{Roles: []Role{Superadmin}},
		{Roles: []Role{Editor}, DepartmentID: ptr(1)},
		{Roles: []Role{Editor}, DepartmentID: ptr(1), Streets: []string{"华富街道"}},
		{Roles: []Role{Auditor}, Streets: []string{"华富街道", "莲花街道"}},
		{Roles: []Role{Editor}, DepartmentID: ptr(1), Disabled: true},
	} {
		s := m.Scope()
		for name, c := range map[string]struct {
			filter func(*gorm.DB, Reach) *gorm.DB
			accept func([]string) bool
		}{
			"within":   {s.FilterWithin, func(r []string) bool { return s.CheckReach("f", r) == nil }},
			"touching": {s.FilterTouching, s.CoversAny},
		} {
			var got []int
			if err := c.filter(gdb.Table("reach_rows"), reach).Order("id").Pluck("id", &got).Error; err != nil {
				t.Fatal(err)
			}
			var want []int
			for i, r := range reaches {
				if c.accept(r) {
					want = append(want, i+1)
				}
			}
			if s.AllStreets() {
				want = append(want, len(reaches)+1)
			}
			if !slices.Equal(got, want) {
				t.Errorf("%+v %s: kept %v, want %v", m, name, got, want)
			}
		}
	}
}
