package api

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/futian/ifutian/staff"
)

// program creates a benefit program through the API and returns its ID.
func (e *env) program(tok, name string, criteria map[string]any) string {
	e.t.Helper()
	rec := e.do("POST", "/api/v1/admin/benefit-programs", tok, map[string]any{"name": name, "criteria": criteria, "notice": "无需申请，自动享受"})
	wantStatus(e.t, rec, http.StatusCreated)
	var p struct{ ID string }
	decode(e.t, rec, &p)
	return p.ID
}

type listedProgram struct {
	ID       string
	Name     string
	EndedAt  *string `json:"ended_at"`
	Matched  int
	Notified int
}

func TestListBenefitPrograms(t *testing.T) {
	e := newEnv(t)
	officer := e.officer()
	huafu := e.registerEnterprise(officer, 41, "软件")
	lianhua := e.registerOn(officer, 42, "莲花的公司", "软件", "莲花街道")
	member, _ := e.resident("alice")
	e.bind(officer, member, huafu)
	all := e.program(officer, "全区软件企业补贴", map[string]any{"min_grade": "B", "industries": []string{"软件"}})
	onlyA := e.program(officer, "A级企业奖励", map[string]any{"min_grade": "A"})
	other := e.otherDepartment()
	officerY, _ := e.stafferIn(&other, []staff.Role{staff.CreditOfficer})
	ofY := e.program(officerY, "其他部门的政策", map[string]any{"min_grade": "D"})

	list := func(tok, query string) []listedProgram {
		t.Helper()
		rec := e.do("GET", "/api/v1/admin/benefit-programs"+query, tok, nil)
		wantStatus(t, rec, http.StatusOK)
		var p page[listedProgram]
		decode(t, rec, &p)
		return p.Items
	}
	idsOf := func(ps []listedProgram) []string {
		out := []string{}
		for _, p := range ps {
			out = append(out, p.ID)
		}
		return out
	}
	t.Run("OK", func(t *testing.T) {
		got := list(officer, "")
		if !slices.Equal(idsOf(got), []string{onlyA, all}) {
			t.Fatalf("programs %+v", got)
		}
		// Both enterprises matched and their notices went out (to the
		// members bound then: huafu's alice; lianhua has none).
		if got[1].Matched != 2 || got[1].Notified != 2 || got[0].Matched != 0 || got[1].EndedAt != nil {
			t.Fatalf("counts %+v", got)
		}
		if got := idsOf(list(officer, "?status=running&page_size=1")); !slices.Equal(got, []string{onlyA}) {
			t.Fatalf("first page %v", got)
		}
		if got := idsOf(list(officer, "?status=ended")); len(got) != 0 {
			t.Fatalf("ended %v", got)
		}
		district, _ := e.stafferIn(nil, []staff.Role{staff.Superadmin})
		if got := idsOf(list(district, "")); !slices.Equal(got, []string{ofY, onlyA, all}) {
			t.Fatalf("district sees %v", got)
		}
	})
	t.Run("Matches", func(t *testing.T) {
		rec := e.do("GET", "/api/v1/admin/benefit-programs/"+all+"/matches", officer, nil)
		got, _ := usccs(t, rec)
		if !slices.Equal(got, []string{huafu, lianhua}) || strings.Count(rec.Body.String(), `"notified_at":null`) != 0 {
			t.Fatalf("matches %s", rec.Body.String())
		}
		got, next := usccs(t, e.do("GET", "/api/v1/admin/benefit-programs/"+all+"/matches?page_size=1", officer, nil))
		if !slices.Equal(got, []string{huafu}) || next == "" {
			t.Fatalf("first page %v, next %q", got, next)
		}
		if got, _ := usccs(t, e.do("GET", "/api/v1/admin/benefit-programs/"+all+"/matches?page_size=1&page_token="+next, officer, nil)); !slices.Equal(got, []string{lianhua}) {
			t.Fatalf("second page %v", got)
		}
	})
	t.Run("ErrBadInput", func(t *testing.T) {
		wantError(t, e.do("GET", "/api/v1/admin/benefit-programs?status=over", officer, nil), http.StatusBadRequest, "invalid_argument", "status")
		wantError(t, e.do("GET", "/api/v1/admin/benefit-programs/"+all+"/matches?page_size=101", officer, nil), http.StatusBadRequest, "invalid_argument", "page_size")
	})
	t.Run("ErrForbidden", func(t *testing.T) {
		editor, _ := e.staffer([]staff.Role{staff.Editor})
		for _, tok := range []string{editor, member} {
			wantError(t, e.do("GET", "/api/v1/admin/benefit-programs", tok, nil), http.StatusForbidden, "permission_denied", "")
			wantError(t, e.do("GET", "/api/v1/admin/benefit-programs/"+all+"/matches", tok, nil), http.StatusForbidden, "permission_denied", "")
		}
	})
	t.Run("Scope", func(t *testing.T) {
		if got := idsOf(list(officerY, "")); !slices.Equal(got, []string{ofY}) {
			t.Fatalf("other department sees %v", got)
		}
		missing := e.do("GET", "/api/v1/admin/benefit-programs/999999/matches", officerY, nil)
		got := e.do("GET", "/api/v1/admin/benefit-programs/"+all+"/matches", officerY, nil)
		wantError(t, got, http.StatusNotFound, "not_found", "")
		if got.Body.String() != missing.Body.String() {
			t.Fatalf("other department's program %s, missing %s", got.Body.String(), missing.Body.String())
		}
		// A street-scoped member of the department counts and lists their
		// streets' matches only.
		scoped := e.officer("莲花街道")
		ps := list(scoped, "")
		if len(ps) != 2 || ps[1].ID != all || ps[1].Matched != 1 || ps[1].Notified != 1 {
			t.Fatalf("莲花 officer's programs %+v", ps)
		}
		if got, _ := usccs(t, e.do("GET", "/api/v1/admin/benefit-programs/"+all+"/matches", scoped, nil)); !slices.Equal(got, []string{lianhua}) {
			t.Fatalf("莲花 officer's matches %v", got)
		}
	})
}

