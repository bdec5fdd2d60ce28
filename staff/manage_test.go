package staff

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"

	"github.com/futian/ifutian/auth"
	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/dbtest"
)

// wantErr checks err's code and, for a field error, the field it names.
func wantErr(t *testing.T, err error, code, field string) {
	t.Helper()
	if code == "" {
		if err != nil {
			t.Fatalf("err=%v, want none", err)
		}
		return
	}
	e, ok := err.(*apperr.Error)
	if !ok || e.Code != code {
		t.Fatalf("err=%v, want code %s", err, code)
	}
	if field != "" {
		if _, ok := e.Fields[field]; !ok {
			t.Fatalf("err=%v names %v, want %s", err, e.Fields, field)
		}
	}
}

func TestDecideManage(t *testing.T) {
	d1, d2 := ptr(1), ptr(2)
	super := &Member{ID: 1, Roles: []Role{Superadmin}}
	admin := &Member{ID: 2, DepartmentID: d1, Roles: []Role{DeptAdmin}}
	streetAdmin := &Member{ID: 3, DepartmentID: d1, Roles: []Role{DeptAdmin}, Streets: []string{"华富街道", "莲花街道"}}
	for name, tc := range map[string]struct {
		actor  *Member
		target Member
		code   string
		field  string
	}{
		"SuperadminAnyone":          {super, Member{ID: 9, DepartmentID: d2, Roles: []Role{Editor}}, "", ""},
		"SuperadminOtherSuper":      {super, Member{ID: 9, Roles: []Role{Superadmin}}, "", ""},
		"SuperadminDistrictAudit":   {super, Member{ID: 9, Roles: []Role{Auditor}}, "", ""},
		"ErrSuperadminSelf":         {super, *super, apperr.PermissionDenied, ""},
		"AdminOwnDepartment":        {admin, Member{ID: 9, DepartmentID: d1, Roles: []Role{Editor}, Streets: []string{"华富街道"}}, "", ""},
		"AdminDisabledMember":       {admin, Member{ID: 9, DepartmentID: d1, Roles: []Role{Editor}, Disabled: true}, "", ""},
		"ErrAdminOtherDepartment":   {admin, Member{ID: 9, DepartmentID: d2, Roles: []Role{Editor}}, apperr.NotFound, ""},
		"ErrAdminDistrictAuditor":   {admin, Member{ID: 9, Roles: []Role{Auditor}}, apperr.NotFound, ""},
		"ErrAdminSuperadmin":        {admin, *super, apperr.NotFound, ""},
		"ErrAdminPeer":              {admin, Member{ID: 9, DepartmentID: d1, Roles: []Role{DeptAdmin}}, apperr.PermissionDenied, "roles"},
		"ErrAdminSelf":              {admin, *admin, apperr.PermissionDenied, ""},
		"StreetAdminWithinStreets":  {streetAdmin, Member{ID: 9, DepartmentID: d1, Roles: []Role{Editor}, Streets: []string{"莲花街道"}}, "", ""},
		"ErrStreetAdminEveryStreet": {streetAdmin, Member{ID: 9, DepartmentID: d1, Roles: []Role{Editor}}, apperr.NotFound, ""},
		"ErrStreetAdminOtherStreet": {streetAdmin, Member{ID: 9, DepartmentID: d1, Roles: []Role{Editor}, Streets: []string{"香蜜湖街道"}}, apperr.NotFound, ""},
		"ErrDisabledActor":          {&Member{ID: 2, DepartmentID: d1, Roles: []Role{DeptAdmin}, Disabled: true}, Member{ID: 9, DepartmentID: d1, Roles: []Role{Editor}}, apperr.NotFound, ""},
		"CommandLine":               {nil, *super, "", ""},
	} {
		t.Run(name, func(t *testing.T) {
			wantErr(t, decideManage(tc.actor, &tc.target), tc.code, tc.field)
		})
	}
}

