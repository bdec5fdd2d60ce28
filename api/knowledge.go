package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/knowledge"
)

// The knowledge base (知识库, issue 25): residents search it before they
// submit a request; staff keep their department's entries.

type searchKnowledgeQuery struct {
	Q        string `form:"q" binding:"max=100" doc:"the resident's words (a question, keywords); empty lists the newest entries"`
	Category string `form:"category" binding:"max=32" doc:"a request category's code: its entries and those of no category"`
	Limit    *int   `form:"limit" binding:"omitempty,min=1,max=50" doc:"how many entries at most, 1–50 (default 10)"`
}

// knowledgeHits are the entries a search found, best first.
type knowledgeHits struct {
	Items []knowledge.Hit `json:"items" doc:"best first"`
}

var searchKnowledgeOp = op{
	Tag:     "requests",
	Summary: "搜索知识库（提交诉求前）",
	Description: "No token. Before submitting a request the resident searches the knowledge base: published entries valid today, " +
		"matching the words of q (Chinese written without spaces is matched by its two-character pieces too), best first " +
		"(the whole query in the question, then each word in the question, then in the answer). A consultation the knowledge base " +
		"answers needs no request. A q of punctuation only finds nothing.",
	Query:   searchKnowledgeQuery{},
	Replies: []reply{ok(knowledgeHits{})},
}

func (s *Server) searchKnowledge(c *gin.Context) {
	var q searchKnowledgeQuery
	if err := bindQuery(c, &q); err != nil {
		s.fail(c, err)
		return
	}
	limit := 10
	if q.Limit != nil {
		limit = *q.Limit
	}
	hits, err := s.Knowledge.Search(c.Request.Context(), q.Q, q.Category, limit)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, knowledgeHits{Items: hits})
}

var getKnowledgeOp = op{
	Tag:         "requests",
	Summary:     "知识库条目",
	Description: "No token. One published entry valid today; 404 for any other (a draft, a retired or expired entry, an unknown ID).",
	Replies:     []reply{ok(knowledge.Hit{})},
}

func (s *Server) getKnowledge(c *gin.Context) {
	h, err := s.Knowledge.Public(c.Request.Context(), pathID(c, "id"))
	respond(s, c, h, err)
}

type listKnowledgeQuery struct {
	pageQuery
	Q        string           `form:"q" binding:"max=100" doc:"words of the question or the answer"`
	Status   knowledge.Status `form:"status"`
	Category string           `form:"category" binding:"max=32" doc:"a request category's code"`
}

var listKnowledgeOp = op{
	Tag:     "admin-requests",
	Summary: "The department's knowledge base",
	Description: "knowledge.manage (request officers, department admins). The entries of the caller's department (a district-wide " +
		"member: every entry, the district's own with department_id null), newest first, of any status.",
	Query:   listKnowledgeQuery{},
	Replies: []reply{ok(page[knowledge.Entry]{})},
}

func (s *Server) listKnowledge(c *gin.Context) {
	var q listKnowledgeQuery
	if err := bindQuery(c, &q); err != nil {
		s.fail(c, err)
		return
	}
	limit, before, err := q.idPage()
	if err != nil {
		s.fail(c, err)
		return
	}
	items, next, err := s.Knowledge.List(c.Request.Context(), actor(c),
		knowledge.Filter{Q: q.Q, Status: q.Status, Category: q.Category, Before: before, Limit: limit})
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newIDPage(items, next))
}

// knowledgeInput is an entry as staff write it.
type knowledgeInput struct {
	Question   string           `json:"question" binding:"required,max=200" doc:"the question as residents ask it"`
	Answer     string           `json:"answer" binding:"required,max=5000"`
	Category   string           `json:"category" binding:"max=32" doc:"a request category's code; empty for any"`
	Source     string           `json:"source" binding:"max=200" doc:"what the answer rests on: a policy, the dispatch guide, a notice"`
	ValidUntil *string          `json:"valid_until" format:"date" doc:"the last district date the entry holds (e.g. 2026-12-31); null or empty: no end"`
	Status     knowledge.Status `json:"status" doc:"draft (the default; staff only) → published (residents find it while valid) ⇄ retired; never back to draft"`
	Version    *int64           `json:"version" binding:"omitempty,min=1,max=9223372036854775807" doc:"a change's: the version the member saw (required; a changed one is 409); a new entry's is ignored"`
}

func (in knowledgeInput) input() knowledge.Input {
	return knowledge.Input{Question: in.Question, Answer: in.Answer, Category: in.Category, Source: in.Source,
		ValidUntil: in.ValidUntil, Status: in.Status}
}

var createKnowledgeOp = op{
	Tag:     "admin-requests",
	Summary: "Add a knowledge entry",
	Description: "knowledge.manage. The entry belongs to the caller's department (the district's for a member without one). 400 names " +
		"an unknown category, a bad date, a blank question or answer. Audited (target knowledge/{id}).",
	Body:    knowledgeInput{},
	Replies: []reply{created(knowledge.Entry{})},
}

func (s *Server) createKnowledge(c *gin.Context) {
	var req knowledgeInput
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	e, err := s.Knowledge.Create(c.Request.Context(), actor(c), req.input())
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, e)
}

var getAdminKnowledgeOp = op{
	Tag:         "admin-requests",
	Summary:     "A knowledge entry",
	Description: "knowledge.manage. An entry of the caller's department; another department's answers 404 like a missing one.",
	Replies:     []reply{ok(knowledge.Entry{})},
}

func (s *Server) getAdminKnowledge(c *gin.Context) {
	e, err := s.Knowledge.Find(c.Request.Context(), actor(c), pathID(c, "id"))
	respond(s, c, e, err)
}

var updateKnowledgeOp = op{
	Tag:     "admin-requests",
	Summary: "Change a knowledge entry",
	Description: "knowledge.manage. Replaces the entry's texts and status, guarded by version (409 when someone changed it since). " +
		"version is required here (400 naming it). A published or retired entry cannot go back to draft (400 naming status). Another department's entry answers 404. Audited.",
	Body:    knowledgeInput{},
	Replies: []reply{ok(knowledge.Entry{})},
	Errors:  []int{http.StatusConflict},
}

func (s *Server) updateKnowledge(c *gin.Context) {
	var req knowledgeInput
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	if req.Version == nil {
		s.fail(c, apperr.Field("version", "必填"))
		return
	}
	in := req.input()
	in.Version = *req.Version
	e, err := s.Knowledge.Update(c.Request.Context(), actor(c), pathID(c, "id"), in)
	respond(s, c, e, err)
}

var deleteKnowledgeOp = op{
	Tag:     "admin-requests",
	Summary: "Delete a draft knowledge entry",
	Description: "knowledge.manage. Only a draft (never published) is deleted; a published or retired entry is kept for the answers " +
		"that quoted it (409: retire it instead). Another department's entry answers 404. Audited.",
	Replies: []reply{noContent()},
	Errors:  []int{http.StatusConflict},
}

func (s *Server) deleteKnowledge(c *gin.Context) {
	if err := s.Knowledge.Delete(c.Request.Context(), actor(c), pathID(c, "id")); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
