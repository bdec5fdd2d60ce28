package api

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/futian/ifutian/auth"
	"github.com/futian/ifutian/staff"
)

type staffOut struct {
	ID           string   `json:"id"`
	Username     string   `json:"username"`
	DepartmentID *string  `json:"department_id"`
	Roles        []string `json:"roles"`
	Streets      []string `json:"streets"`
	Disabled     bool     `json:"disabled"`
}

// login signs a member in with a password and returns the answer.
func (e *env) login(username, password string) *staffLogin {
	e.t.Helper()
	rec := e.do("POST", "/api/v1/auth/staff-login", "", map[string]string{"username": username, "password": password})
	if rec.Code != http.StatusOK {
		return nil
	}
	var out staffLogin
	decode(e.t, rec, &out)
	return &out
}

type staffLogin struct {
	Token string   `json:"token"`
	Staff staffOut `json:"staff"`
}

// snapshotStaff is every staff row as the database holds it.
func (e *env) snapshotStaff() string {
	e.t.Helper()
	var rows []map[string]any
	if err := e.db.Table("staff").Order("id").Find(&rows).Error; err != nil {
		e.t.Fatal(err)
	}
	return fmt.Sprint(rows)
}

func TestListStaff(t *testing.T) {
	e := newEnv(t)
	super, superM := e.staffer([]staff.Role{staff.Superadmin})
	admin, adminM := e.staffer([]staff.Role{staff.DeptAdmin})
	_, ed := e.staffer([]staff.Role{staff.Editor}, "华富街道")
	_, rev := e.staffer([]staff.Role{staff.Reviewer})
	other := e.otherDepartment()
	outsider, err := e.staff.Create(context.Background(), nil, staff.NewMember{
		Username: "outsider", Password: "password-123", DepartmentID: &other, Roles: []staff.Role{staff.Editor},
	}, func(string) bool { return true })
	if err != nil {
		t.Fatal(err)
	}
	list := func(token, query string) []string {
		t.Helper()
		rec := e.do("GET", "/api/v1/admin/staff"+query, token, nil)
		wantStatus(t, rec, http.StatusOK)
		var p struct {
			Items []staffOut `json:"items"`
		}
		decode(t, rec, &p)
		var ids []string
		for _, m := range p.Items {
			ids = append(ids, m.ID)
		}
		return ids
	}
	ids := func(ms ...*staff.Member) string {
		var out []string
		for _, m := range ms {
			out = append(out, itoa(m.ID))
		}
		return fmt.Sprint(out)
	}
	t.Run("Superadmin", func(t *testing.T) {
		if got, want := fmt.Sprint(list(super, "")), ids(superM, adminM, ed, rev, outsider); got != want {
			t.Fatalf("superadmin sees %s, want %s", got, want)
		}
	})
	t.Run("DeptAdminOwnDepartment", func(t *testing.T) {
		if got, want := fmt.Sprint(list(admin, "")), ids(adminM, ed, rev); got != want {
			t.Fatalf("dept_admin sees %s, want %s", got, want)
		}
		if got := list(admin, "?department_id="+itoa(other)); len(got) != 0 {
			t.Fatalf("dept_admin sees another department's members: %v", got)
		}
	})
	t.Run("Filters", func(t *testing.T) {
		for query, want := range map[string]string{
			"?role=reviewer":                ids(rev),
			"?street=华富街道":                  ids(ed),
			"?q=" + ed.Username:             ids(ed),
			"?q=OUTSIDER":                   ids(outsider),
			"?department_id=" + itoa(other): ids(outsider),
			"?disabled=true":                "[]",
		} {
			if got := fmt.Sprint(list(super, query)); got != want {
				t.Errorf("%s: %s, want %s", query, got, want)
			}
		}
	})
	t.Run("Pages", func(t *testing.T) {
		var seen []string
		token := ""
		for range 10 {
			rec := e.do("GET", "/api/v1/admin/staff?page_size=2&page_token="+token, super, nil)
			wantStatus(t, rec, http.StatusOK)
			var p struct {
				Items         []staffOut `json:"items"`
				NextPageToken string     `json:"next_page_token"`
			}
			decode(t, rec, &p)
			for _, m := range p.Items {
				seen = append(seen, m.ID)
			}
			if token = p.NextPageToken; token == "" {
				break
			}
		}
		if got, want := fmt.Sprint(seen), ids(superM, adminM, ed, rev, outsider); got != want {
			t.Fatalf("paged through %s, want %s", got, want)
		}
	})
	t.Run("ErrBadFilter", func(t *testing.T) {
		wantError(t, e.do("GET", "/api/v1/admin/staff?role=king", super, nil), http.StatusBadRequest, "invalid_argument", "role")
		wantError(t, e.do("GET", "/api/v1/admin/staff?disabled=maybe", super, nil), http.StatusBadRequest, "invalid_argument", "disabled")
		wantError(t, e.do("GET", "/api/v1/admin/staff?department_id=x", super, nil), http.StatusBadRequest, "invalid_argument", "department_id")
		wantError(t, e.do("GET", "/api/v1/admin/staff?page_size=500", super, nil), http.StatusBadRequest, "invalid_argument", "page_size")
	})
	t.Run("ErrRole", func(t *testing.T) {
		editor, _ := e.staffer([]staff.Role{staff.Editor})
		wantError(t, e.do("GET", "/api/v1/admin/staff", editor, nil), http.StatusForbidden, "permission_denied", "")
	})
	t.Run("DepartmentsForEveryone", func(t *testing.T) {
		verifier, _ := e.staffer([]staff.Role{staff.Verifier})
		rec := e.do("GET", "/api/v1/admin/departments", verifier, nil)
		wantStatus(t, rec, http.StatusOK)
		if !strings.Contains(rec.Body.String(), "其他部门") {
			t.Fatalf("departments: %s", rec.Body.String())
		}
	})
}

