package api

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/futian/ifutian/staff"
)

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

func TestCreateDepartment(t *testing.T) {
	e := newEnv(t)
	admin, _ := e.staffer([]staff.Role{staff.Superadmin})
	before := e.count("departments")
	rec := e.do("POST", "/api/v1/admin/departments", admin, map[string]string{"name": "区司法局"})
	wantStatus(t, rec, http.StatusCreated)
	wantError(t, e.do("POST", "/api/v1/admin/departments", admin, map[string]string{"name": "区司法局"}), http.StatusConflict, "conflict", "")
	wantError(t, e.do("POST", "/api/v1/admin/departments", admin, map[string]string{"name": ""}), http.StatusBadRequest, "invalid_argument", "name")
	deptAdmin, _ := e.staffer([]staff.Role{staff.DeptAdmin})
	wantError(t, e.do("POST", "/api/v1/admin/departments", deptAdmin, map[string]string{"name": "越权部门"}), http.StatusForbidden, "permission_denied", "")
	if got, want := e.count("departments"), before+1; got != want {
		t.Fatalf("departments=%d, want %d", got, want)
	}
}

func TestCreateStaff(t *testing.T) {
	e := newEnv(t)
	admin, _ := e.staffer([]staff.Role{staff.Superadmin})
	deptAdmin, _ := e.staffer([]staff.Role{staff.DeptAdmin})
	dept := itoa(e.dept)
	body := func(username string, roles []string, deptID string, streets ...string) map[string]any {
		return map[string]any{"username": username, "password": "long-enough-pw", "department_id": deptID, "roles": roles, "streets": streets}
	}
	t.Run("OK", func(t *testing.T) {
		rec := e.do("POST", "/api/v1/admin/staff", admin, body("editor.one", []string{"editor"}, dept))
		wantStatus(t, rec, http.StatusCreated)
		rec = e.do("POST", "/api/v1/auth/staff-login", "", map[string]string{"username": "editor.one", "password": "long-enough-pw"})
		wantStatus(t, rec, http.StatusOK)
	})
	t.Run("DeptAdminOwnDepartment", func(t *testing.T) {
		wantStatus(t, e.do("POST", "/api/v1/admin/staff", deptAdmin, body("reviewer.one", []string{"reviewer"}, dept)), http.StatusCreated)
	})
	t.Run("ErrDeptAdminOtherDepartment", func(t *testing.T) {
		other := itoa(e.otherDepartment())
		wantError(t, e.do("POST", "/api/v1/admin/staff", deptAdmin, body("intruder", []string{"editor"}, other)), http.StatusForbidden, "permission_denied", "")
	})
	t.Run("ErrDeptAdminGrantsSuperadmin", func(t *testing.T) {
		wantError(t, e.do("POST", "/api/v1/admin/staff", deptAdmin, body("climber", []string{"superadmin"}, dept)), http.StatusForbidden, "permission_denied", "")
	})
	t.Run("ErrDuplicate", func(t *testing.T) {
		wantError(t, e.do("POST", "/api/v1/admin/staff", admin, body("editor.one", []string{"editor"}, dept)), http.StatusConflict, "conflict", "")
	})
	for name, tc := range map[string]struct {
		body  map[string]any
		field string
	}{
		"ErrRole":     {body("badrole", []string{"king"}, dept), "roles[0]"},
		"ErrUsername": {body("A", []string{"editor"}, dept), "username"},
		"ErrPassword": {map[string]any{"username": "shortpw", "password": "short", "department_id": dept, "roles": []string{"editor"}}, "password"},
		"ErrStreet":   {body("streety", []string{"editor"}, dept, "火星街道"), "streets"},
		"ErrNoDept":   {body("nodept", []string{"editor"}, ""), "department_id"},
	} {
		t.Run(name, func(t *testing.T) {
			before := e.count("staff")
			if name == "ErrNoDept" {
				delete(tc.body, "department_id")
			}
			wantError(t, e.do("POST", "/api/v1/admin/staff", admin, tc.body), http.StatusBadRequest, "invalid_argument", tc.field)
			if got := e.count("staff"); got != before {
				t.Fatalf("staff=%d after a rejected create, want %d", got, before)
			}
		})
	}
	t.Run("ErrEditor", func(t *testing.T) {
		editor, _ := e.staffer([]staff.Role{staff.Editor})
		wantError(t, e.do("POST", "/api/v1/admin/staff", editor, body("nope.nope", []string{"editor"}, dept)), http.StatusForbidden, "permission_denied", "")
	})
}

func TestAuditLog(t *testing.T) {
	e := newEnv(t)
	admin, m := e.staffer([]staff.Role{staff.Superadmin})
	wantStatus(t, e.do("POST", "/api/v1/admin/departments", admin, map[string]string{"name": "审计测试部门"}), http.StatusCreated)
	auditor := e.districtAuditor() // a department's auditor does not read a superadmin's entries
	rec := e.do("GET", "/api/v1/admin/audit-log?actor_id="+itoa(m.ID), auditor, nil)
	wantStatus(t, rec, http.StatusOK)
	var out struct {
		Items []struct {
			ActorID string `json:"actor_id"`
			Action  string `json:"action"`
			Detail  string `json:"detail"`
		} `json:"items"`
		NextPageToken string `json:"next_page_token"`
	}
	decode(t, rec, &out)
	if len(out.Items) != 1 || out.Items[0].Action != "POST /api/v1/admin/departments" || out.Items[0].ActorID != itoa(m.ID) {
		t.Fatalf("audit log=%s", rec.Body.String())
	}
	wantError(t, e.do("GET", "/api/v1/admin/audit-log?since=yesterday", auditor, nil), http.StatusBadRequest, "invalid_argument", "since")
	wantError(t, e.do("GET", "/api/v1/admin/audit-log?page_size=0", auditor, nil), http.StatusBadRequest, "invalid_argument", "page_size")
	editor, _ := e.staffer([]staff.Role{staff.Editor})
	wantError(t, e.do("GET", "/api/v1/admin/audit-log", editor, nil), http.StatusForbidden, "permission_denied", "")

	t.Run("Pages", func(t *testing.T) {
		for i := range 3 {
			wantStatus(t, e.do("POST", "/api/v1/admin/departments", admin, map[string]string{"name": "分页部门" + itoa(int64(i))}), http.StatusCreated)
		}
		seen := map[string]bool{}
		token := ""
		for range 10 {
			rec := e.do("GET", "/api/v1/admin/audit-log?page_size=2&page_token="+token, auditor, nil)
			wantStatus(t, rec, http.StatusOK)
			decode(t, rec, &out)
			for _, it := range out.Items {
				if seen[it.Detail] {
					t.Fatalf("entry %q on two pages", it.Detail)
				}
				seen[it.Detail] = true
			}
			if token = out.NextPageToken; token == "" {
				break
			}
		}
		if len(seen) < 4 {
			t.Fatalf("paged through %d entries, want at least 4", len(seen))
		}
	})
}
