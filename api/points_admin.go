package api

import (
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

type listManagedRulesQuery struct {
	pageQuery
	Active *bool  `form:"active" doc:"true: rules in their validity window now; false: ended or not yet begun"`
	Q      string `form:"q" binding:"max=64" doc:"a substring of the code or the name"`
}

var listManagedRulesOp = op{
	Tag:     "admin-points",
	Summary: "List earning rules (console)",
	Description: "points_officer or dept_admin. Every rule the caller may award under or manage: their department's and the " +
		"district-wide ones (all for a superadmin), inactive ones included, by ID, each with active and editable. Filters: " +
		"active (in the validity window now, or not), q (a substring of code or name).",
	Query:   listManagedRulesQuery{},
	Replies: []reply{ok(page[points.ManagedRule]{})},
}

func (s *Server) listManagedRules(c *gin.Context) {
	var q listManagedRulesQuery
	if err := bindQuery(c, &q); err != nil {
		s.fail(c, err)
		return
	}
	limit, after, err := q.idPage()
	if err != nil {
		s.fail(c, err)
		return
	}
	f := points.ManagedRuleFilter{Active: q.Active, Q: q.Q, After: after, Limit: limit}
	rs, next, err := s.Points.FindManagedRules(c.Request.Context(), actor(c), f)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newIDPage(rs, next))
}

var updateRuleOp = op{
	Tag:     "admin-points",
	Summary: "Edit an earning rule",
	Description: "points_officer or dept_admin of the rule's department (a district-wide rule: superadmin only, else 403). " +
		"Fields to change; absent fields stay, valid_from/valid_until null clears them; the code and the department never " +
		"change. Saves a new version (awards made before keep the version they used); a patch that changes nothing saves " +
		"none. Another department's rule is 404, like a missing one.",
	Body:    points.RulePatch{},
	Replies: []reply{ok(points.ManagedRule{})},
}

func (s *Server) updateRule(c *gin.Context) {
	var p points.RulePatch
	if err := bindJSON(c, &p); err != nil {
		s.fail(c, err)
		return
	}
	r, err := s.Points.UpdateRule(c.Request.Context(), actor(c), pathID(c, "id"), p)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, r)
}

// sinceUntil is the time window of a list's query: since and until as
// RFC 3339 times (parsed by times).
type sinceUntil struct {
	Since string `form:"since" format:"date-time" doc:"only those at or after this time (RFC 3339)"`
	Until string `form:"until" format:"date-time" doc:"only those before this time (RFC 3339); must be after since"`
}

// times parses the window, naming a bad bound.
func (w sinceUntil) times() (since, until *time.Time, err error) {
	var sinceErr, untilErr error
	since, sinceErr = parseTime("since", w.Since)
	until, untilErr = parseTime("until", w.Until)
	if err := mergeFields(sinceErr, untilErr); err != nil {
		return nil, nil, err
	}
	return since, until, nil
}

type listDeductionsQuery struct {
	pageQuery
	sinceUntil
	CaseRef    string `form:"case_ref" binding:"max=64" doc:"exactly this case reference"`
	ResidentID int64  `form:"resident_id,string" doc:"this resident's"`
}

var listDeductionsOp = op{
	Tag:     "admin-points",
	Summary: "List deductions",
	Description: "points_officer or dept_admin. The deductions in the caller's scope (their department's, of residents on " +
		"their streets; a superadmin's: all), newest first, with the resident (masked), who recorded each and its appeal. A " +
		"read of personal data: audited. Filters: case_ref (exact), resident_id, since/until (when recorded).",
	Query:   listDeductionsQuery{},
	Replies: []reply{ok(page[points.Deduction]{})},
}

func (s *Server) listDeductions(c *gin.Context) {
	var q listDeductionsQuery
	if err := bindQuery(c, &q); err != nil {
		s.fail(c, err)
		return
	}
	limit, before, err := q.idPage()
	if err != nil {
		s.fail(c, err)
		return
	}
	f := points.DeductionFilter{CaseRef: q.CaseRef, ResidentID: q.ResidentID, Before: before, Limit: limit}
	if f.Since, f.Until, err = q.times(); err != nil {
		s.fail(c, err)
		return
	}
	ds, next, err := s.Points.FindDeductions(c.Request.Context(), actor(c), f)
	if err != nil {
		s.fail(c, err)
		return
	}
	respondCounted(c, s, newIDPage(ds, next), func() (int64, bool, error) {
		return s.Points.CountDeductions(c.Request.Context(), actor(c), f)
	})
}

type listAppealsQuery struct {
	pageQuery
	sinceUntil
	Status points.AppealStatus `form:"status" doc:"only appeals in this status"`
}

var listAppealsOp = op{
	Tag:     "admin-points",
	Summary: "The appeals queue",
	Description: "points_officer or dept_admin. Appeals against deductions of the caller's department by residents of their " +
		"streets (a superadmin's: all), oldest first, each with the deduction and the resident (masked). A read of personal " +
		"data (the resident's reason): audited. Filters: status, since/until (when filed).",
	Query:   listAppealsQuery{},
	Replies: []reply{ok(page[points.AdminAppeal]{})},
}

