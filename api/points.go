package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/futian/ifutian/points"
)

func (s *Server) getAccount(c *gin.Context) {
	acc, err := s.Points.FindAccount(c.Request.Context(), residentID(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, acc)
}

func (s *Server) listTransactions(c *gin.Context) {
	limit, before, err := parseIDPage(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	ts, next, err := s.Points.FindTransactions(c.Request.Context(), residentID(c), before, limit)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newIDPage(ts, next))
}

// listRules is public: the rules currently in force or still to come.
func (s *Server) listRules(c *gin.Context) {
	limit, after, err := parseIDPage(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	now := time.Now()
	rs, next, err := s.Points.FindRules(c.Request.Context(), points.RuleFilter{ActiveAt: &now, After: after, Limit: limit})
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newIDPage(rs, next))
}

func (s *Server) leaderboard(c *gin.Context) {
	p, err := parsePage(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	items, err := s.Points.Leaderboard(c.Request.Context(), residentID(c), c.Query("scope"), p.Limit)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newPage(items, ""))
}

func (s *Server) listRewards(c *gin.Context) {
	limit, after, err := parseIDPage(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	rs, next, err := s.Points.FindRewards(c.Request.Context(), time.Now(), after, limit)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newIDPage(rs, next))
}

func (s *Server) redeemReward(c *gin.Context) {
	red, repeated, err := s.Points.Redeem(c.Request.Context(), residentID(c), pathID(c, "id"), strings.TrimSpace(c.GetHeader("Idempotency-Key")))
	if err != nil {
		s.fail(c, err)
		return
	}
	respondCreated(c, !repeated, gin.H{"redemption": red})
}

func (s *Server) listRedemptions(c *gin.Context) {
	limit, before, err := parseIDPage(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	reds, next, err := s.Points.FindRedemptions(c.Request.Context(), residentID(c), before, limit)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newIDPage(reds, next))
}

func (s *Server) cancelRedemption(c *gin.Context) {
	red, err := s.Points.CancelRedemption(c.Request.Context(), residentID(c), pathID(c, "id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"redemption": red})
}

func (s *Server) createAppeal(c *gin.Context) {
	var req struct {
		TransactionID string `json:"transaction_id" binding:"required"`
		Reason        string `json:"reason" binding:"required,max=500"`
	}
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	txID, err := parseID("transaction_id", req.TransactionID)
	if err != nil {
		s.fail(c, err)
		return
	}
	ap, err := s.Points.CreateAppeal(c.Request.Context(), residentID(c), txID, req.Reason)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, ap)
}

func (s *Server) awardPoints(c *gin.Context) {
	var req struct {
		ResidentID string `json:"resident_id" binding:"required"`
		RuleCode   string `json:"rule_code" binding:"required,max=32"`
		ExternalID string `json:"external_id" binding:"required,max=64"`
		Note       string `json:"note" binding:"max=200"`
	}
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	rid, err := parseID("resident_id", req.ResidentID)
	if err != nil {
		s.fail(c, err)
		return
	}
	t, repeated, err := s.Points.Award(c.Request.Context(), actor(c), points.AwardRequest{
		ResidentID: rid, RuleCode: req.RuleCode, ExternalID: req.ExternalID, Note: req.Note,
	})
	if err != nil {
		s.fail(c, err)
		return
	}
	auditDetail(c, "transaction "+strconv.FormatInt(t.ID, 10))
	respondCreated(c, !repeated, t)
}

func (s *Server) deductPoints(c *gin.Context) {
	var req struct {
		ResidentID string `json:"resident_id" binding:"required"`
		Points     int64  `json:"points" binding:"required,min=1,max=10000"`
		CaseRef    string `json:"case_ref" binding:"required,max=64"`
		Reason     string `json:"reason" binding:"required,max=200"`
	}
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	rid, err := parseID("resident_id", req.ResidentID)
	if err != nil {
		s.fail(c, err)
		return
	}
	t, repeated, err := s.Points.Deduct(c.Request.Context(), actor(c), points.DeductRequest{
		ResidentID: rid, Points: req.Points, CaseRef: req.CaseRef, Reason: req.Reason,
	})
	if err != nil {
		s.fail(c, err)
		return
	}
	respondCreated(c, !repeated, t)
}

func (s *Server) decideAppeal(c *gin.Context) {
	var req struct {
		Approve *bool  `json:"approve" binding:"required"`
		Note    string `json:"note" binding:"max=500"`
	}
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	ap, err := s.Points.DecideAppeal(c.Request.Context(), actor(c), pathID(c, "id"), *req.Approve, req.Note)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, ap)
}

func (s *Server) createReward(c *gin.Context) {
	var req struct {
		Name             string     `json:"name" binding:"required,max=64"`
		Description      string     `json:"description" binding:"max=1000"`
		Points           int        `json:"points" binding:"required,min=1"`
		Stock            int        `json:"stock" binding:"min=0"`
		PerResidentLimit int        `json:"per_resident_limit" binding:"min=0"`
		MinLevel         int        `json:"min_level" binding:"min=0"`
		ValidFrom        *time.Time `json:"valid_from"`
		ValidUntil       *time.Time `json:"valid_until"`
	}
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	r, err := s.Points.CreateReward(c.Request.Context(), actor(c), points.Reward{
		Name: req.Name, Description: req.Description, Points: req.Points, Stock: req.Stock,
		PerResidentLimit: req.PerResidentLimit, MinLevel: req.MinLevel, ValidFrom: utc(req.ValidFrom), ValidUntil: utc(req.ValidUntil),
	})
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, r)
}

func (s *Server) verifyVoucher(c *gin.Context) {
	var req struct {
		VoucherCode string `json:"voucher_code" binding:"required,max=16"`
	}
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	red, err := s.Points.VerifyVoucher(c.Request.Context(), actor(c), req.VoucherCode)
	if err != nil {
		s.fail(c, err)
		return
	}
	auditDetail(c, "redemption "+strconv.FormatInt(red.ID, 10))
	c.JSON(http.StatusOK, gin.H{"redemption": red})
}

func (s *Server) saveRule(c *gin.Context) {
	var req struct {
		Code         string     `json:"code" binding:"required,max=32"`
		Name         string     `json:"name" binding:"required,max=64"`
		Description  string     `json:"description" binding:"max=500"`
		Points       int        `json:"points" binding:"required,min=1,max=10000"`
		DailyCap     int        `json:"daily_cap" binding:"min=0"`
		MonthlyCap   int        `json:"monthly_cap" binding:"min=0"`
		DepartmentID *int64     `json:"department_id,string"`
		ValidFrom    *time.Time `json:"valid_from"`
		ValidUntil   *time.Time `json:"valid_until"`
		Expiry       string     `json:"expiry" binding:"omitempty,oneof=never days end_of_next_year"`
		ExpiryDays   int        `json:"expiry_days" binding:"min=0,max=3650"`
	}
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	r, created, err := s.Points.SaveRule(c.Request.Context(), actor(c), points.Rule{
		Code: req.Code, Name: req.Name, Description: req.Description, Points: req.Points,
		DailyCap: req.DailyCap, MonthlyCap: req.MonthlyCap, DepartmentID: req.DepartmentID,
		ValidFrom: utc(req.ValidFrom), ValidUntil: utc(req.ValidUntil), Expiry: req.Expiry, ExpiryDays: req.ExpiryDays,
	})
	if err != nil {
		s.fail(c, err)
		return
	}
	respondCreated(c, created, r)
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
