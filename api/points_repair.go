package api

import (
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/futian/ifutian/internal/stats"
	"github.com/futian/ifutian/points"
	"github.com/futian/ifutian/surveys"
)

// 学法修复 (issue 29), the residents' side: a resident starts the repair
// course of a deduction, which gives a quiz attempt; passing it in time
// restores the stated share once. And the 法治 dashboard's repair
// statistics.

// repairStarted is what starting a repair answers: the repair as it stands
// now and the quiz attempt to answer.
type repairStarted struct {
	Repair  points.RepairView   `json:"repair"`
	Attempt surveys.AttemptView `json:"attempt" doc:"the quiz attempt: answer it with POST /attempts/{attempt_id}/submit before its deadline"`
}

var startRepairOp = op{
	Tag:     "points",
	Summary: "开始学法修复",
	Description: "Start the repair course (学法修复) of one of my deductions, or take its quiz again. Resident only, my own " +
		"deduction (else 404). A deduction's rule may offer a course (its transaction's repair, with available); this starts " +
		"a quiz attempt drawn from the question bank by the course's tag, whose deadline is at most the repair's (the appeal " +
		"deadline), and marks the repair started. Submit it with POST /attempts/{attempt_id}/submit: a pass (score at least " +
		"pass_score) before the deadline restores repair.points once (a kind repair transaction; the repair becomes " +
		"repaired); a failed attempt may be taken again, at most 3 attempts a day. 409 conflict with details.reason " +
		"not_repairable (the rule offers no course), repaired (already repaired), appeal_window_closed (past the deadline), " +
		"under_appeal (an appeal is pending: wait for its decision) or appeal_upheld (an upheld appeal gave the points " +
		"back); 409 conflict with details.attempts_per_day when today's attempts are used up, or when the bank has no " +
		"question with the course's tag. A repaired deduction cannot be appealed any more.",
	Replies: []reply{created(repairStarted{})},
	Errors:  []int{http.StatusConflict},
}

func (s *Server) startRepair(c *gin.Context) {
	ctx, who := c.Request.Context(), residentID(c)
	r, err := s.Points.StartRepair(ctx, who, pathID(c, "id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	a, err := s.Surveys.Attempt(ctx, who, r.AttemptID)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, repairStarted{Repair: *r.Repair, Attempt: *a})
}

type repairStatsQuery struct {
	From string `form:"from" binding:"required,max=7" doc:"the first month, YYYY-MM (district time)" example:"2026-01"`
	To   string `form:"to" binding:"required,max=7" doc:"the last month, YYYY-MM, at most 36 months after from" example:"2026-12"`
}

// repairStatsReply is the repair statistics' rows.
type repairStatsReply struct {
	Items []stats.RepairRow `json:"items" doc:"by month, department, subject and rule; rows counting fewer than 5 distinct people are left out"`
}

var repairStatsOp = op{
	Tag:     "admin-points",
	Summary: "学法修复统计 Repair statistics",
	Description: "For the 法治 dashboard: dept_admin, points_officer, credit_officer or auditor. Repairs of the caller's " +
		"scope (their departments' deductions of residents on their streets; a superadmin or district auditor: all) by month " +
		"(district time), department, subject (points: residents' deductions repaired by a quiz) and rule: started (by the " +
		"month of the first attempt), completed, points_restored and records_repaired (by the month of the repair). Counts " +
		"only; a row counting fewer than 5 distinct people is left out whole. 400 naming from or to for a month not written " +
		"YYYY-MM, to before from, or more than 36 months.",
	Query:   repairStatsQuery{},
	Replies: []reply{ok(repairStatsReply{})},
}

func (s *Server) repairStats(c *gin.Context) {
	var q repairStatsQuery
	if err := bindQuery(c, &q); err != nil {
		s.fail(c, err)
		return
	}
	start, end, err := stats.MonthRange(strings.TrimSpace(q.From), strings.TrimSpace(q.To))
	if err != nil {
		s.fail(c, err)
		return
	}
	rows, err := s.Points.RepairStats(c.Request.Context(), actor(c), start, end)
	if err != nil {
		s.fail(c, err)
		return
	}
	credit, err := s.Enterprises.RepairStats(c.Request.Context(), actor(c).Scope(), start, end)
	if err != nil {
		s.fail(c, err)
		return
	}
	rows = append(rows, credit...)
	rows = stats.Suppress(rows, func(r stats.RepairRow) int64 { return r.People })
	slices.SortStableFunc(rows, func(a, b stats.RepairRow) int { return strings.Compare(a.Month, b.Month) })
	c.JSON(http.StatusOK, repairStatsReply{Items: rows})
}

// repairTagsReply is the bank's tags a repair course may draw by.
type repairTagsReply struct {
	Items []surveys.TagCount `json:"items"`
}

var repairTagsOp = op{
	Tag:     "admin-points",
	Summary: "学法修复可选题库标签 Tags for a repair course",
	Description: "points_officer or dept_admin (who define rules). The tags of the current scored questions a quiz of the " +
		"caller's department may draw (its own bank and the shared one; every department's for a superadmin), with how " +
		"many questions each has, by tag (at most 500): what a deduction rule's repair.tag is picked from.",
	Replies: []reply{ok(repairTagsReply{})},
}

func (s *Server) repairTags(c *gin.Context) {
	tags, err := s.Surveys.QuizTags(c.Request.Context(), actor(c).Scope())
	if err != nil {
		s.fail(c, err)
		return
	}
	if tags == nil {
		tags = []surveys.TagCount{}
	}
	c.JSON(http.StatusOK, repairTagsReply{Items: tags})
}
