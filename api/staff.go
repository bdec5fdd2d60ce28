package api

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/futian/ifutian/staff"
)

// createDepartmentRequest names a new department.
type createDepartmentRequest struct {
	Name string `json:"name" binding:"required" doc:"1–64 characters, unique" example:"华富街道办事处"`
}

var createDepartmentOp = op{
	Tag: "admin-staff", Summary: "Create a department (superadmin)",
	Description: "Superadmin only. A second department with the same name is 409.",
	Body:        createDepartmentRequest{},
	Replies:     []reply{created(staff.Department{})},
	Errors:      []int{http.StatusConflict},
}

func (s *Server) createDepartment(c *gin.Context) {
	var req createDepartmentRequest
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	d, err := s.Staff.CreateDepartment(c.Request.Context(), req.Name)
	if err != nil {
		s.fail(c, err)
		return
	}
	auditDetail(c, "department "+strconv.FormatInt(d.ID, 10))
	c.JSON(http.StatusCreated, d)
}

var listDepartmentsOp = op{
	Tag: "admin-staff", Summary: "List departments",
	Description: "Every department, by ID: their names, for every staff member (choosing a department when creating staff, " +
		"showing whose object something is).",
	Replies: []reply{ok(page[staff.Department]{})},
}

func (s *Server) listDepartments(c *gin.Context) {
	ds, err := s.Staff.FindDepartments(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newPage(ds, ""))
}

var createStaffOp = op{
	Tag: "admin-staff", Summary: "Create a staff member (superadmin, dept_admin)",
	Description: "A dept_admin creates members only within their own scope: in their own department (else 403 naming " +
		"`department_id`; so never a district account) and, if they are limited to streets, limited to some of those streets " +
		"(else 403 naming `streets`); they cannot grant superadmin or dept_admin (403 naming `roles`). A username taken is 409.",
	Body:    staff.NewMember{},
	Replies: []reply{created(staff.Member{})},
	Errors:  []int{http.StatusConflict},
}

func (s *Server) createStaff(c *gin.Context) {
	var req staff.NewMember
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	m, err := s.Staff.Create(c.Request.Context(), actor(c), req, s.Residents.Regions().IsStreet)
	if err != nil {
		s.fail(c, err)
		return
	}
	auditDetail(c, "staff "+strconv.FormatInt(m.ID, 10)+" "+m.Username)
	c.JSON(http.StatusCreated, m)
}

type staffQuery struct {
	pageQuery
	DepartmentID int64      `form:"department_id,string" doc:"members of this department"`
	Role         staff.Role `form:"role" doc:"members holding this role"`
	Street       string     `form:"street" doc:"members limited to this street (among others)"`
	Q            string     `form:"q" doc:"part of the username"`
	Disabled     *bool      `form:"disabled" doc:"disabled (true) or active (false) members only"`
}

var listStaffOp = op{
	Tag: "admin-staff", Summary: "List staff (superadmin, dept_admin)",
	Description: "The members within my scope, by ID: a superadmin sees everyone; a dept_admin the members of their department " +
		"(if they are limited to streets, the members limited to some of those streets). Filters: department_id, role (400 " +
		"naming role if unknown), street (members limited to it), q (part of the username), disabled (true or false).",
	Query:   staffQuery{},
	Replies: []reply{ok(page[staff.Member]{})},
}

func (s *Server) listStaff(c *gin.Context) {
	var q staffQuery
	if err := bindQuery(c, &q); err != nil {
		s.fail(c, err)
		return
	}
	limit, after, err := q.idPage()
	if err != nil {
		s.fail(c, err)
		return
	}
	f := staff.MemberFilter{
		DepartmentID: q.DepartmentID, Role: q.Role, Street: q.Street, Query: q.Q, Disabled: q.Disabled,
		After: after, Limit: limit,
	}
	ms, next, err := s.Staff.Find(c.Request.Context(), actor(c).Scope(), f)
	if err != nil {
		s.fail(c, err)
		return
	}
	respondCounted(c, s, newIDPage(ms, next), func() (int64, bool, error) {
		n, err := s.Staff.CountFound(c.Request.Context(), actor(c).Scope(), f)
		return n, false, err
	})
}

// manageStaffRules is what every change of a member says of who may make it.
const manageStaffRules = "A superadmin manages everyone but themselves; a dept_admin manages the members within their scope (as " +
	"listed by `GET /admin/staff`) other than superadmins and dept_admins (403 naming roles). A member outside my scope is 404; " +
	"my own account is 403 (my password: `POST /auth/change-password`). "