func TestDecideUpdate(t *testing.T) {
	d1 := ptr(1)
	super := &Member{ID: 1, Roles: []Role{Superadmin}}
	admin := &Member{ID: 2, DepartmentID: d1, Roles: []Role{DeptAdmin}, Streets: []string{"华富街道", "莲花街道"}}
	editor := Member{ID: 9, DepartmentID: d1, Roles: []Role{Editor}, Streets: []string{"华富街道"}}
	auditor := Member{ID: 10, Roles: []Role{Auditor}}
	roles := func(rs ...Role) *[]Role { return &rs }
	streets := func(ss ...string) *[]string { return &ss }
	known := func(s string) bool { return s != "火星街道" }
	for name, tc := range map[string]struct {
		actor  *Member
		target Member
		patch  Patch
		code   string
		field  string
		want   Member
	}{
		"OKRoles":                       {admin, editor, Patch{Roles: roles(Editor, Reviewer)}, "", "", Member{Roles: []Role{Editor, Reviewer}, Streets: []string{"华富街道"}}},
		"OKStreets":                     {admin, editor, Patch{Streets: streets("莲花街道")}, "", "", Member{Roles: []Role{Editor}, Streets: []string{"莲花街道"}}},
		"OKSuperadminEveryStreet":       {super, editor, Patch{Streets: streets()}, "", "", Member{Roles: []Role{Editor}, Streets: []string{}}},
		"OKDistrictAuditorStays":        {super, auditor, Patch{Streets: streets("华富街道")}, "", "", Member{Roles: []Role{Auditor}, Streets: []string{"华富街道"}}},
		"ErrEmpty":                      {admin, editor, Patch{}, apperr.Invalid, "roles", Member{}},
		"ErrNoRoles":                    {admin, editor, Patch{Roles: roles()}, apperr.Invalid, "roles", Member{}},
		"ErrUnknownRole":                {admin, editor, Patch{Roles: roles("king")}, apperr.Invalid, "roles", Member{}},
		"ErrUnknownStreet":              {admin, editor, Patch{Streets: streets("火星街道")}, apperr.Invalid, "streets", Member{}},
		"ErrDistrictAccountEditor":      {super, auditor, Patch{Roles: roles(Editor)}, apperr.Invalid, "roles", Member{}},
		"ErrGrantDeptAdmin":             {admin, editor, Patch{Roles: roles(DeptAdmin)}, apperr.PermissionDenied, "roles", Member{}},
		"ErrGrantSuperadmin":            {admin, editor, Patch{Roles: roles(Superadmin)}, apperr.PermissionDenied, "roles", Member{}},
		"ErrWiderStreets":               {admin, editor, Patch{Streets: streets("香蜜湖街道")}, apperr.PermissionDenied, "streets", Member{}},
		"ErrEveryStreetFromStreetAdmin": {admin, editor, Patch{Streets: streets()}, apperr.PermissionDenied, "streets", Member{}},
		"ErrOutsideScope":               {admin, Member{ID: 11, DepartmentID: ptr(5), Roles: []Role{Editor}}, Patch{Roles: roles(Reviewer)}, apperr.NotFound, "", Member{}},
	} {
		t.Run(name, func(t *testing.T) {
			got, err := decideUpdate(tc.actor, tc.target, tc.patch, known)
			wantErr(t, err, tc.code, tc.field)
			if tc.code != "" {
				return
			}
			if fmt.Sprint(got.Roles, got.Streets) != fmt.Sprint(tc.want.Roles, tc.want.Streets) || got.ID != tc.target.ID || got.DepartmentID != tc.target.DepartmentID {
				t.Fatalf("got %+v, want roles %v streets %v", got, tc.want.Roles, tc.want.Streets)
			}
		})
	}
}

// manageEnv is a staff service wired to a real token store.
type manageEnv struct {
	t    *testing.T
	s    *Service
	auth *auth.Service
	dept int64
}

func newManageEnv(t *testing.T) *manageEnv {
	gdb := dbtest.Open(t)
	a := auth.New(auth.Deps{DB: gdb, ResidentTTL: time.Hour, StaffTTL: time.Hour})
	s := New(Deps{DB: gdb, BcryptCost: bcrypt.MinCost, Sessions: Sessions{
		RevokeTx: func(tx *gorm.DB, id int64, keep string) error { return a.RevokeOthersTx(tx, auth.Staff, id, keep) },
		Forget:   func(id int64) { a.Forget(auth.Staff, id) },
	}})
	d, err := s.CreateDepartment(context.Background(), "区司法局")
	if err != nil {
		t.Fatal(err)
	}
	return &manageEnv{t: t, s: s, auth: a, dept: d.ID}
}

func (e *manageEnv) member(name string, roles ...Role) *Member {
	e.t.Helper()
	n := NewMember{Username: name, Password: "password-" + name, Roles: roles}
	if roles[0] != Superadmin {
		n.DepartmentID = &e.dept
	}
	m, err := e.s.Create(context.Background(), nil, n, anyStreet)
	if err != nil {
		e.t.Fatal(err)
	}
	return m
}