func TestUpdateStaff(t *testing.T) {
	e := newEnv(t)
	admin, adminM := e.staffer([]staff.Role{staff.DeptAdmin}, "华富街道", "莲花街道")
	super, _ := e.staffer([]staff.Role{staff.Superadmin})
	_, ed := e.staffer([]staff.Role{staff.Editor}, "华富街道")
	path := "/api/v1/admin/staff/" + itoa(ed.ID)
	t.Run("OK", func(t *testing.T) {
		rec := e.do("PATCH", path, admin, map[string]any{"roles": []string{"editor", "reviewer"}, "streets": []string{"莲花街道"}})
		wantStatus(t, rec, http.StatusOK)
		var m staffOut
		decode(t, rec, &m)
		if fmt.Sprint(m.Roles, m.Streets) != "[editor reviewer] [莲花街道]" {
			t.Fatalf("updated member: %s", rec.Body.String())
		}
		// The member acts with the new roles at once.
		tok, _, _ := e.auth.Issue(context.Background(), auth.Staff, ed.ID)
		rec = e.do("GET", "/api/v1/admin/me", tok, nil)
		if !strings.Contains(rec.Body.String(), "notices.review") {
			t.Fatalf("the new role is not in effect: %s", rec.Body.String())
		}
	})
	t.Run("OmittedFieldUnchanged", func(t *testing.T) {
		rec := e.do("PATCH", path, admin, map[string]any{"roles": []string{"editor"}, "streets": nil})
		wantStatus(t, rec, http.StatusOK)
		var m staffOut
		decode(t, rec, &m)
		if fmt.Sprint(m.Roles, m.Streets) != "[editor] [莲花街道]" {
			t.Fatalf("updated member: %s", rec.Body.String())
		}
	})
	for name, tc := range map[string]struct {
		token string
		body  map[string]any
		path  string
		want  int
		code  string
		field string
	}{
		"ErrNothing":          {admin, map[string]any{}, path, 400, "invalid_argument", "roles"},
		"ErrNoRoles":          {admin, map[string]any{"roles": []string{}}, path, 400, "invalid_argument", "roles"},
		"ErrUnknownRole":      {admin, map[string]any{"roles": []string{"king"}}, path, 400, "invalid_argument", "roles[0]"},
		"ErrUnknownStreet":    {admin, map[string]any{"streets": []string{"火星街道"}}, path, 400, "invalid_argument", "streets"},
		"ErrRolesType":        {admin, map[string]any{"roles": "editor"}, path, 400, "invalid_argument", "roles"},
		"ErrGrantDeptAdmin":   {admin, map[string]any{"roles": []string{"dept_admin"}}, path, 403, "permission_denied", "roles"},
		"ErrStreetBeyondMine": {admin, map[string]any{"streets": []string{"香蜜湖街道"}}, path, 403, "permission_denied", "streets"},
		"ErrEveryStreet":      {admin, map[string]any{"streets": []string{}}, path, 403, "permission_denied", "streets"},
		"ErrSelf":             {admin, map[string]any{"roles": []string{"dept_admin", "editor"}}, "/api/v1/admin/staff/" + itoa(adminM.ID), 403, "permission_denied", ""},
		"ErrMissing":          {super, map[string]any{"roles": []string{"editor"}}, "/api/v1/admin/staff/999999999", 404, "not_found", ""},
		"ErrMalformedID":      {super, map[string]any{"roles": []string{"editor"}}, "/api/v1/admin/staff/abc", 404, "not_found", ""},
	} {
		t.Run(name, func(t *testing.T) {
			before := e.snapshotStaff()
			wantError(t, e.do("PATCH", tc.path, tc.token, tc.body), tc.want, tc.code, tc.field)
			if e.snapshotStaff() != before {
				t.Fatal("a refused update changed staff")
			}
		})
	}
	t.Run("ErrOtherDepartment", func(t *testing.T) {
		other := e.otherDepartment()
		m, err := e.staff.Create(context.Background(), nil, staff.NewMember{
			Username: "outsider", Password: "password-123", DepartmentID: &other, Roles: []staff.Role{staff.Editor}, Streets: []string{"华富街道"},
		}, func(string) bool { return true })
		if err != nil {
			t.Fatal(err)
		}
		before := e.snapshotStaff()
		wantError(t, e.do("PATCH", "/api/v1/admin/staff/"+itoa(m.ID), admin, map[string]any{"roles": []string{"reviewer"}}), http.StatusNotFound, "not_found", "")
		if e.snapshotStaff() != before {
			t.Fatal("a refused update changed staff")
		}
	})
	t.Run("ErrPeerDeptAdmin", func(t *testing.T) {
		_, peer := e.staffer([]staff.Role{staff.DeptAdmin}, "华富街道")
		wantError(t, e.do("PATCH", "/api/v1/admin/staff/"+itoa(peer.ID), admin, map[string]any{"roles": []string{"editor"}}), http.StatusForbidden, "permission_denied", "roles")
	})
	t.Run("ErrRole", func(t *testing.T) {
		editor, _ := e.staffer([]staff.Role{staff.Editor})
		wantError(t, e.do("PATCH", path, editor, map[string]any{"roles": []string{"reviewer"}}), http.StatusForbidden, "permission_denied", "")
	})
}

