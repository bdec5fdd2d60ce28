package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/futian/ifutian/points"
)

// A resident's points: the account, the ledger, the rules, the
// leaderboard, rewards and vouchers, and appeals against deductions; and
// the awards, deductions, decisions, rules and vouchers of staff.

var getAccountOp = op{
	Tag:         "points",
	Summary:     "我的积分账户",
	Description: "My points: balance, lifetime earned, level, what expires next. Resident only. A resident who never had points gets zeros.",
	Replies:     []reply{ok(points.Account{})},
	Errors:      []int{http.StatusBadRequest}, // a query string that is not UTF-8 (checkUTF8)
}

func (s *Server) getAccount(c *gin.Context) {
	acc, err := s.Points.FindAccount(c.Request.Context(), residentID(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, acc)
}

var listTransactionsOp = op{
	Tag:         "points",
	Summary:     "我的积分明细",
	Description: "My ledger, newest first. Resident only; a page of my transactions. A deduction shows its appeal_deadline.",
	Query:       pageQuery{},
	Replies:     []reply{ok(page[points.Transaction]{})},
}

func (s *Server) listTransactions(c *gin.Context) {
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
	ts, next, err := s.Points.FindTransactions(c.Request.Context(), residentID(c), before, limit)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newIDPage(ts, next))
}

var listRulesOp = op{
	Tag:     "points",
	Summary: "积分获取规则",
	Description: "Earning rules. Public. The rules in force or still to come (expired rules are left out), by ID. " +
		"An award over a cap is recorded as refused and grants nothing.",
	Query:   pageQuery{},
	Replies: []reply{ok(page[points.Rule]{})},
}

// listRules is public: the rules currently in force or still to come.
func (s *Server) listRules(c *gin.Context) {
	var q pageQuery
	if err := bindQuery(c, &q); err != nil {
		s.fail(c, err)
		return
	}
	limit, after, err := q.idPage()
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

type leaderboardQuery struct {
	pageQuery
	Scope points.BoardScope `form:"scope" binding:"required" doc:"community: my community's; street: my street's"`
}

var leaderboardOp = op{
	Tag:     "points",
	Summary: "积分排行榜",
	Description: "Leaderboard of my community or street. Resident only. Ranks residents of my community (scope=community) or street " +
		"(scope=street) who opted in (PATCH /me {\"leaderboard_opt_in\": true}) by lifetime earned points; nicknames only. " +
		"One page: the top page_size (page_token is ignored, next_page_token is \"\"). 400 naming scope if scope is not " +
		"community or street or if my profile has no community/street.",
	Query:   leaderboardQuery{},
	Replies: []reply{ok(page[points.Leader]{})},
}

func (s *Server) leaderboard(c *gin.Context) {
	var q leaderboardQuery
	if err := bindQuery(c, &q); err != nil {
		s.fail(c, err)
		return
	}
	p, err := q.page()
	if err != nil {
		s.fail(c, err)
		return
	}
	items, err := s.Points.Leaderboard(c.Request.Context(), residentID(c), q.Scope, p.Limit)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newPage(items, ""))
}

var listRewardsOp = op{
	Tag:         "points",
	Summary:     "积分兑换商品",
	Description: "Reward catalogue. Resident only. Rewards available now, by ID. Withdrawn rewards are left out.",
	Query:       pageQuery{},
	Replies:     []reply{ok(page[points.Reward]{})},
}