func (e *manageEnv) token(m *Member) string {
	e.t.Helper()
	tok, _, err := e.auth.Issue(context.Background(), auth.Staff, m.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

func (e *manageEnv) live(tok string) bool {
	_, err := e.auth.Verify(context.Background(), tok)
	return err == nil
}

func TestSetDisabledRevokes(t *testing.T) {
	ctx := context.Background()
	e := newManageEnv(t)
	admin := e.member("dept.admin", DeptAdmin)
	ed := e.member("editor.one", Editor)
	tok := e.token(ed)
	if _, err := e.s.FindActive(ctx, ed.ID); err != nil { // cached
		t.Fatal(err)
	}
	m, err := e.s.SetDisabled(ctx, admin, ed.ID, true)
	if err != nil || !m.Disabled {
		t.Fatalf("SetDisabled=%+v, %v", m, err)
	}
	if e.live(tok) {
		t.Fatal("a disabled member's token still verifies")
	}
	if got, _ := e.s.FindActive(ctx, ed.ID); !got.Disabled {
		t.Fatal("FindActive serves the copy cached before the disabling")
	}
	if _, err := e.s.Authenticate(ctx, "editor.one", "password-editor.one"); err != ErrBadCredentials {
		t.Fatalf("disabled member signs in: %v", err)
	}
	if _, err := e.s.SetDisabled(ctx, admin, ed.ID, false); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.Authenticate(ctx, "editor.one", "password-editor.one"); err != nil {
		t.Fatalf("enabled member cannot sign in: %v", err)
	}
	if e.live(tok) {
		t.Fatal("enabling brought an old token back")
	}
}

func TestResetAndChangePassword(t *testing.T) {
	ctx := context.Background()
	e := newManageEnv(t)
	admin := e.member("dept.admin", DeptAdmin)
	ed := e.member("editor.one", Editor)
	old := e.token(ed)
	_, pw, err := e.s.ResetPassword(ctx, admin, ed.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(pw) < 20 {
		t.Fatalf("reset password %q is weak", pw)
	}
	if e.live(old) {
		t.Fatal("a token survived the password reset")
	}
	if _, err := e.s.Authenticate(ctx, "editor.one", "password-editor.one"); err != ErrBadCredentials {
		t.Fatalf("the old password still signs in: %v", err)
	}
	if _, err := e.s.Authenticate(ctx, "editor.one", pw); err != nil {
		t.Fatalf("the new password does not sign in: %v", err)
	}
	_, again, _ := e.s.ResetPassword(ctx, admin, ed.ID)
	if again == pw {
		t.Fatal("two resets gave the same password")
	}

	mine, other := e.token(ed), e.token(ed)
	wantErr(t, e.s.ChangePassword(ctx, ed, "wrong-password", "brand-new-password", mine), apperr.Invalid, "old_password")
	wantErr(t, e.s.ChangePassword(ctx, ed, again, "short", mine), apperr.Invalid, "new_password")
	wantErr(t, e.s.ChangePassword(ctx, ed, again, again, mine), apperr.Invalid, "new_password")
	if !e.live(other) {
		t.Fatal("a refused change revoked a session")
	}
	if err := e.s.ChangePassword(ctx, ed, again, "brand-new-password", mine); err != nil {
		t.Fatal(err)
	}
	if !e.live(mine) || e.live(other) {
		t.Fatalf("after the change: own session live=%v (want true), other live=%v (want false)", e.live(mine), e.live(other))
	}
	if _, err := e.s.Authenticate(ctx, "editor.one", "brand-new-password"); err != nil {
		t.Fatal(err)
	}
}

// TestConcurrentPasswordChanges: sessions changing one password at once
// with the same current password: exactly one change wins, and the
// password is the winner's.
func TestConcurrentPasswordChanges(t *testing.T) {
	ctx := context.Background()
	e := newManageEnv(t)
	ed := e.member("editor.one", Editor)
	const n = 12
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			errs[i] = e.s.ChangePassword(ctx, ed, "password-editor.one", fmt.Sprintf("new-password-%02d", i), "")
		})
	}
	wg.Wait()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil:
			if winner >= 0 {
				t.Fatalf("changes %d and %d both won", winner, i)
			}
			winner = i
		case apperr.CodeOf(err) == apperr.Conflict, apperr.CodeOf(err) == apperr.Invalid: // lost the race, or came after the winner
		default:
			t.Fatalf("change %d: %v", i, err)
		}
	}
	if winner < 0 {
		t.Fatal("no change won")
	}
	for i := range n {
		_, err := e.s.Authenticate(ctx, "editor.one", fmt.Sprintf("new-password-%02d", i))
		if (err == nil) != (i == winner) {
			t.Fatalf("password %d signs in: %v (winner %d)", i, err == nil, winner)
		}
	}
}

// TestMutualDisabling: superadmins disabling each other at once never
// leave the service without an enabled superadmin: a disabling is decided
// on the actor's account as it is at commit, so one disabled meanwhile can
// no longer disable anyone.
func TestMutualDisabling(t *testing.T) {
	ctx := context.Background()
	e := newManageEnv(t)
	const n = 8
	for round := range 5 {
		supers := make([]*Member, n)
		for i := range supers {
			supers[i] = e.member(fmt.Sprintf("super.%d.%d", round, i), Superadmin)
		}
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				// Each disables the next, in a ring.
				_, err := e.s.SetDisabled(ctx, supers[i], supers[(i+1)%n].ID, true)
				if err != nil && apperr.CodeOf(err) != apperr.NotFound {
					t.Errorf("disable: %v", err)
				}
			})
		}
		wg.Wait()
		enabled := 0
		for _, m := range supers {
			got, err := e.s.FindByID(ctx, m.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Disabled {
				enabled++
			}
		}
		if enabled == 0 {
			t.Fatalf("round %d: every superadmin of the ring is disabled", round)
		}
	}
}

