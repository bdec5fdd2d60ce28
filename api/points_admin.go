package api

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/points"
)

// The points screens of the console (issue #14) and the appeals of issue
// #16: rules, rewards, deductions and appeals as staff manage them, and the
// resident's own appeals.

func (s *Server) listManagedRules(c *gin.Context) {
	limit, after, err := parseIDPage(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	f := points.ManagedRuleFilter{Q: c.Query("q"), After: after, Limit: limit}
	if f.Active, err = parseBool("active", c.Query("active")); err != nil {
		s.fail(c, err)
		return
	}
	rs, next, err := s.Points.FindManagedRules(c.Request.Context(), actor(c), f)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newIDPage(rs, next))
}

func (s *Server) updateRule(c *gin.Context) {
	var req struct {
		Name        *string         `json:"name" binding:"omitempty,max=64"`
		Description *string         `json:"description" binding:"omitempty,max=500"`
		Points      *int            `json:"points" binding:"omitempty,min=1,max=10000"`
		DailyCap    *int            `json:"daily_cap" binding:"omitempty,min=0,max=1000"`
		MonthlyCap  *int            `json:"monthly_cap" binding:"omitempty,min=0,max=10000"`
		Expiry      *string         `json:"expiry" binding:"omitempty,oneof=never days end_of_next_year"`
		ExpiryDays  *int            `json:"expiry_days" binding:"omitempty,min=0,max=3650"`
		ValidFrom   json.RawMessage `json:"valid_from"`
		ValidUntil  json.RawMessage `json:"valid_until"`
	}
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	p := points.RulePatch{Name: req.Name, Description: req.Description, Points: req.Points, DailyCap: req.DailyCap,
		MonthlyCap: req.MonthlyCap, Expiry: req.Expiry, ExpiryDays: req.ExpiryDays}
	var fromErr, untilErr error
	p.SetValidFrom, p.ValidFrom, fromErr = nullableTime("valid_from", req.ValidFrom)
	p.SetValidUntil, p.ValidUntil, untilErr = nullableTime("valid_until", req.ValidUntil)
	if err := mergeFields(fromErr, untilErr); err != nil {
		s.fail(c, err)
		return
	}
	p.ValidFrom, p.ValidUntil = utc(p.ValidFrom), utc(p.ValidUntil)
	r, err := s.Points.UpdateRule(c.Request.Context(), actor(c), pathID(c, "id"), p)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, r)
}

func (s *Server) listDeductions(c *gin.Context) {
	limit, before, err := parseIDPage(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	f := points.DeductionFilter{CaseRef: c.Query("case_ref"), Before: before, Limit: limit}
	if v := c.Query("resident_id"); v != "" {
		if f.ResidentID, err = parseID("resident_id", v); err != nil {
			s.fail(c, err)
			return
		}
	}
	if f.Since, f.Until, err = parseSinceUntil(c); err != nil {
		s.fail(c, err)
		return
	}
	ds, next, err := s.Points.FindDeductions(c.Request.Context(), actor(c), f)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newIDPage(ds, next))
}

func (s *Server) listAppeals(c *gin.Context) {
	limit, after, err := parseIDPage(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	f := points.AppealFilter{Status: c.Query("status"), After: after, Limit: limit}
	if f.Since, f.Until, err = parseSinceUntil(c); err != nil {
		s.fail(c, err)
		return
	}
	as, next, err := s.Points.FindAppeals(c.Request.Context(), actor(c), f)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newIDPage(as, next))
}

// listMyAppeals is the resident's own appeals, newest first.
func (s *Server) listMyAppeals(c *gin.Context) {
	limit, before, err := parseIDPage(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	as, next, err := s.Points.FindResidentAppeals(c.Request.Context(), residentID(c), before, limit)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newIDPage(as, next))
}

func (s *Server) listManagedRewards(c *gin.Context) {
	limit, after, err := parseIDPage(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	rs, next, err := s.Points.FindManagedRewards(c.Request.Context(), actor(c), points.RewardFilter{
		Status: c.Query("status"), Q: c.Query("q"), After: after, Limit: limit,
	})
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newIDPage(rs, next))
}

func (s *Server) updateReward(c *gin.Context) {
	var req struct {
		Name             *string         `json:"name" binding:"omitempty,max=64"`
		Description      *string         `json:"description" binding:"omitempty,max=1000"`
		Points           *int            `json:"points" binding:"omitempty,min=1,max=1000000"`
		PerResidentLimit *int            `json:"per_resident_limit" binding:"omitempty,min=0,max=1000"`
		MinLevel         *int            `json:"min_level" binding:"omitempty,min=0,max=100"`
		ValidFrom        json.RawMessage `json:"valid_from"`
		ValidUntil       json.RawMessage `json:"valid_until"`
	}
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	p := points.RewardPatch{Name: req.Name, Description: req.Description, Points: req.Points,
		PerResidentLimit: req.PerResidentLimit, MinLevel: req.MinLevel}
	var fromErr, untilErr error
	p.SetValidFrom, p.ValidFrom, fromErr = nullableTime("valid_from", req.ValidFrom)
	p.SetValidUntil, p.ValidUntil, untilErr = nullableTime("valid_until", req.ValidUntil)
	if err := mergeFields(fromErr, untilErr); err != nil {
		s.fail(c, err)
		return
	}
	p.ValidFrom, p.ValidUntil = utc(p.ValidFrom), utc(p.ValidUntil)
	r, err := s.Points.UpdateReward(c.Request.Context(), actor(c), pathID(c, "id"), p)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, r)
}

func (s *Server) adjustRewardStock(c *gin.Context) {
	var req struct {
		Delta *int `json:"delta" binding:"required,min=-10000000,max=10000000"`
	}
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	r, err := s.Points.AdjustStock(c.Request.Context(), actor(c), pathID(c, "id"), *req.Delta)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, r)
}

func (s *Server) withdrawReward(c *gin.Context) {
	r, err := s.Points.WithdrawReward(c.Request.Context(), actor(c), pathID(c, "id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, r)
}

// throttleLookup takes one resident look-up of the calling member: a find
// by phone number, or attendance recorded by a typed resident ID. Every way
// of naming a resident that could be tried in bulk shares this limit.
func (s *Server) throttleLookup(c *gin.Context) error {
	key := strconv.FormatInt(actor(c).ID, 10)
	if err := s.throttle(c, "resident-lookup:"+key, s.Limits.ResidentLookup); err != nil {
		return err
	}
	return s.throttle(c, "resident-lookup-day:"+key, s.Limits.ResidentLookupDaily)
}

// parseSinceUntil reads the optional since and until query parameters of
// a list (RFC 3339).
func parseSinceUntil(c *gin.Context) (since, until *time.Time, err error) {
	var sinceErr, untilErr error
	since, sinceErr = parseTime("since", c.Query("since"))
	until, untilErr = parseTime("until", c.Query("until"))
	if err := mergeFields(sinceErr, untilErr); err != nil {
		return nil, nil, err
	}
	return since, until, nil
}

// parseBool reads an optional true/false query parameter.
func parseBool(field, v string) (*bool, error) {
	switch v {
	case "":
		return nil, nil
	case "true", "1":
		t := true
		return &t, nil
	case "false", "0":
		f := false
		return &f, nil
	}
	return nil, apperr.Field(field, "须为 true 或 false")
}
