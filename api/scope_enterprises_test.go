package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/futian/ifutian/auth"
	"github.com/futian/ifutian/staff"
)

// stafferIn creates a staff member of department dept (nil: a district
// account) and returns a token and the member.
func (e *env) stafferIn(dept *int64, roles []staff.Role, streets ...string) (string, *staff.Member) {
	e.t.Helper()
	m, err := e.staff.Create(context.Background(), nil, staff.NewMember{
		Username: "scoped" + itoa(appSeq.Add(1)), Password: "password-123456", DepartmentID: dept, Roles: roles, Streets: streets,
	}, func(string) bool { return true })
	if err != nil {
		e.t.Fatal(err)
	}
	token, _, err := e.auth.Issue(context.Background(), auth.Staff, m.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return token, m
}

// districtAuditor returns the token of an auditor of no department, who
// reads the whole district's audit log.
func (e *env) districtAuditor() string {
	tok, _ := e.stafferIn(nil, []staff.Role{staff.Auditor})
	return tok
}

// TestScopeEnterprises: the enterprise routes answer an object outside the
// caller's scope like a missing one, refuse a reach beyond it naming the
// field, and list only what is in scope.
func TestScopeEnterprises(t *testing.T) {
	e := newEnv(t)
	deptY := e.otherDepartment()
	officerX := e.officer()
	officerXLianhua := e.officer("莲花街道")
	officerY, _ := e.stafferIn(&deptY, []staff.Role{staff.CreditOfficer})
	huafu := e.registerEnterprise(officerX, 1, "软件") // on 华富街道
	member, _ := e.resident("alice")
	e.bind(officerX, member, huafu)
	factor := e.credit(officerX, huafu, "penalty", "general")
	rec := e.do("POST", "/api/v1/enterprises/"+huafu+"/objections", member, map[string]string{"factor_id": factor, "reason": "已缴清罚款"})
	wantStatus(t, rec, http.StatusCreated)
	var objection struct{ ID string }
	decode(t, rec, &objection)
	applicant, _ := e.resident("bob")
	rec = e.do("POST", "/api/v1/enterprises/bindings", applicant, map[string]string{"uscc": huafu, "role": "agent"})
	wantStatus(t, rec, http.StatusCreated)
	var binding struct{ ID string }
	decode(t, rec, &binding)

	// sameAsMissing checks that an out-of-scope answer is the very answer
	// for a missing object.
	sameAsMissing := func(t *testing.T, got, missing *httptest.ResponseRecorder) {
		t.Helper()
		wantError(t, got, http.StatusNotFound, "not_found", "")
		if got.Body.String() != missing.Body.String() {
			t.Fatalf("out of scope answered %s, a missing object %s", got.Body.String(), missing.Body.String())
		}
	}
	ids := func(t *testing.T, tok, path string) []string {
		t.Helper()
		rec := e.do("GET", path, tok, nil)
		wantStatus(t, rec, http.StatusOK)
		var p page[struct{ ID string }]
		decode(t, rec, &p)
		var out []string
		for _, it := range p.Items {
			out = append(out, it.ID)
		}
		return out
	}

	t.Run("ObjectionOfOtherDepartment", func(t *testing.T) {
		missing := e.do("POST", "/api/v1/admin/objections/999999/decide", officerY, map[string]any{"approve": true, "reason": "已核实"})
		for _, tok := range []string{officerY, officerXLianhua} {
			sameAsMissing(t, e.do("POST", "/api/v1/admin/objections/"+objection.ID+"/decide", tok, map[string]any{"approve": true, "reason": "已核实"}), missing)
			if got := ids(t, tok, "/api/v1/admin/objections"); len(got) != 0 {
				t.Fatalf("queue of an out-of-scope officer=%v", got)
			}
		}
		var status string
		e.db.Raw("SELECT status FROM credit_objections WHERE id = ?", objection.ID).Scan(&status)
		if status != "pending" || e.count("ratings") != 2 {
			t.Fatalf("objection %s, ratings %d: want still pending and no re-rating", status, e.count("ratings"))
		}
		if got := ids(t, officerX, "/api/v1/admin/objections"); !slices.Equal(got, []string{objection.ID}) {
			t.Fatalf("owner's queue=%v", got)
		}
	})
	t.Run("BindingOutOfStreet", func(t *testing.T) {
		missing := e.do("POST", "/api/v1/admin/enterprise-bindings/999999/decide", officerXLianhua, map[string]any{"approve": true})
		sameAsMissing(t, e.do("POST", "/api/v1/admin/enterprise-bindings/"+binding.ID+"/decide", officerXLianhua, map[string]any{"approve": true}), missing)
		if got := ids(t, officerXLianhua, "/api/v1/admin/enterprise-bindings"); len(got) != 0 {
			t.Fatalf("莲花 officer's binding queue=%v", got)
		}
		var status string
		e.db.Raw("SELECT status FROM enterprise_bindings WHERE id = ?", binding.ID).Scan(&status)
		if status != "pending" {
			t.Fatalf("binding %s, want still pending", status)
		}
		// Bindings belong to no department: another department's officer
		// covering the street sees and decides them.
		if got := ids(t, officerY, "/api/v1/admin/enterprise-bindings"); !slices.Equal(got, []string{binding.ID}) {
			t.Fatalf("other department's binding queue=%v", got)
		}
	})
	t.Run("CreditRecordOutOfStreet", func(t *testing.T) {
		before := e.count("credit_records")
		body := map[string]string{"uscc": huafu, "kind": "penalty", "severity": "minor", "occurred_at": "2026-01-05T10:00:00+08:00", "case_ref": "深福罚〔2026〕90号"}
		got := e.do("POST", "/api/v1/admin/credit-records", officerXLianhua, body)
		body["uscc"] = code(999)
		sameAsMissing(t, got, e.do("POST", "/api/v1/admin/credit-records", officerXLianhua, body))
		if n := e.count("credit_records"); n != before {
			t.Fatalf("credit records=%d, want %d", n, before)
		}
	})
	t.Run("EnterpriseOutOfStreet", func(t *testing.T) {
		before := e.count("enterprises")
		rec := e.do("POST", "/api/v1/admin/enterprises", officerXLianhua, map[string]string{"uscc": code(2), "name": "华富的公司", "street": "华富街道"})
		wantError(t, rec, http.StatusForbidden, "permission_denied", "street")
		rec = e.do("POST", "/api/v1/admin/enterprises/import", officerXLianhua, "uscc,name,industry,street\n"+code(3)+",华富的公司,,华富街道\n", "Content-Type", "text/csv")
		wantStatus(t, rec, http.StatusOK)
		if !strings.Contains(rec.Body.String(), `"imported":0`) || !strings.Contains(rec.Body.String(), `"line":2`) {
			t.Fatalf("import of another street=%s", rec.Body.String())
		}
		if n := e.count("enterprises"); n != before {
			t.Fatalf("enterprises=%d, want %d", n, before)
		}
		wantStatus(t, e.do("POST", "/api/v1/admin/enterprises", officerXLianhua, map[string]string{"uscc": code(4), "name": "莲花的公司", "street": "莲花街道"}), http.StatusCreated)
	})
	t.Run("BenefitCriteriaBeyondStreets", func(t *testing.T) {
		before := e.count("benefit_programs")
		for _, streets := range [][]string{nil, {"华富街道"}, {"莲花街道", "华富街道"}} {
			rec := e.do("POST", "/api/v1/admin/benefit-programs", officerXLianhua, map[string]any{"name": "贴息", "criteria": map[string]any{"min_grade": "B", "streets": streets}})
			wantError(t, rec, http.StatusForbidden, "permission_denied", "criteria.streets")
		}
		if n := e.count("benefit_programs"); n != before {
			t.Fatalf("programs=%d, want %d", n, before)
		}
		rec := e.do("POST", "/api/v1/admin/benefit-programs", officerXLianhua, map[string]any{"name": "贴息", "criteria": map[string]any{"min_grade": "B", "streets": []string{"莲花街道"}}})
		wantStatus(t, rec, http.StatusCreated)
		if !strings.Contains(rec.Body.String(), `"department_id":"`+itoa(e.dept)+`"`) {
			t.Fatalf("program=%s, want it attributed to department %d", rec.Body.String(), e.dept)
		}
	})
	t.Run("ResidentOutOfStreet", func(t *testing.T) {
		tok, id := e.resident("carol")
		wantStatus(t, e.do("PATCH", "/api/v1/me", tok, map[string]any{"street": "华富街道"}), http.StatusOK)
		reader, _ := e.staffer([]staff.Role{staff.PointsOfficer}, "莲花街道")
		sameAsMissing(t, e.do("GET", "/api/v1/admin/residents/"+itoa(id), reader, nil), e.do("GET", "/api/v1/admin/residents/999999", reader, nil))
	})
}

// TestScopeAuditLog: a department's auditor reads their department's
// members' entries only (not another department's, nor a superadmin's); a
// district auditor reads everything.
func TestScopeAuditLog(t *testing.T) {
	e := newEnv(t)
	deptY := e.otherDepartment()
	root, rootM := e.staffer([]staff.Role{staff.Superadmin})
	officerX, officerXM := e.staffer([]staff.Role{staff.CreditOfficer})
	officerY, officerYM := e.stafferIn(&deptY, []staff.Role{staff.CreditOfficer})
	auditorX, _ := e.staffer([]staff.Role{staff.Auditor})
	auditorY, _ := e.stafferIn(&deptY, []staff.Role{staff.Auditor})
	district := e.districtAuditor()
	wantStatus(t, e.do("POST", "/api/v1/admin/departments", root, map[string]string{"name": "审计范围部门"}), http.StatusCreated)
	e.registerEnterprise(officerX, 1, "软件")
	e.registerEnterprise(officerY, 2, "软件")
	actors := func(t *testing.T, tok, query string) []string {
		t.Helper()
		rec := e.do("GET", "/api/v1/admin/audit-log"+query, tok, nil)
		wantStatus(t, rec, http.StatusOK)
		var p page[struct {
			ActorID string `json:"actor_id"`
		}]
		decode(t, rec, &p)
		var out []string
		for _, it := range p.Items {
			out = append(out, it.ActorID)
		}
		slices.Sort(out)
		return slices.Compact(out)
	}
	sorted := func(ids ...int64) []string {
		var out []string
		for _, id := range ids {
			out = append(out, itoa(id))
		}
		slices.Sort(out)
		return out
	}
	for _, tc := range []struct {
		name, tok string
		want      []string
	}{
		{"DepartmentX", auditorX, sorted(officerXM.ID)},
		{"DepartmentY", auditorY, sorted(officerYM.ID)},
		{"District", district, sorted(rootM.ID, officerXM.ID, officerYM.ID)},
		{"Superadmin", root, sorted(rootM.ID, officerXM.ID, officerYM.ID)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := actors(t, tc.tok, ""); !slices.Equal(got, tc.want) {
				t.Fatalf("entries by %v, want by %v", got, tc.want)
			}
		})
	}
	t.Run("ActorOfOtherDepartment", func(t *testing.T) {
		for _, id := range []int64{officerYM.ID, rootM.ID} {
			if got := actors(t, auditorX, "?actor_id="+itoa(id)); len(got) != 0 {
				t.Fatalf("department X's auditor reads the entries of %d", id)
			}
		}
	})
	t.Run("ErrForbidden", func(t *testing.T) {
		wantError(t, e.do("GET", "/api/v1/admin/audit-log", officerX, nil), http.StatusForbidden, "permission_denied", "")
	})
}