func TestDisableStaff(t *testing.T) {
	e := newEnv(t)
	admin, _ := e.staffer([]staff.Role{staff.DeptAdmin})
	auditor := e.districtAuditor()
	rec := e.do("POST", "/api/v1/admin/staff", admin, map[string]any{"username": "editor.a", "password": "password-123", "department_id": itoa(e.dept), "roles": []string{"editor"}})
	wantStatus(t, rec, http.StatusCreated)
	var ed staffOut
	decode(t, rec, &ed)
	session := e.login("editor.a", "password-123")
	if session == nil {
		t.Fatal("cannot sign in")
	}
	wantStatus(t, e.do("GET", "/api/v1/admin/me", session.Token, nil), http.StatusOK)

	t.Run("Disable", func(t *testing.T) {
		rec := e.do("POST", "/api/v1/admin/staff/"+ed.ID+"/disable", admin, nil)
		wantStatus(t, rec, http.StatusOK)
		var m staffOut
		decode(t, rec, &m)
		if !m.Disabled {
			t.Fatalf("answer: %s", rec.Body.String())
		}
		// At once: the token fails on the next request, and sign-in too.
		wantError(t, e.do("GET", "/api/v1/admin/me", session.Token, nil), http.StatusUnauthorized, "unauthenticated", "")
		if e.login("editor.a", "password-123") != nil {
			t.Fatal("a disabled member signs in")
		}
	})
	t.Run("Enable", func(t *testing.T) {
		wantStatus(t, e.do("POST", "/api/v1/admin/staff/"+ed.ID+"/enable", admin, nil), http.StatusOK)
		again := e.login("editor.a", "password-123")
		if again == nil {
			t.Fatal("an enabled member cannot sign in")
		}
		wantStatus(t, e.do("GET", "/api/v1/admin/me", again.Token, nil), http.StatusOK)
		wantError(t, e.do("GET", "/api/v1/admin/me", session.Token, nil), http.StatusUnauthorized, "unauthenticated", "")
	})
	t.Run("Audited", func(t *testing.T) {
		rec := e.do("GET", "/api/v1/admin/audit-log?target_kind=staff&target_id="+ed.ID, auditor, nil)
		wantStatus(t, rec, http.StatusOK)
		for _, want := range []string{"POST /api/v1/admin/staff/:id/disable", "POST /api/v1/admin/staff/:id/enable"} {
			if n := strings.Count(rec.Body.String(), `"action":"`+want+`"`); n != 1 {
				t.Fatalf("%d audit entries %q, want 1: %s", n, want, rec.Body.String())
			}
		}
		// The detail, set inside the transaction that writes the entry.
		for _, want := range []string{`"detail":"disabled"`, `"detail":"enabled"`} {
			if !strings.Contains(rec.Body.String(), want) {
				t.Fatalf("no entry with %s: %s", want, rec.Body.String())
			}
		}
	})
	t.Run("ErrOutOfScope", func(t *testing.T) {
		other := e.otherDepartment()
		m, err := e.staff.Create(context.Background(), nil, staff.NewMember{
			Username: "outsider", Password: "password-123", DepartmentID: &other, Roles: []staff.Role{staff.Editor},
		}, func(string) bool { return true })
		if err != nil {
			t.Fatal(err)
		}
		before := e.snapshotStaff()
		for _, verb := range []string{"disable", "enable", "reset-password"} {
			wantError(t, e.do("POST", "/api/v1/admin/staff/"+itoa(m.ID)+"/"+verb, admin, nil), http.StatusNotFound, "not_found", "")
		}
		if e.snapshotStaff() != before {
			t.Fatal("a refused action changed staff")
		}
	})
	t.Run("ErrRole", func(t *testing.T) {
		editor, _ := e.staffer([]staff.Role{staff.Editor})
		for _, verb := range []string{"disable", "enable", "reset-password"} {
			wantError(t, e.do("POST", "/api/v1/admin/staff/"+ed.ID+"/"+verb, editor, nil), http.StatusForbidden, "permission_denied", "")
		}
	})
	t.Run("ErrSelf", func(t *testing.T) {
		super, superM := e.staffer([]staff.Role{staff.Superadmin})
		wantError(t, e.do("POST", "/api/v1/admin/staff/"+itoa(superM.ID)+"/disable", super, nil), http.StatusForbidden, "permission_denied", "")
		wantStatus(t, e.do("GET", "/api/v1/admin/me", super, nil), http.StatusOK)
	})
}

