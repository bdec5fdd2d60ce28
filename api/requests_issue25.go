package api

import (
	"io"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/requests"
)

// Issue 25's steps of 民意速办 beside the desk's: the official calendar's
// .ics import, merging duplicates, and complaints referred to the
// enterprise first (外循环).

type importHolidaysQuery struct {
	Replace bool `form:"replace" doc:"true: the days already marked in the years the file covers that it does not name are unmarked first (a year's corrected arrangement replaces the old one)"`
}

var importHolidaysOp = op{
	Tag:     "admin-requests",
	Summary: "Load holidays from an .ics file",
	Description: "requests.admin (superadmin). Marks the all-day events of an iCalendar file (at most 1 MiB): each day from DTSTART up " +
		"to DTEND (exclusive) is a make-up working day when its SUMMARY says 班 (上班, 补班) and a holiday otherwise. A make-up day " +
		"on a weekday is skipped and reported; 400 naming file for something that is no calendar or has no day to mark. Deadlines " +
		"already set are kept; new ones count the days. Audited (target holidays/<years>).",
	Query:   importHolidaysQuery{},
	Body:    upload{Description: "the .ics file, in the field file"},
	Replies: []reply{ok(requests.ImportResult{})},
}

func (s *Server) importHolidays(c *gin.Context) {
	var q importHolidaysQuery
	if err := bindQuery(c, &q); err != nil {
		s.fail(c, err)
		return
	}
	s.withUploadedFile(c, func(file io.Reader) error {
		hs, err := requests.ParseICS(file)
		if err != nil {
			return err
		}
		res, err := s.Requests.ImportHolidays(c.Request.Context(), hs, q.Replace)
		if err != nil {
			return err
		}
		c.JSON(http.StatusOK, res)
		return nil
	})
}

// mergeCandidates are the requests that may be duplicates of one.
type mergeCandidates struct {
	Items []requests.MergeCandidate `json:"items" doc:"best first"`
}

var mergeCandidatesOp = op{
	Tag:     "admin-requests",
	Summary: "Requests that may be duplicates of this one",
	Description: "requests.handle. The requests in the caller's scope that may be about the same matter: open, of the same category " +
		"and street, made within 7 days of it, best first (within 500 m, the same community, the same address, the same day), each " +
		"with why. Empty for a request that is not open or is itself merged. A request outside the caller's scope answers 404. " +
		"Shows residents' descriptions and addresses: audited as a read of personal data.",
	Replies: []reply{ok(mergeCandidates{})},
}