func TestFind(t *testing.T) {
	ctx := context.Background()
	e := newManageEnv(t)
	other, err := e.s.CreateDepartment(ctx, "区住建局")
	if err != nil {
		t.Fatal(err)
	}
	super := e.member("super", Superadmin)
	admin := e.member("dept.admin", DeptAdmin)
	ed := e.member("editor.one", Editor)
	rev := e.member("reviewer.one", Reviewer)
	e.s.SetDisabled(ctx, admin, rev.ID, true)
	outsider, err := e.s.Create(ctx, nil, NewMember{Username: "outsider", Password: "password-123", DepartmentID: &other.ID, Roles: []Role{Editor}}, anyStreet)
	if err != nil {
		t.Fatal(err)
	}
	names := func(by Scope, f MemberFilter) []string {
		t.Helper()
		if f.Limit == 0 {
			f.Limit = 100
		}
		ms, _, err := e.s.Find(ctx, by, f)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, m := range ms {
			out = append(out, m.Username)
		}
		return out
	}
	for name, tc := range map[string]struct {
		by   Scope
		f    MemberFilter
		want string
	}{
		"Superadmin":       {super.Scope(), MemberFilter{}, "[super dept.admin editor.one reviewer.one outsider]"},
		"DeptAdmin":        {admin.Scope(), MemberFilter{}, "[dept.admin editor.one reviewer.one]"},
		"Role":             {admin.Scope(), MemberFilter{Role: Editor}, "[editor.one]"},
		"Query":            {super.Scope(), MemberFilter{Query: " ONE "}, "[editor.one reviewer.one]"},
		"Disabled":         {admin.Scope(), MemberFilter{Disabled: new(true)}, "[reviewer.one]"},
		"Active":           {admin.Scope(), MemberFilter{Disabled: new(false)}, "[dept.admin editor.one]"},
		"Department":       {super.Scope(), MemberFilter{DepartmentID: other.ID}, "[outsider]"},
		"OtherDeptByAdmin": {admin.Scope(), MemberFilter{DepartmentID: other.ID}, "[]"},
		"Nothing":          {(*Member)(nil).Scope(), MemberFilter{}, "[]"},
	} {
		t.Run(name, func(t *testing.T) {
			if got := fmt.Sprint(names(tc.by, tc.f)); got != tc.want {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
		})
	}
	t.Run("Pages", func(t *testing.T) {
		var seen []string
		f := MemberFilter{Limit: 2}
		for range 10 {
			ms, next, err := e.s.Find(ctx, super.Scope(), f)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range ms {
				seen = append(seen, m.Username)
			}
			if next == 0 {
				break
			}
			f.After = next
		}
		if got := fmt.Sprint(seen); got != "[super dept.admin editor.one reviewer.one outsider]" {
			t.Fatalf("paged through %s", got)
		}
	})
	t.Run("ErrFilter", func(t *testing.T) {
		_, _, err := e.s.Find(ctx, super.Scope(), MemberFilter{Role: "king", Limit: 10})
		wantErr(t, err, apperr.Invalid, "role")
		_, _, err = e.s.Find(ctx, super.Scope(), MemberFilter{Limit: 101})
		wantErr(t, err, apperr.Invalid, "page_size")
	})
	_ = ed
	_ = outsider
}

// TestStalePasswordChange: a change checked against a password that
// another session has replaced since is refused, not applied over it.
func TestStalePasswordChange(t *testing.T) {
	ctx := context.Background()
	e := newManageEnv(t)
	ed := e.member("editor.one", Editor)
	checked, err := e.s.FindByID(ctx, ed.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.s.ChangePassword(ctx, ed, "password-editor.one", "first-new-password", ""); err != nil {
		t.Fatal(err)
	}
	hash, _ := bcrypt.GenerateFromPassword([]byte("second-new-password"), bcrypt.MinCost)
	if err := e.s.replacePassword(ctx, ed.ID, checked.PasswordHash, string(hash), ""); err != ErrPasswordChanged {
		t.Fatalf("stale change: %v, want ErrPasswordChanged", err)
	}
	if _, err := e.s.Authenticate(ctx, "editor.one", "first-new-password"); err != nil {
		t.Fatalf("the first change was overwritten: %v", err)
	}
}