func (s *Server) listRewards(c *gin.Context) {
	var q pageQuery
	if err := bindQuery(c, &q); err != nil {
		s.fail(c, err)
		return
	}
	limit, after, err := q.idPage()
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

// redemptionReply is a voucher as its answers wrap it.
type redemptionReply struct {
	Redemption points.Redemption `json:"redemption"`
}

var redeemRewardOp = op{
	Tag:     "points",
	Summary: "兑换奖品",
	Description: "Redeem a reward. Resident only. Takes the points and one unit of stock atomically and issues a voucher. " +
		"With an Idempotency-Key a repeat returns the first redemption (200) and changes nothing; the same key for another " +
		"reward is 409 conflict. Errors: 409 insufficient_points, 409 out_of_stock, 409 conflict with details.reason " +
		"per_resident_limit or not_available, 403 permission_denied with details.reason min_level, 404 for an unknown reward. " +
		"Spending never takes a balance below zero; points are spent from the oldest lots first. A withdrawn reward is 409 " +
		"conflict with details.reason withdrawn.",
	IdempotencyKey: points.MaxRedeemKey,
	Replies: []reply{
		created(redemptionReply{}),
		{Status: http.StatusOK, Description: "Repeat of an earlier request with the same Idempotency-Key", Body: redemptionReply{}},
	},
	Errors: []int{http.StatusConflict},
}

func (s *Server) redeemReward(c *gin.Context) {
	red, repeated, err := s.Points.Redeem(c.Request.Context(), residentID(c), pathID(c, "id"), strings.TrimSpace(c.GetHeader("Idempotency-Key")))
	if err != nil {
		s.fail(c, err)
		return
	}
	respondCreated(c, !repeated, redemptionReply{*red})
}

var listRedemptionsOp = op{
	Tag:         "points",
	Summary:     "我的兑换记录",
	Description: "My redemptions, newest first. Resident only.",
	Query:       pageQuery{},
	Replies:     []reply{ok(page[points.Redemption]{})},
}

func (s *Server) listRedemptions(c *gin.Context) {
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
	reds, next, err := s.Points.FindRedemptions(c.Request.Context(), residentID(c), before, limit)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newIDPage(reds, next))
}

var cancelRedemptionOp = op{
	Tag:     "points",
	Summary: "取消兑换（退回积分）",
	Description: "Cancel an unused voucher. Resident only, my own redemption (else 404). Refunds the points (expiring as the " +
		"spent points would have) and returns the stock. A used or cancelled voucher is 409 conflict.",
	Replies: []reply{ok(redemptionReply{})},
	Errors:  []int{http.StatusConflict},
}

