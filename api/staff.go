package api

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/staff"
)

func (s *Server) createDepartment(c *gin.Context) {
	var req struct {
		Name string `json:"name" binding:"required"`
	}
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

func (s *Server) listDepartments(c *gin.Context) {
	ds, err := s.Staff.FindDepartments(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newPage(ds, ""))
}

func (s *Server) createStaff(c *gin.Context) {
	var req struct {
		Username     string       `json:"username" binding:"required"`
		Password     string       `json:"password" binding:"required"`
		DepartmentID *int64       `json:"department_id,string"`
		Roles        []staff.Role `json:"roles" binding:"required"`
		Streets      []string     `json:"streets"`
	}
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	m, err := s.Staff.Create(c.Request.Context(), actor(c), staff.NewMember{
		Username: req.Username, Password: req.Password, DepartmentID: req.DepartmentID,
		Roles: req.Roles, Streets: req.Streets,
	}, s.Residents.Regions().IsStreet)
	if err != nil {
		s.fail(c, err)
		return
	}
	auditDetail(c, "staff "+strconv.FormatInt(m.ID, 10)+" "+m.Username)
	c.JSON(http.StatusCreated, m)
}

func (s *Server) listStaff(c *gin.Context) {
	limit, after, err := parseIDPage(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	f := staff.MemberFilter{
		Role: staff.Role(c.Query("role")), Street: c.Query("street"), Query: c.Query("q"),
		After: after, Limit: limit,
	}
	if f.Role != "" && !slices.Contains(staff.Roles, f.Role) {
		s.fail(c, apperr.Field("role", "未知角色"))
		return
	}
	if v := c.Query("department_id"); v != "" {
		if f.DepartmentID, err = parseID("department_id", v); err != nil {
			s.fail(c, err)
			return
		}
	}
	switch v := c.Query("disabled"); v {
	case "":
	case "true", "false":
		d := v == "true"
		f.Disabled = &d
	default:
		s.fail(c, apperr.Field("disabled", "须为 true 或 false"))
		return
	}
	ms, next, err := s.Staff.Find(c.Request.Context(), actor(c).Scope(), f)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newIDPage(ms, next))
}

func (s *Server) updateStaff(c *gin.Context) {
	var req struct {
		Roles   *[]staff.Role `json:"roles"`
		Streets *[]string     `json:"streets"`
	}
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	m, err := s.Staff.Update(c.Request.Context(), actor(c), pathID(c, "id"),
		staff.Patch{Roles: req.Roles, Streets: req.Streets}, s.Residents.Regions().IsStreet)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, m)
}

func (s *Server) disableStaff(c *gin.Context) { s.setStaffDisabled(c, true) }

func (s *Server) enableStaff(c *gin.Context) { s.setStaffDisabled(c, false) }

func (s *Server) setStaffDisabled(c *gin.Context, disabled bool) {
	m, err := s.Staff.SetDisabled(c.Request.Context(), actor(c), pathID(c, "id"), disabled)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, m)
}

// passwordReset is the answer of a password reset: the only time the new
// password is shown.
type passwordReset struct {
	Staff    *staff.Member `json:"staff"`
	Password string        `json:"password"`
}

func (s *Server) resetStaffPassword(c *gin.Context) {
	m, pw, err := s.Staff.ResetPassword(c.Request.Context(), actor(c), pathID(c, "id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, passwordReset{Staff: m, Password: pw})
}

// changePassword changes the signed-in member's own password. A
// wrong old password counts as a failed sign-in, so a stolen session
// cannot be used to guess the password.
func (s *Server) changePassword(c *gin.Context) {
	var req struct {
		OldPassword string `json:"old_password" binding:"required,max=128"`
		NewPassword string `json:"new_password" binding:"required,max=128"`
	}
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
