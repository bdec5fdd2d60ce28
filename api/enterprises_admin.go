package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/futian/ifutian/enterprises"
)

// The staff side of the enterprise registry: search, one enterprise,
// credit records and benefit programs.

type listEnterprisesQuery struct {
	pageQuery
	enterprises.EnterpriseFilter
}

var listEnterprisesOp = op{
	Tag:     "admin-enterprises",
	Summary: "Search the enterprise registry",
	Description: "Staff with enterprises.manage (credit_officer, dept_admin). Enterprises of the member's streets only (a street-scoped " +
		"member never sees another street's, whatever the filters), newest registration first, cursor-paginated. `q` matches a " +
		"substring of the name (ASCII letters in any case) or the start of the code as typed (any case, spaces and hyphens " +
		"ignored); `street`, `industry` and `grade` match exactly. A bad filter is 400 naming it.",
	Query:   listEnterprisesQuery{},
	Replies: []reply{ok(page[enterprises.Enterprise]{})},
}

func (s *Server) listEnterprises(c *gin.Context) {
	var q listEnterprisesQuery
	if err := bindQuery(c, &q); err != nil {
		s.fail(c, err)
		return
	}
	f := q.EnterpriseFilter
	var err error
	if f.Limit, f.After, err = q.idPage(); err != nil {
		s.fail(c, err)
		return
	}
	es, next, err := s.Enterprises.Find(c.Request.Context(), actor(c).Scope(), f)
	if err != nil {
		s.fail(c, err)
		return
	}
	respondCounted(c, s, newIDPage(es, next), func() (int64, bool, error) {
		return s.Enterprises.CountFound(c.Request.Context(), actor(c).Scope(), f)
	})
}

var getEnterpriseAdminOp = op{
	Tag:     "admin-enterprises",
	Summary: "One enterprise: rating, factors, history, members, objections",
	Description: "Staff with enterprises.manage (credit_officer, dept_admin). The enterprise as registered with its current rating; " +
		"`factors`, the credit records that produced it (explained); `history`, its ratings newest first (at most 50: the chart " +
		"of its score and grade over time, each with its cause); `bindings`, how many members are bound and how many requests " +
		"wait; `objections`, the latest 50 objections to its records, newest first. An enterprise of a street outside the " +
		"member's streets is 404, as an unknown one. Audited as a read of personal data (objections carry the resident and their " +
		"reason).",
	Path:    usccPath{},
	Replies: []reply{ok(enterprises.AdminDetail{})},
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

type listCreditRecordsQuery struct {
	pageQuery
	enterprises.CreditRecordFilter
}

var listCreditRecordsOp = op{
	Tag:     "admin-enterprises",
	Summary: "Credit records",
	Description: "Staff with credit.write (credit_officer). The credit records the member's department wrote (every department's for a " +
		"district account), about enterprises of the member's streets, newest first, cursor-paginated, each with its enterprise's " +
		"code and name. Filters: `uscc` (the enterprise), `kind`, `department_id` (a department outside the member's scope lists " +
		"nothing) and `case_ref` (exact). A record counts in ratings from occurred_at until expires_at unless revoked_at is set " +
		"(an upheld objection). A bad filter is 400 naming it.",
	Query:   listCreditRecordsQuery{},
	Replies: []reply{ok(page[enterprises.ListedCreditRecord]{})},
}

func (s *Server) listCreditRecords(c *gin.Context) {
	var q listCreditRecordsQuery
	if err := bindQuery(c, &q); err != nil {
		s.fail(c, err)
		return
	}
	f := q.CreditRecordFilter
	var err error
	if f.Limit, f.After, err = q.idPage(); err != nil {
		s.fail(c, err)
		return
	}
	recs, next, err := s.Enterprises.FindCreditRecords(c.Request.Context(), actor(c).Scope(), f)
	if err != nil {
		s.fail(c, err)
		return
	}
	respondCounted(c, s, newIDPage(recs, next), func() (int64, bool, error) {
		return s.Enterprises.CountCreditRecords(c.Request.Context(), actor(c).Scope(), f)
	})
}

type listBenefitProgramsQuery struct {
	pageQuery
	enterprises.ProgramFilter
}

var listBenefitProgramsOp = op{
	Tag:     "admin-enterprises",
	Summary: "Benefit programs",
	Description: "Staff with benefits.manage (credit_officer, dept_admin). The programs of the member's department (every department's for " +
		"a district account), newest first, cursor-paginated, each with `matched` (enterprises it matched, of the member's " +
		"streets) and `notified` (of those, whose notice has gone out to the members bound at the time, if any). `status` running " +
		"or ended (default both).",
	Query:   listBenefitProgramsQuery{},
	Replies: []reply{ok(page[enterprises.ListedProgram]{})},
}

func (s *Server) listBenefitPrograms(c *gin.Context) {
	var q listBenefitProgramsQuery
	if err := bindQuery(c, &q); err != nil {
		s.fail(c, err)
		return
	}
	f := q.ProgramFilter
	var err error
	if f.Limit, f.After, err = q.idPage(); err != nil {
		s.fail(c, err)
		return
	}
	ps, next, err := s.Enterprises.FindPrograms(c.Request.Context(), actor(c).Scope(), f)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newIDPage(ps, next))
}

var listProgramMatchesOp = op{
	Tag:     "admin-enterprises",
	Summary: "Enterprises a benefit program matched",
	Description: "Staff with benefits.manage. The enterprises the program matched (when it was created, or when a re-rating first made " +
		"them qualify), of the member's streets, in the order they matched, cursor-paginated, with when its notice went out to " +
		"the members bound at the time (`notified_at` null: not yet, e.g. held by a notify outage, or never, for a program ended " +
		"first). Another department's program is 404, as an unknown one.",
	Query:   pageQuery{},
	Replies: []reply{ok(page[enterprises.Match]{})},
}

func (s *Server) listProgramMatches(c *gin.Context) {
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
	ms, next, err := s.Enterprises.FindMatches(c.Request.Context(), actor(c).Scope(), pathID(c, "id"), after, limit)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newIDPage(ms, next))
}

var endBenefitProgramOp = op{
	Tag:     "admin-enterprises",
	Summary: "End a benefit program",
	Description: "Staff with benefits.manage. Ends a running program of the member's department: from then on it matches no enterprise and " +
		"is no longer listed in an enterprise's GET /enterprises/{uscc}/benefits. What it matched stays as it was: the matches " +
		"are kept (GET …/matches), and notices already sent stay in the members' inboxes (they were true when sent; nothing is " +
		"recalled). Notices of matches not yet sent (e.g. held by a notify outage) are not sent any more. Another department's " +
		"program is 404, as an unknown one; a street-scoped member may end only a program whose criteria.streets lie within their " +
		"streets (else 403 naming `criteria.streets`); a program already ended is 409. Answers the ended program with its counts.",
	Replies: []reply{ok(enterprises.ListedProgram{})},
	Errors:  []int{http.StatusConflict},
}

func (s *Server) endBenefitProgram(c *gin.Context) {
	p, err := s.Enterprises.EndProgram(c.Request.Context(), actor(c), pathID(c, "id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, p)
}