func (s *Server) listAppeals(c *gin.Context) {
	var q listAppealsQuery
	if err := bindQuery(c, &q); err != nil {
		s.fail(c, err)
		return
	}
	limit, after, err := q.idPage()
	if err != nil {
		s.fail(c, err)
		return
	}
	f := points.AppealFilter{Status: q.Status, After: after, Limit: limit}
	if f.Since, f.Until, err = q.times(); err != nil {
		s.fail(c, err)
		return
	}
	as, next, err := s.Points.FindAppeals(c.Request.Context(), actor(c), f)
	if err != nil {
		s.fail(c, err)
		return
	}
	respondCounted(c, s, newIDPage(as, next), func() (int64, bool, error) {
		return s.Points.CountAppeals(c.Request.Context(), actor(c), f)
	})
}

var listMyAppealsOp = op{
	Tag:     "points",
	Summary: "我的申诉",
	Description: "My appeals with their status, the decision's note and the deduction each is against, newest first. " +
		"Resident only.",
	Query:   pageQuery{},
	Replies: []reply{ok(page[points.AppealView]{})},
}

// listMyAppeals is the resident's own appeals, newest first.
func (s *Server) listMyAppeals(c *gin.Context) {
	var q pageQuery
	if err := bindQuery(c, &q); err != nil {
		s.fail(c, err)
		return
	}
	limit, before, err := q.idPage()
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

type listManagedRewardsQuery struct {
	pageQuery
	Status points.RewardState `form:"status" doc:"active: not withdrawn"`
	Q      string             `form:"q" binding:"max=64" doc:"a substring of the name"`
}

var listManagedRewardsOp = op{
	Tag:     "admin-points",
	Summary: "List rewards (console)",
	Description: "points_officer or dept_admin. The rewards of the caller's department (a superadmin's: the district-wide " +
		"ones and every department's), withdrawn ones included unless filtered, by ID, with their stock and how many vouchers " +
		"were issued and used. Filters: status (active = not withdrawn), q (a substring of the name).",
	Query:   listManagedRewardsQuery{},
	Replies: []reply{ok(page[points.RewardStats]{})},
}

func (s *Server) listManagedRewards(c *gin.Context) {
	var q listManagedRewardsQuery
	if err := bindQuery(c, &q); err != nil {
		s.fail(c, err)
		return
	}
	limit, after, err := q.idPage()
	if err != nil {
		s.fail(c, err)
		return
	}
	f := points.RewardFilter{Status: q.Status, Q: q.Q, After: after, Limit: limit}
	rs, next, err := s.Points.FindManagedRewards(c.Request.Context(), actor(c), f)
	if err != nil {
		s.fail(c, err)
		return
	}
	respondCounted(c, s, newIDPage(rs, next), func() (int64, bool, error) {
		return s.Points.CountManagedRewards(c.Request.Context(), actor(c), f)
	})
}

var updateRewardOp = op{
	Tag:     "admin-points",
	Summary: "Edit a reward",
	Description: "points_officer or dept_admin of the reward's department (a district-wide reward: superadmin). Fields to " +
		"change; absent fields stay, valid_from/valid_until null clears them; the stock changes through /stock. Name, " +
		"description, limit, level and validity may change at any time and apply to redemptions from then on; issued vouchers " +
		"keep what they were redeemed for. points may change only until the first redemption: 409 with details.reason " +
		"has_redemptions (withdraw it and create a new reward instead). Another department's reward is 404.",
	Body:    points.RewardPatch{},
	Replies: []reply{ok(points.RewardStats{})},
	Errors:  []int{http.StatusConflict},
}

func (s *Server) updateReward(c *gin.Context) {
	var p points.RewardPatch
	if err := bindJSON(c, &p); err != nil {
		s.fail(c, err)
		return
	}
	r, err := s.Points.UpdateReward(c.Request.Context(), actor(c), pathID(c, "id"), p)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, r)
}

type stockChange struct {
	Delta *int `json:"delta" binding:"required,ne=0,min=-10000000,max=10000000" doc:"what to add (negative: take away); not 0" example:"10"`
}

var adjustRewardStockOp = op{
	Tag:     "admin-points",
	Summary: "Add to or take from a reward's stock",
	Description: "points_officer or dept_admin of the reward's department. Adds delta (negative: takes away) to what is left " +
		"to redeem, atomically with concurrent redemptions. Vouchers already issued are not stock: the stock may go down to 0, " +
		"not below (409 with details.reason stock_below_issued and details.stock, what is left now), and up to 10,000,000. " +
		"Audited with the change. Another department's reward is 404.",
	Body:    stockChange{},
	Replies: []reply{ok(points.RewardStats{})},
	Errors:  []int{http.StatusConflict},
}

func (s *Server) adjustRewardStock(c *gin.Context) {
	var req stockChange
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

var withdrawRewardOp = op{
	Tag:     "admin-points",
	Summary: "Withdraw a reward",
	Description: "points_officer or dept_admin of the reward's department. The reward leaves the catalogue and takes no new " +
		"redemption (409 with details.reason withdrawn); vouchers already issued stay valid until used or cancelled (a " +
		"cancelled one's unit returns to the stock, which nobody can redeem). Final; repeating it changes nothing (200). " +
		"Another department's reward is 404.",
	Replies: []reply{ok(points.RewardStats{})},
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