// TestScopeCreateStaff: a department admin creates members only within
// their own department and streets; the refusal names the field.
func TestScopeCreateStaff(t *testing.T) {
	e := newEnv(t)
	admin, _ := e.staffer([]staff.Role{staff.DeptAdmin}, "华富街道", "莲花街道")
	body := func(name string, dept int64, streets ...string) map[string]any {
		return map[string]any{"username": name, "password": "long-enough-pw", "department_id": itoa(dept), "roles": []string{"editor"}, "streets": streets}
	}
	before := e.count("staff")
	wantError(t, e.do("POST", "/api/v1/admin/staff", admin, body("other.dept", e.otherDepartment(), "华富街道")), http.StatusForbidden, "permission_denied", "department_id")
	wantError(t, e.do("POST", "/api/v1/admin/staff", admin, body("every.street", e.dept)), http.StatusForbidden, "permission_denied", "streets")
	wantError(t, e.do("POST", "/api/v1/admin/staff", admin, body("other.street", e.dept, "香蜜湖街道")), http.StatusForbidden, "permission_denied", "streets")
	wantError(t, e.do("POST", "/api/v1/admin/staff", admin, map[string]any{"username": "district.aud", "password": "long-enough-pw", "roles": []string{"auditor"}}), http.StatusForbidden, "permission_denied", "department_id")
	if n := e.count("staff"); n != before {
		t.Fatalf("staff=%d, want %d", n, before)
	}
	wantStatus(t, e.do("POST", "/api/v1/admin/staff", admin, body("fewer.streets", e.dept, "莲花街道")), http.StatusCreated)
}