func TestResetStaffPassword(t *testing.T) {
	e := newEnv(t)
	admin, _ := e.staffer([]staff.Role{staff.DeptAdmin})
	auditor := e.districtAuditor()
	wantStatus(t, e.do("POST", "/api/v1/admin/staff", admin, map[string]any{"username": "editor.b", "password": "password-123", "department_id": itoa(e.dept), "roles": []string{"editor"}}), http.StatusCreated)
	session := e.login("editor.b", "password-123")
	rec := e.do("POST", "/api/v1/admin/staff/"+session.Staff.ID+"/reset-password", admin, nil)
	wantStatus(t, rec, http.StatusOK)
	var out struct {
		Staff    staffOut `json:"staff"`
		Password string   `json:"password"`
	}
	decode(t, rec, &out)
	if len(out.Password) < 20 || out.Staff.Username != "editor.b" {
		t.Fatalf("reset: %s", rec.Body.String())
	}
	wantError(t, e.do("GET", "/api/v1/admin/me", session.Token, nil), http.StatusUnauthorized, "unauthenticated", "")
	if e.login("editor.b", "password-123") != nil {
		t.Fatal("the old password still signs in")
	}
	if e.login("editor.b", out.Password) == nil {
		t.Fatal("the new password does not sign in")
	}
	audit := e.do("GET", "/api/v1/admin/audit-log?target_kind=staff&target_id="+session.Staff.ID, auditor, nil)
	wantStatus(t, audit, http.StatusOK)
	if !strings.Contains(audit.Body.String(), "reset-password") || !strings.Contains(audit.Body.String(), `"detail":"password reset"`) {
		t.Fatalf("no audit entry: %s", audit.Body.String())
	}
	var leaked int64
	e.db.Table("audit_log").Where("detail LIKE ?", "%"+out.Password+"%").Count(&leaked)
	if strings.Contains(audit.Body.String(), out.Password) || leaked > 0 {
		t.Fatal("the audit log holds the new password")
	}
}