var updateStaffOp = op{
	Tag: "admin-staff", Summary: "Change a member's roles and streets (superadmin, dept_admin)",
	Description: manageStaffRules + "The new grants follow the rules of creation: roles known and at least one, streets known " +
		"(400 naming the field); a member without a department stays a superadmin or a district auditor (400 naming roles); a " +
		"dept_admin grants neither superadmin nor dept_admin (403 naming roles) nor streets beyond their own (403 naming " +
		"streets). An omitted or null field is left as it is; streets [] means every street. The change takes effect on the " +
		"member's next request (on other instances within 5 s).",
	Body:    staff.Patch{},
	Replies: []reply{ok(staff.Member{})},
}

func (s *Server) updateStaff(c *gin.Context) {
	var p staff.Patch
	if err := bindJSON(c, &p); err != nil {
		s.fail(c, err)
		return
	}
	m, err := s.Staff.Update(c.Request.Context(), actor(c), pathID(c, "id"), p, s.Residents.Regions().IsStreet)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, m)
}

var disableStaffOp = op{
	Tag: "admin-staff", Summary: "Disable a member (superadmin, dept_admin)",
	Description: manageStaffRules + "The member can no longer sign in and every token of theirs is revoked at once. Disabling " +
		"a disabled member changes nothing. Audited.",
	Replies: []reply{ok(staff.Member{})},
}

func (s *Server) disableStaff(c *gin.Context) { s.setStaffDisabled(c, true) }

var enableStaffOp = op{
	Tag: "admin-staff", Summary: "Enable a member again (superadmin, dept_admin)",
	Description: manageStaffRules + "The member may sign in again; tokens issued before stay revoked. Audited.",
	Replies:     []reply{ok(staff.Member{})},
}

func (s *Server) enableStaff(c *gin.Context) { s.setStaffDisabled(c, false) }

func (s *Server) setStaffDisabled(c *gin.Context, disabled bool) {
	m, err := s.Staff.SetDisabled(c.Request.Context(), actor(c), pathID(c, "id"), disabled)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, m)
}

// staffPasswordReset is the answer of a password reset: the only time the
// new password is shown.
type staffPasswordReset struct {
	Staff    staff.Member `json:"staff"`
	Password string       `json:"password" doc:"The new password, shown this once."`
}

var resetStaffPasswordOp = op{
	Tag: "admin-staff", Summary: "Reset a member's password (superadmin, dept_admin)",
	Description: manageStaffRules + "Sets a new random password (26 characters, 130 bits) and revokes every token of the member. " +
		"The answer is the only time the password is shown: it is stored as a hash, and the audit entry does not carry it.",
	Replies: []reply{ok(staffPasswordReset{})},
}

func (s *Server) resetStaffPassword(c *gin.Context) {
	m, pw, err := s.Staff.ResetPassword(c.Request.Context(), actor(c), pathID(c, "id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, staffPasswordReset{Staff: *m, Password: pw})
}

// changePasswordRequest is a staff member's change of their own password.
type changePasswordRequest struct {
	OldPassword string `json:"old_password" binding:"required,max=128" doc:"the current password" example:"change-me-please"`
	NewPassword string `json:"new_password" binding:"required,max=128" doc:"10–72 characters, not the current one" example:"a-new-long-passphrase"`
}

var changePasswordOp = op{
	Tag: "auth", Summary: "工作人员修改自己的密码",
	Description: "A staff member changes their own password: old_password must be the current one (else 400 naming old_password), " +
		"new_password 10–72 characters and not the current one (else 400 naming new_password). Every other session of the member " +
		"is signed out at once; the calling token stays valid. A wrong old_password counts as a failed sign-in of the member from " +
		"the caller's address, and the sign-in throttle applies (429 with Retry-After). 409 if the password was changed meanwhile " +
		"by another session. Residents have no password: 403. Audited, without either password.",
	Body:    changePasswordRequest{},
	Replies: []reply{{Status: http.StatusNoContent, Description: "Changed; other sessions revoked"}},
	Errors:  []int{http.StatusConflict, http.StatusTooManyRequests},
}

// changePassword changes the signed-in member's own password. A
// wrong old password counts as a failed sign-in, so a stolen session
// cannot be used to guess the password.
func (s *Server) changePassword(c *gin.Context) {
	var req changePasswordRequest
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	m := actor(c)
	keys := s.loginKeys(c, m.Username)
	if err := s.loginAllowed(c, keys); err != nil {
		s.fail(c, err)
		return
	}
	if err := s.Staff.ChangePassword(c.Request.Context(), m, req.OldPassword, req.NewPassword, c.GetString(tokenKey)); err != nil {
		if isWrongPassword(err, "old_password") {
			s.loginFailed(c, keys)
		}
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
