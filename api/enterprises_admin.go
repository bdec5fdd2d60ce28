package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/futian/ifutian/enterprises"
	"github.com/futian/ifutian/internal/apperr"
)

// The staff side of the enterprise registry: search, one enterprise,
// credit records and benefit programs.

func (s *Server) listEnterprises(c *gin.Context) {
	limit, after, err := parseIDPage(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	es, next, err := s.Enterprises.Find(c.Request.Context(), actor(c).Scope(), enterprises.EnterpriseFilter{
		Q: c.Query("q"), Street: c.Query("street"), Industry: c.Query("industry"), Grade: c.Query("grade"),
		After: after, Limit: limit,
	})
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newIDPage(es, next))
}

func (s *Server) getEnterpriseAdmin(c *gin.Context) {
	d, err := s.Enterprises.AdminDetail(c.Request.Context(), actor(c).Scope(), c.Param("uscc"))
	if err != nil {
		s.fail(c, err)
		return
	}
	auditDetail(c, "enterprise "+d.USCC)
	c.JSON(http.StatusOK, d)
}

func (s *Server) listCreditRecords(c *gin.Context) {
	limit, after, err := parseIDPage(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	f := enterprises.CreditRecordFilter{
		USCC: c.Query("uscc"), Kind: c.Query("kind"), CaseRef: c.Query("case_ref"), After: after, Limit: limit,
	}
	if v := c.Query("department_id"); v != "" {
		id, ok := parseIDString(v)
		if !ok {
			s.fail(c, apperr.Field("department_id", "须为部门 ID"))
			return
		}
		f.DepartmentID = id
	}
	recs, next, err := s.Enterprises.FindCreditRecords(c.Request.Context(), actor(c).Scope(), f)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newIDPage(recs, next))
}

func (s *Server) listBenefitPrograms(c *gin.Context) {
	limit, after, err := parseIDPage(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	ps, next, err := s.Enterprises.FindPrograms(c.Request.Context(), actor(c).Scope(), enterprises.ProgramFilter{
		Status: c.Query("status"), After: after, Limit: limit,
	})
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newIDPage(ps, next))
}

func (s *Server) listProgramMatches(c *gin.Context) {
	limit, after, err := parseIDPage(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	ms, next, err := s.Enterprises.FindMatches(c.Request.Context(), actor(c).Scope(), pathID(c, "id"), after, limit)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newIDPage(ms, next))
}

func (s *Server) endBenefitProgram(c *gin.Context) {
	p, err := s.Enterprises.EndProgram(c.Request.Context(), actor(c), pathID(c, "id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, p)
}