func TestEndBenefitProgram(t *testing.T) {
	e := newEnv(t)
	officer := e.officer()
	first := e.registerEnterprise(officer, 51, "软件")
	member, _ := e.resident("alice")
	e.bind(officer, member, first)
	program := e.program(officer, "软件企业补贴", map[string]any{"min_grade": "B", "industries": []string{"软件"}, "streets": []string{"华富街道"}})
	benefits := func() string {
		t.Helper()
		rec := e.do("GET", "/api/v1/enterprises/"+first+"/benefits", member, nil)
		wantStatus(t, rec, http.StatusOK)
		return rec.Body.String()
	}
	if !strings.Contains(benefits(), program) {
		t.Fatalf("before the end, benefits %s", benefits())
	}
	t.Run("ErrForbidden", func(t *testing.T) {
		editor, _ := e.staffer([]staff.Role{staff.Editor})
		for _, tok := range []string{editor, member} {
			wantError(t, e.do("POST", "/api/v1/admin/benefit-programs/"+program+"/end", tok, nil), http.StatusForbidden, "permission_denied", "")
		}
	})
	t.Run("ErrOutOfScope", func(t *testing.T) {
		other := e.otherDepartment()
		officerY, _ := e.stafferIn(&other, []staff.Role{staff.CreditOfficer})
		missing := e.do("POST", "/api/v1/admin/benefit-programs/999999/end", officerY, nil)
		got := e.do("POST", "/api/v1/admin/benefit-programs/"+program+"/end", officerY, nil)
		wantError(t, got, http.StatusNotFound, "not_found", "")
		if got.Body.String() != missing.Body.String() {
			t.Fatalf("other department's program %s, missing %s", got.Body.String(), missing.Body.String())
		}
		// A member of the department on another street may not end what
		// reaches 华富街道.
		wantError(t, e.do("POST", "/api/v1/admin/benefit-programs/"+program+"/end", e.officer("莲花街道"), nil), http.StatusForbidden, "permission_denied", "criteria.streets")
		var ended int64
		e.db.Raw("SELECT COUNT(*) FROM benefit_programs WHERE ended_at IS NOT NULL").Scan(&ended)
		if ended != 0 {
			t.Fatalf("%d programs ended", ended)
		}
	})
	t.Run("OK", func(t *testing.T) {
		before := e.count("audit_log")
		rec := e.do("POST", "/api/v1/admin/benefit-programs/"+program+"/end", officer, nil)
		wantStatus(t, rec, http.StatusOK)
		var p listedProgram
		decode(t, rec, &p)
		if p.ID != program || p.EndedAt == nil || p.Matched != 1 || p.Notified != 1 {
			t.Fatalf("ended program %s", rec.Body.String())
		}
		if got := e.count("audit_log"); got != before+1 {
			t.Fatalf("audit entries %d, want %d", got, before+1)
		}
		// It is no longer offered, and matches nothing new; what it matched stays.
		if strings.Contains(benefits(), program) {
			t.Fatalf("after the end, benefits %s", benefits())
		}
		later := e.registerEnterprise(officer, 52, "软件")
		if n, err := e.enterprises.RerateDue(t.Context()); err != nil {
			t.Fatalf("re-rate: %d, %v", n, err)
		}
		got, _ := usccs(t, e.do("GET", "/api/v1/admin/benefit-programs/"+program+"/matches", officer, nil))
		if !slices.Equal(got, []string{first}) {
			t.Fatalf("matches after the end %v (%s registered later)", got, later)
		}
		rec = e.do("GET", "/api/v1/admin/benefit-programs?status=ended", officer, nil)
		if !strings.Contains(rec.Body.String(), program) {
			t.Fatalf("ended list %s", rec.Body.String())
		}
	})
	t.Run("ErrAlreadyEnded", func(t *testing.T) {
		wantError(t, e.do("POST", "/api/v1/admin/benefit-programs/"+program+"/end", officer, nil), http.StatusConflict, "conflict", "")
	})
}