func TestChangePassword(t *testing.T) {
	e := newEnv(t)
	admin, _ := e.staffer([]staff.Role{staff.DeptAdmin})
	rec := e.do("POST", "/api/v1/admin/staff", admin, map[string]any{"username": "editor.c", "password": "password-123", "department_id": itoa(e.dept), "roles": []string{"editor"}})
	wantStatus(t, rec, http.StatusCreated)
	var m staffOut
	decode(t, rec, &m)
	// Sessions are issued directly: the sign-in throttle counts change
	// attempts too.
	session := func() string {
		id, _ := parseID("id", m.ID)
		tok, _, err := e.auth.Issue(context.Background(), auth.Staff, id)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	mine, other := session(), session()
	signsIn := func(pw string) bool {
		_, err := e.staff.Authenticate(context.Background(), "editor.c", pw)
		return err == nil
	}
	change := func(token, old, new string) *httptest.ResponseRecorder {
		return e.do("POST", "/api/v1/auth/change-password", token, map[string]string{"old_password": old, "new_password": new})
	}
	for name, tc := range map[string]struct {
		old, new, field string
	}{
		"ErrWrongOld": {"password-999", "brand-new-password", "old_password"},
		"ErrShort":    {"password-123", "short", "new_password"},
		"ErrSame":     {"password-123", "password-123", "new_password"},
		"ErrMissing":  {"", "brand-new-password", "old_password"},
	} {
		t.Run(name, func(t *testing.T) {
			before := e.snapshotStaff()
			wantError(t, change(mine, tc.old, tc.new), http.StatusBadRequest, "invalid_argument", tc.field)
			if e.snapshotStaff() != before {
				t.Fatal("a refused change changed staff")
			}
		})
	}
	t.Run("OK", func(t *testing.T) {
		wantStatus(t, change(mine, "password-123", "brand-new-password"), http.StatusNoContent)
		wantStatus(t, e.do("GET", "/api/v1/admin/me", mine, nil), http.StatusOK)
		wantError(t, e.do("GET", "/api/v1/admin/me", other, nil), http.StatusUnauthorized, "unauthenticated", "")
		if !signsIn("brand-new-password") || signsIn("password-123") {
			t.Fatal("the new password is not the one that signs in")
		}
		// One entry, naming the member, and neither password.
		var entries []struct{ TargetKind, TargetID, Detail string }
		e.db.Table("audit_log").Where("action = ?", "POST /api/v1/auth/change-password").Find(&entries)
		if len(entries) != 1 || entries[0].TargetKind != "staff" || entries[0].TargetID != m.ID || entries[0].Detail != "password changed" ||
			strings.Contains(entries[0].Detail, "password-123") || strings.Contains(entries[0].Detail, "brand-new") {
			t.Fatalf("audit entries %+v, want one naming staff %s", entries, m.ID)
		}
	})
	t.Run("ErrResident", func(t *testing.T) {
		resident, _ := e.resident("nopassword")
		wantError(t, change(resident, "password-123", "brand-new-password"), http.StatusForbidden, "permission_denied", "")
	})
	t.Run("ErrNoToken", func(t *testing.T) {
		wantError(t, change("", "password-123", "brand-new-password"), http.StatusUnauthorized, "unauthenticated", "")
	})
	t.Run("Throttled", func(t *testing.T) {
		var last *httptest.ResponseRecorder
		for range 10 {
			if last = change(mine, "wrong-guess-00", "brand-new-password-2"); last.Code == http.StatusTooManyRequests {
				break
			}
		}
		wantError(t, last, http.StatusTooManyRequests, "rate_limited", "")
	})
}

// TestDisableRacingSignIns: sign-ins racing a disabling never leave the
// member a working token once the disabling has answered, nor once the
// member is enabled again (tokens issued before the enabling stay dead).
func TestDisableRacingSignIns(t *testing.T) {
	e := newEnv(t)
	admin, _ := e.staffer([]staff.Role{staff.DeptAdmin})
	for round := range 4 {
		name := fmt.Sprintf("racer.%d", round)
		rec := e.do("POST", "/api/v1/admin/staff", admin, map[string]any{"username": name, "password": "password-123", "department_id": itoa(e.dept), "roles": []string{"editor"}})
		wantStatus(t, rec, http.StatusCreated)
		var m staffOut
		decode(t, rec, &m)
		var (
			mu     sync.Mutex
			tokens []string
			wg     sync.WaitGroup
		)
		for range 8 {
			wg.Go(func() {
				for range 3 {
					s, err := e.staff.Authenticate(context.Background(), name, "password-123")
					if err != nil {
						continue // disabled already
					}
					tok, _, err := e.auth.Issue(context.Background(), auth.Staff, s.ID)
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					tokens = append(tokens, tok)
					mu.Unlock()
				}
			})
		}
		wantStatus(t, e.do("POST", "/api/v1/admin/staff/"+m.ID+"/disable", admin, nil), http.StatusOK)
		wg.Wait()
		for _, tok := range tokens {
			if rec := e.do("GET", "/api/v1/admin/me", tok, nil); rec.Code != http.StatusUnauthorized {
				t.Fatalf("round %d: a token of the disabled member answers %d", round, rec.Code)
			}
		}
		wantStatus(t, e.do("POST", "/api/v1/admin/staff/"+m.ID+"/enable", admin, nil), http.StatusOK)
		for _, tok := range tokens {
			if rec := e.do("GET", "/api/v1/admin/me", tok, nil); rec.Code != http.StatusUnauthorized {
				t.Fatalf("round %d: a token issued before the enabling answers %d", round, rec.Code)
			}
		}
	}
}