func (s *Server) mergeCandidates(c *gin.Context) {
	cs, err := s.Requests.MergeCandidates(c.Request.Context(), actor(c), pathID(c, "id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, mergeCandidates{Items: cs})
}

type mergeRequestsInput struct {
	DuplicateIDs []string `json:"duplicate_ids" binding:"required,min=1,max=20,dive,max=19" doc:"the requests to link to this one (IDs, as decimal strings), 1–20"`
	Reason       string   `json:"reason" binding:"required,max=500" doc:"why they are the same matter; in each request's history"`
}

var mergeRequestsOp = op{
	Tag:     "admin-requests",
	Summary: "Merge duplicates into this request",
	Description: "requests.handle. Links the duplicates to this (main) request so they are handled and answered once: each waits as " +
		"merged with the main request's department and deadline, off the desks' queues, and is answered with the main request's " +
		"answer; each resident is told by a fixed system text naming the requests by number. Every request must be in the caller's " +
		"scope; 400 names each duplicate that may not be merged (duplicate_ids[i]: not found, answered, another category or street, " +
		"more than 7 days apart, merged already, itself a main request). 409 when this request is answered, closed or itself merged. " +
		"Returns the main request.",
	Body:    mergeRequestsInput{},
	Replies: []reply{ok(requests.StaffView{})},
	Errors:  []int{http.StatusConflict},
}

func (s *Server) mergeRequests(c *gin.Context) {
	var req mergeRequestsInput
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	ids := make([]int64, len(req.DuplicateIDs))
	bad := map[string]string{}
	for i, v := range req.DuplicateIDs {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id < 1 || strconv.FormatInt(id, 10) != v {
			bad["duplicate_ids["+strconv.Itoa(i)+"]"] = "须为有效的 ID"
		}
		ids[i] = id
	}
	if err := apperr.Fields(bad); err != nil {
		s.fail(c, err)
		return
	}
	v, err := s.Requests.Merge(c.Request.Context(), actor(c), pathID(c, "id"), ids, req.Reason)
	respond(s, c, v, err)
}

type unmergeRequestInput struct {
	Reason string `json:"reason" binding:"required,max=500" doc:"why it is not the same matter; in the request's history"`
}

var unmergeRequestOp = op{
	Tag:     "admin-requests",
	Summary: "Undo a merge",
	Description: "requests.handle. A merged request still waiting for its main request's answer goes back to its department's desk " +
		"(submitted, arriving now). 409 for a request that is not merged (or was answered with its main request). Outside the " +
		"caller's scope: 404.",
	Body:    unmergeRequestInput{},
	Replies: []reply{ok(requests.StaffView{})},
	Errors:  []int{http.StatusConflict},
}

func (s *Server) unmergeRequest(c *gin.Context) {
	var req unmergeRequestInput
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	v, err := s.Requests.Unmerge(c.Request.Context(), actor(c), pathID(c, "id"), req.Reason)
	respond(s, c, v, err)
}

type referRequestInput struct {
	Version int64  `json:"version" binding:"required,min=1,max=9223372036854775807" doc:"the version the officer saw; a changed one is 409"`
	USCC    string `json:"uscc" binding:"required,len=18" doc:"the unified social credit code of the registered enterprise the request is about"`
}

var referRequestOp = op{
	Tag:     "admin-requests",
	Summary: "Send a complaint to the enterprise first (外循环)",
	Description: "requests.handle. An accepted (or in-progress) request about a registered enterprise with bound members waits as " +
		"with_enterprise: its members are told by a fixed system text (the code, the request's number, the day to answer by) and " +
		"one of them may answer within the window (IFUTIAN_REFERRAL_WINDOW_DAYS working days, default 2); then, or when the window " +
		"ends, it is back at the desk, which answers the resident. The deadline moves by the window's working days. 400 naming uscc " +
		"for an unknown or malformed code or an enterprise nobody is bound to; 403 naming uscc for an enterprise outside the " +
		"caller's streets; 409 for a request not accepted, referred before, or a stale version. The referral changes no credit by itself.",
	Body:    referRequestInput{},
	Replies: []reply{ok(requests.StaffView{})},
	Errors:  []int{http.StatusConflict},
}

func (s *Server) referRequest(c *gin.Context) {
	var req referRequestInput
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	v, err := s.Requests.Refer(c.Request.Context(), actor(c), pathID(c, "id"), req.Version, req.USCC)
	respond(s, c, v, err)
}

// enterpriseCases are the requests referred to an enterprise.
type enterpriseCases struct {
	Items []requests.EnterpriseCase `json:"items" doc:"newest first, at most 100"`
}

var listEnterpriseCasesOp = op{
	Tag:     "enterprises",
	Summary: "企业待处理的诉求（外循环）",
	Description: "A resident bound (approved) to the enterprise: the requests 民意速办 referred to it first, newest first — what and " +
		"where, never who (no resident, contact or photos). can_respond while the window lasts. 403 for a resident not bound to " +
		"it; 404 for an unknown enterprise; 400 naming uscc for a malformed code.",
	Path:    usccPath{},
	Replies: []reply{ok(enterpriseCases{})},
}

func (s *Server) listEnterpriseCases(c *gin.Context) {
	cs, err := s.Requests.EnterpriseCases(c.Request.Context(), residentID(c), c.Param("uscc"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, enterpriseCases{Items: cs})
}

type respondCaseInput struct {
	Resolved *bool  `json:"resolved" binding:"required" doc:"true: the enterprise put it right; false: it explains otherwise"`
	Response string `json:"response" binding:"required,max=1000" doc:"what the enterprise did or says; the department reads it before answering the resident"`
}

var respondEnterpriseCaseOp = op{
	Tag:     "enterprises",
	Summary: "企业答复诉求（外循环）",
	Description: "A resident bound to the enterprise answers a request referred to it, once, within the window: the request goes " +
		"back to the department's desk at once, which answers the resident (the enterprise's answer is not sent to them). 409 after " +
		"the window or a second answer; 404 for a request not referred to this enterprise; 403 for a resident not bound to it. " +
		"The answer changes no credit by itself.",
	Path:    usccPath{},
	Body:    respondCaseInput{},
	Replies: []reply{ok(requests.EnterpriseCase{})},
	Errors:  []int{http.StatusConflict},
}

func (s *Server) respondEnterpriseCase(c *gin.Context) {
	var req respondCaseInput
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	v, err := s.Requests.Respond(c.Request.Context(), residentID(c), c.Param("uscc"), pathID(c, "id"), *req.Resolved, req.Response)
	respond(s, c, v, err)
}
