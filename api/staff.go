package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

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

func (s *Server) listAuditLog(c *gin.Context) {
	limit, before, err := parseIDPage(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	f := staff.AuditFilter{
		Action: c.Query("action"), TargetKind: c.Query("target_kind"), TargetID: c.Query("target_id"),
		Before: before, Limit: limit,
	}
	if v := c.Query("actor_id"); v != "" {
		if f.ActorID, err = parseID("actor_id", v); err != nil {
			s.fail(c, err)
			return
		}
	}
	for name, dst := range map[string]*time.Time{"since": &f.Since, "until": &f.Until} {
		t, err := parseTime(name, c.Query(name))
		if err != nil {
			s.fail(c, err)
			return
		}
		if t != nil {
			*dst = *t
		}
	}
	es, next, err := s.Staff.FindAudit(c.Request.Context(), actor(c).Scope(), f)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newIDPage(es, next))
}