func (s *Server) cancelRedemption(c *gin.Context) {
	red, err := s.Points.CancelRedemption(c.Request.Context(), residentID(c), pathID(c, "id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, redemptionReply{*red})
}

var createAppealOp = op{
	Tag:     "points",
	Summary: "对扣分提出申诉",
	Description: "Appeal a deduction. Resident only, against one of my own deductions; one appeal per deduction (a second is " +
		"409 conflict). 400 naming transaction_id if it is not my deduction. The appeal must come before the deduction's " +
		"appeal_deadline (midnight, district time, after the 30th day following the deduction): later is 409 conflict with " +
		"details.reason appeal_window_closed.",
	Body:    points.AppealInput{},
	Replies: []reply{created(points.Appeal{})},
	Errors:  []int{http.StatusConflict},
}

func (s *Server) createAppeal(c *gin.Context) {
	var req points.AppealInput
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	ap, err := s.Points.CreateAppeal(c.Request.Context(), residentID(c), req)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, ap)
}

var awardPointsOp = op{
	Tag:     "admin-points",
	Summary: "Award points under a rule",
	Description: "points_officer or dept_admin of the rule's department (any department for a district-wide rule; superadmin " +
		"everywhere); a staff member with a street scope only for residents of those streets (else 404). Idempotent on " +
		"rule_code + external_id: a repeat returns the first transaction (200) and changes nothing; the same pair for another " +
		"resident is 409. Over a daily or monthly cap: 409 conflict with details.reason daily_cap or monthly_cap, recorded as " +
		"refused, nothing granted (a repeat is refused the same way). A rule outside its validity window is 400 naming " +
		"rule_code. The award records the rule's version. 503 upstream_unavailable when the resident's account kept changing " +
		"under the award through every retry: nothing was granted, repeat the request.",
	Body:    points.AwardRequest{},
	Replies: []reply{created(points.Transaction{}), repeated(points.Transaction{})},
	Errors:  []int{http.StatusNotFound, http.StatusConflict},
}

func (s *Server) awardPoints(c *gin.Context) {
	var req points.AwardRequest
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	t, repeated, err := s.Points.Award(c.Request.Context(), actor(c), req)
	if err != nil {
		s.fail(c, err)
		return
	}
	auditDetail(c, "transaction "+strconv.FormatInt(t.ID, 10))
	respondCreated(c, !repeated, t)
}

var deductPointsOp = op{
	Tag:     "admin-points",
	Summary: "Deduct points for a published enforcement case",
	Description: "points_officer or dept_admin; street scope applies (else 404). May take the balance below zero (the debt is " +
		"paid from later credits first). Idempotent per resident on case_ref: a repeat returns the first transaction (200). " +
		"The deduction carries its appeal_deadline (30 days, to the end of the district day), and in the same transaction the " +
		"resident gets a system notice (inbox, and subscribe message where configured and consented) naming the case " +
		"reference, the points, the deadline and how to appeal; the reason is not pushed (the resident reads it in their " +
		"ledger). A repeat notifies nobody again.",
	Body:    points.DeductRequest{},
	Replies: []reply{created(points.Transaction{}), repeated(points.Transaction{})},
	Errors:  []int{http.StatusNotFound},
}

func (s *Server) deductPoints(c *gin.Context) {
	var req points.DeductRequest
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	t, repeated, err := s.Points.Deduct(c.Request.Context(), actor(c), req)
	if err != nil {
		s.fail(c, err)
		return
	}
	respondCreated(c, !repeated, t)
}

type appealDecision struct {
	Approve *bool  `json:"approve" binding:"required" doc:"true gives the points back"`
	Note    string `json:"note" binding:"max=500" doc:"the explanation, shown to the resident in their appeals (never pushed)"`
}

var decideAppealOp = op{
	Tag:     "admin-points",
	Summary: "Decide an appeal",
	Description: "points_officer or dept_admin of the department that made the deduction (else 404). Approval posts a reverse " +
		"transaction giving the points back. A decided appeal is 409. In the same transaction the resident gets a system " +
		"notice of the result; the note is not pushed (the resident reads it in GET /points/appeals).",
	Body:    appealDecision{},
	Replies: []reply{ok(points.Appeal{})},
	Errors:  []int{http.StatusConflict},
}

func (s *Server) decideAppeal(c *gin.Context) {
	var req appealDecision
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

var createRewardOp = op{
	Tag:     "admin-points",
	Summary: "Create a reward",
	Description: "points_officer or dept_admin; the reward belongs to the caller's department, whose verifiers (or any " +
		"verifier, for a superadmin's district reward) mark its vouchers used.",
	Body:    points.RewardInput{},
	Replies: []reply{created(points.Reward{})},
}

func (s *Server) createReward(c *gin.Context) {
	var req points.RewardInput
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	r, err := s.Points.CreateReward(c.Request.Context(), actor(c), req.Reward())
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, r)
}

type voucherCheck struct {
	VoucherCode string `json:"voucher_code" binding:"required,max=16" doc:"as the resident shows it (case and surrounding spaces do not matter)" example:"K7Q2M9XD"`
}

var verifyVoucherOp = op{
	Tag:     "admin-points",
	Summary: "Mark a voucher used",
	Description: "verifier or points_officer of the reward's department, or of any department for a district-wide reward; a " +
		"staff member with a street scope only for residents of those streets (else 404, as for an unknown voucher). A voucher " +
		"is used once: a used or cancelled voucher is 409 conflict.",
	Body:    voucherCheck{},
	Replies: []reply{ok(redemptionReply{})},
	Errors:  []int{http.StatusNotFound, http.StatusConflict},
}

func (s *Server) verifyVoucher(c *gin.Context) {
	var req voucherCheck
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
	c.JSON(http.StatusOK, redemptionReply{*red})
}

var saveRuleOp = op{
	Tag:     "admin-points",
	Summary: "Create or update an earning rule",
	Description: "points_officer or dept_admin; keyed by code. A new rule belongs to the caller's department (a superadmin may " +
		"name department_id or leave it district-wide). Updating raises version; another department's or a district-wide rule " +
		"may be changed only by its department or a superadmin (else 403). Expiry: never, days (expiry_days after the award) " +
		"or end_of_next_year (31 December of the next year, Asia/Shanghai).",
	Body: points.RuleInput{},
	Replies: []reply{
		created(points.Rule{}),
		{Status: http.StatusOK, Description: "Updated", Body: points.Rule{}},
	},
}

func (s *Server) saveRule(c *gin.Context) {
	var req points.RuleInput
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	r, created, err := s.Points.SaveRule(c.Request.Context(), actor(c), req.Rule())
	if err != nil {
		s.fail(c, err)
		return
	}
	respondCreated(c, created, r)
}
