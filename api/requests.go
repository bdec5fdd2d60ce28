package api

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/requests"
	"github.com/futian/ifutian/wechat"
)

// photoUploadPath takes one photo per request, as wx.uploadFile sends it;
// its body may be larger than maxBody: up to maxUploadBody, so that a photo
// over requests.MaxPhotoBytes is told as a 400 naming file.
const (
	photoUploadPath = "/api/v1/requests/photos"
	maxUploadBody   = requests.MaxPhotoBytes + 2<<20
)

// uploadRequestPhoto takes multipart/form-data with the photo in "file".
func (s *Server) uploadRequestPhoto(c *gin.Context) {
	s.withUploadedFile(c, func(file io.Reader) error {
		up, err := s.Requests.UploadPhoto(c.Request.Context(), residentID(c), file)
		if err == nil {
			c.JSON(http.StatusCreated, up)
		}
		return err
	})
}

// submitRequestInput is a resident's request as the mini program sends it.
// client_key, category, description and street are required, checked with
// every other field by Submit (not by the binding), so that a 400 names
// every bad field at once.
type submitRequestInput struct {
	ClientKey   string   `json:"client_key" binding:"max=64" doc:"required: makes the submit idempotent: the same key returns the first request (200); with other content 409"`
	Category    string   `json:"category" binding:"max=32" doc:"required: a code from GET /requests/categories"`
	Description string   `json:"description" binding:"max=1000" doc:"required"`
	Street      string   `json:"street" binding:"max=32" doc:"required: a street from GET /regions"`
	Community   string   `json:"community" binding:"max=32" doc:"a community of that street"`
	Address     string   `json:"address" binding:"max=200"`
	Latitude    *float64 `json:"latitude" binding:"omitempty,gte=-90,lte=90"`
	Longitude   *float64 `json:"longitude" binding:"omitempty,gte=-180,lte=180"`
	Contact     string   `json:"contact" binding:"max=20" doc:"a number to call back on; staff see it in the request's detail (audited)"`
	Public      bool     `json:"public" doc:"may be shown publicly, anonymised, once its text passed WeChat's content check"`
	Photos      []string `json:"photos" binding:"dive,max=64" doc:"upload tokens, in order; at most 6 (400 naming photos)"`
}

var submitRequestOp = op{
	Tag:     "requests",
	Summary: "提交诉求（民意速办）",
	Description: "Resident. The request is routed to the department its category and street map to (no route: the district's own " +
		"queue) and due at the end of the category's working days (Monday to Friday and the official holiday calendar with its " +
		"make-up working days; deadline_text says it as people do). Idempotent on client_key. Unknown category or street, a " +
		"community of another street, text over its limit, more than 6 photos, a photo token that is not the caller's unused " +
		"upload: 400 naming the field, nothing written. A public request's text and photos go through WeChat's content check; the " +
		"request reaches its department whatever the check says. Search the knowledge base first (GET /knowledge): a consultation " +
		"it answers needs no request.",
	Body:    submitRequestInput{},
	Replies: []reply{created(requests.View{}), {Status: http.StatusOK, Description: "The first request of this client_key", Body: requests.View{}}},
	Errors:  []int{http.StatusConflict},
}

func (s *Server) submitRequest(c *gin.Context) {
	var req submitRequestInput
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	v, repeated, err := s.Requests.Submit(c.Request.Context(), residentID(c), requests.NewRequest{
		ClientKey: req.ClientKey, Category: req.Category, Description: req.Description, Street: req.Street,
		Community: req.Community, Address: req.Address, Latitude: req.Latitude, Longitude: req.Longitude,
		Contact: req.Contact, Public: req.Public, Photos: req.Photos,
	})
	if err != nil {
		s.fail(c, err)
		return
	}
	respondCreated(c, !repeated, v)
}

type listMyRequestsQuery struct {
	pageQuery
	Status string `form:"status" binding:"omitempty,oneof=open closed" doc:"open: not answered yet (a merged request too); closed: answered (still to be rated or reopened: can_rate) or closed; all when left out"`
}

var listMyRequestsOp = op{
	Tag:         "requests",
	Summary:     "我的诉求",
	Description: "Resident. My requests, newest first. GET /api/v1/home counts the open ones.",
	Query:       listMyRequestsQuery{},
	Replies:     []reply{ok(page[requests.View]{})},
}

func (s *Server) listMyRequests(c *gin.Context) {
	var q listMyRequestsQuery
	if err := bindQuery(c, &q); err != nil {
		s.fail(c, err)
		return
	}
	limit, before, err := q.idPage()
	if err != nil {
		s.fail(c, err)
		return
	}
	vs, next, err := s.Requests.Mine(c.Request.Context(), residentID(c), q.Status, limit, before)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newIDPage(vs, next))
}

var getMyRequestOp = op{
	Tag:     "requests",
	Summary: "诉求详情",
	Description: "Resident. One of my requests with its history, the department handling it, the deadline (deadline_text: " +
		"\"12月14日（周一）前办结\"), the answer and the knowledge entry it quotes. Another resident's is 404.",
	Replies: []reply{ok(requests.View{})},
}

func (s *Server) getMyRequest(c *gin.Context) {
	v, err := s.Requests.Get(c.Request.Context(), residentID(c), pathID(c, "id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, v)
}

// photoNumber reads the photo number; a malformed one is 0 (not found).
func photoNumber(c *gin.Context) int {
	n, err := strconv.Atoi(c.Param("n"))
	if err != nil || n < 1 || n > requests.MaxPhotos {
		return 0
	}
	return n
}

// sendPhoto answers with a photo's bytes, never cached by shared caches.
func sendPhoto(c *gin.Context, p *requests.PhotoData) {
	defer p.Body.Close()
	c.Header("Cache-Control", "private, no-store")
	c.DataFromReader(http.StatusOK, p.Size, p.ContentType, p.Body, nil)
}

func (s *Server) getMyRequestPhoto(c *gin.Context) {
	p, err := s.Requests.Photo(c.Request.Context(), residentID(c), pathID(c, "id"), photoNumber(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	sendPhoto(c, p)
}

type rateRequestInput struct {
	Rating  int    `json:"rating" binding:"required,min=1,max=5"`
	Comment string `json:"comment" binding:"max=500"`
	Reopen  bool   `json:"reopen" doc:"with a rating of 1–2: send it back to the department once"`
}

var rateRequestOp = op{
	Tag:     "requests",
	Summary: "评价答复（好差评）",
	Description: "Resident. Rate the answer 1–5 with an optional comment, once per answer, within 7 days of it; then the request " +
		"closes. A rating of 1–2 with reopen=true sends it back to the department once, with a new deadline (its next answer can " +
		"be rated again). Not answered or already rated: 409; past 7 days: 409; a second reopen: 409; reopen with 3–5: 400 naming reopen.",
	Body:    rateRequestInput{},
	Replies: []reply{ok(requests.View{})},
	Errors:  []int{http.StatusConflict},
}

func (s *Server) rateRequest(c *gin.Context) {
	var req rateRequestInput
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	v, err := s.Requests.Rate(c.Request.Context(), residentID(c), pathID(c, "id"), req.Rating, req.Comment, req.Reopen)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, v)
}

func (s *Server) listPublicRequests(c *gin.Context) {
	limit, before, err := parseIDPage(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	rs, next, err := s.Requests.Public(c.Request.Context(), limit, before)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newIDPage(rs, next))
}

func (s *Server) listRequestCategories(c *gin.Context) {
	all, err := parseBool("all", c.Query("all"))
	if err != nil {
		s.fail(c, err)
		return
	}
	cs, err := s.Requests.Categories(c.Request.Context(), all == nil || !*all)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newPage(cs, ""))
}

// verifyWeChatPush answers the URL check WeChat makes when message push is
// configured: echostr back, if the signature holds.
func (s *Server) verifyWeChatPush(c *gin.Context) {
	if !wechat.PushSigned(s.PushToken, c.Request) {
		s.fail(c, apperr.New(apperr.PermissionDenied, "签名无效"))
		return
	}
	c.Data(http.StatusOK, "text/plain; charset=utf-8", []byte(c.Query("echostr")))
}

// receiveWeChatPush takes WeChat's message pushes: the verdicts of image
// content checks. It answers "success" once a verdict is recorded (or the
// event is not one we wait for); a verdict for a check whose trace ID is not
// stored yet is refused, and WeChat pushes it again.
func (s *Server) receiveWeChatPush(c *gin.Context) {
	v, err := wechat.ReadMediaVerdict(s.PushToken, c.Request)
	if errors.Is(err, wechat.ErrBadSignature) {
		s.fail(c, apperr.New(apperr.PermissionDenied, "签名无效"))
		return
	}
	if err != nil {
		s.fail(c, apperr.Field("body", "无法解析的推送"))
		return
	}
	if v != nil {
		err := s.Requests.ApplyMediaVerdict(c.Request.Context(), v.TraceID, v.Suggest)
		if errors.Is(err, requests.ErrUnknownTrace) {
			s.fail(c, apperr.New(apperr.NotFound, "未知的 trace_id"))
			return
		}
		if err != nil {
			s.fail(c, err)
			return
		}
	}
	c.Data(http.StatusOK, "text/plain; charset=utf-8", []byte("success"))
}

// serveCheckMedia lets WeChat fetch a photo it is checking, by the
// unguessable token of that check, only while the check waits.
func (s *Server) serveCheckMedia(c *gin.Context) {
	p, err := s.Requests.Media(c.Request.Context(), c.Param("token"))
	if err != nil {
		s.fail(c, err)
		return
	}
	sendPhoto(c, p)
}

// The department console.

type listRequestsQuery struct {
	pageQuery
	Queue    string              `form:"queue" binding:"omitempty,oneof=new open overdue due_soon escalated flagged" doc:"new: waiting for acceptance; open; overdue; due_soon: within 24 h; escalated: not accepted within a working day; flagged: content check risky"`
	Status   requests.StatusName `form:"status"`
	Category string              `form:"category" binding:"max=32"`
	Street   string              `form:"street" binding:"max=32"`
}

var listRequestsOp = op{
	Tag:     "admin-requests",
	Summary: "诉求队列",
	Description: "requests.handle (request_officer, dept_admin). Requests of the caller's departments and streets (a superadmin: " +
		"all, with the district's own queue), newest first. Merged requests wait for their main request off the queues (status " +
		"merged lists them). An audited read of personal data.",
	Query:   listRequestsQuery{},
	Replies: []reply{ok(page[requests.StaffView]{})},
}

func (s *Server) listRequests(c *gin.Context) {
	var q listRequestsQuery
	if err := bindQuery(c, &q); err != nil {
		s.fail(c, err)
		return
	}
	limit, before, err := q.idPage()
	if err != nil {
		s.fail(c, err)
		return
	}
	vs, next, err := s.Requests.Find(c.Request.Context(), actor(c), requests.Filter{
		Queue: q.Queue, Status: string(q.Status), Category: q.Category, Street: q.Street,
		Before: before, Limit: limit,
	})
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newIDPage(vs, next))
}

var getRequestOp = op{
	Tag:     "admin-requests",
	Summary: "诉求详情（工作台）",
	Description: "requests.handle. One request in the caller's scope with its photos, history and contact number (else 404). An " +
		"audited read of personal data. Its photos carry signed links (url, thumb_url, links_expire_at) that need no header; the " +
		"read's audit entry counts the links issued (detail `photo links N`). Lists and the answers of transitions carry none.",
	Replies: []reply{ok(requests.StaffView{})},
}

// getRequest shows staff a request in their scope, with its photos'
// signed links; the audit entry of the read says how many it issued.
func (s *Server) getRequest(c *gin.Context) {
	v, err := s.Requests.GetForStaff(c.Request.Context(), actor(c), pathID(c, "id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	if n := len(v.Photos); n > 0 {
		auditDetail(c, "photo links "+strconv.Itoa(n))
	}
	c.JSON(http.StatusOK, v)
}

func (s *Server) getRequestPhoto(c *gin.Context) {
	p, err := s.Requests.PhotoForStaff(c.Request.Context(), actor(c), pathID(c, "id"), photoNumber(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	auditDetail(c, "photo "+c.Param("n"))
	sendPhoto(c, p)
}

// versionBody is the version the officer saw, which a transition requires.
type versionBody struct {
	Version int64 `json:"version" binding:"required,min=1,max=9223372036854775807" doc:"the version the officer saw; a changed one is 409"`
}

const staleNote = " Transitions refuse a stale version: of two officers acting at once one wins, the other gets 409. Outside the caller's scope: 404."

var acceptRequestOp = op{
	Tag:         "admin-requests",
	Summary:     "受理",
	Description: "requests.handle. Accept a submitted or transferred request; the resident gets an acceptance notice (with the deadline as people say it)." + staleNote,
	Body:        versionBody{},
	Replies:     []reply{ok(requests.StaffView{})},
	Errors:      []int{http.StatusConflict},
}

func (s *Server) acceptRequest(c *gin.Context) {
	var req versionBody
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	v, err := s.Requests.Accept(c.Request.Context(), actor(c), pathID(c, "id"), req.Version)
	respond(s, c, v, err)
}

var startRequestOp = op{
	Tag:         "admin-requests",
	Summary:     "开始办理",
	Description: "requests.handle. Mark an accepted request in progress." + staleNote,
	Body:        versionBody{},
	Replies:     []reply{ok(requests.StaffView{})},
	Errors:      []int{http.StatusConflict},
}

func (s *Server) startRequest(c *gin.Context) {
	var req versionBody
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	v, err := s.Requests.Start(c.Request.Context(), actor(c), pathID(c, "id"), req.Version)
	respond(s, c, v, err)
}

type transferRequestInput struct {
	Version      int64  `json:"version" binding:"required,min=1,max=9223372036854775807" doc:"the version the officer saw; a changed one is 409"`
	DepartmentID int64  `json:"department_id,string" binding:"required" example:"1" doc:"the department to move it to"`
	Reason       string `json:"reason" binding:"required,max=500"`
}

var transferRequestOp = op{
	Tag:     "admin-requests",
	Summary: "转办",
	Description: "requests.handle. Move a request not yet answered to another department with a reason (400 naming department_id " +
		"or reason). The deadline stays (首办负责制) and the transfer shows in the history; the new department must accept it." + staleNote,
	Body:    transferRequestInput{},
	Replies: []reply{ok(requests.StaffView{})},
	Errors:  []int{http.StatusConflict},
}

func (s *Server) transferRequest(c *gin.Context) {
	var req transferRequestInput
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	v, err := s.Requests.Transfer(c.Request.Context(), actor(c), pathID(c, "id"), req.Version, req.DepartmentID, req.Reason)
	respond(s, c, v, err)
}

type answerRequestInput struct {
	Version       int64  `json:"version" binding:"required,min=1,max=9223372036854775807" doc:"the version the officer saw; a changed one is 409"`
	Answer        string `json:"answer" binding:"required,max=2000"`
	Verified      bool   `json:"verified" doc:"the department found the request true"`
	PointsRule    string `json:"points_rule" binding:"max=64" doc:"with verified: the points rule granting the resident points, once"`
	ComplaintUSCC string `json:"complaint_uscc" binding:"max=18" doc:"with verified: records a complaint credit record against this enterprise (18-character unified social credit code)"`
	KnowledgeID   *int64 `json:"knowledge_id,string" doc:"a knowledge entry the answer quotes (published and valid), shown to the resident as its reference"`
}

var answerRequestOp = op{
	Tag:     "admin-requests",
	Summary: "答复",
	Description: "requests.handle. Answer an accepted request; the resident gets a notice and may rate it for 7 days; requests merged " +
		"into it are answered with it. verified: the department found it true; then points_rule grants the resident points once " +
		"(the rule must be the request's department's or district-wide: 403 naming points_rule; unknown: 400), and complaint_uscc " +
		"records a complaint credit record against that enterprise (needs credit.write and the enterprise in the caller's streets: " +
		"403 naming complaint_uscc; unknown: 400). Both without verified: 400. knowledge_id quotes a knowledge entry (published and " +
		"valid today, else 400 naming knowledge_id)." + staleNote,
	Body:    answerRequestInput{},
	Replies: []reply{ok(requests.StaffView{})},
	Errors:  []int{http.StatusConflict},
}

func (s *Server) answerRequest(c *gin.Context) {
	var req answerRequestInput
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	v, err := s.Requests.Answer(c.Request.Context(), actor(c), pathID(c, "id"), requests.Answer{
		Version: req.Version, Text: req.Answer, Verified: req.Verified, PointsRule: req.PointsRule,
		ComplaintUSCC: req.ComplaintUSCC, KnowledgeID: req.KnowledgeID,
	})
	respond(s, c, v, err)
}

func respond[T any](s *Server, c *gin.Context, v *T, err error) {
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, v)
}

func (s *Server) requestStats(c *gin.Context) {
	st, err := s.Requests.Stats(c.Request.Context(), actor(c), c.Query("month"), c.DefaultQuery("group_by", requests.ByDepartment))
	if err != nil {
		s.fail(c, err)
		return
	}
	switch c.Query("format") {
	case "", "json":
		c.JSON(http.StatusOK, st)
	case "csv":
		name := "requests-" + st.Month + "-" + st.GroupBy + ".csv"
		c.Header("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
		c.Status(http.StatusOK)
		c.Header("Content-Type", "text/csv; charset=utf-8")
		if err := st.WriteCSV(c.Writer); err != nil {
			s.Log.ErrorContext(c.Request.Context(), "write stats csv", "request_id", requestID(c), "err", err)
		}
	default:
		s.fail(c, apperr.Field("format", "须为 json 或 csv"))
	}
}

func (s *Server) saveRequestCategory(c *gin.Context) {
	var req struct {
		Name         string `json:"name" binding:"required"`
		DeadlineDays int    `json:"deadline_days" binding:"required"`
		Active       *bool  `json:"active"`
		Sort         int    `json:"sort" binding:"min=-2147483648,max=2147483647"` // the INT column's range
	}
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	active := req.Active == nil || *req.Active
	cat, created, err := s.Requests.SaveCategory(c.Request.Context(), requests.Category{
		Code: c.Param("code"), Name: req.Name, DeadlineDays: req.DeadlineDays, Active: active, Sort: req.Sort,
	})
	if err != nil {
		s.fail(c, err)
		return
	}
	respondCreated(c, created, cat)
}

func (s *Server) listRequestRoutes(c *gin.Context) {
	rs, err := s.Requests.Routes(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newPage(rs, ""))
}

func (s *Server) saveRequestRoute(c *gin.Context) {
	var req struct {
		Category     string `json:"category" binding:"required"`
		Street       string `json:"street"`
		DepartmentID string `json:"department_id" binding:"required"`
	}
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	dept, err := parseID("department_id", req.DepartmentID)
	if err != nil {
		s.fail(c, err)
		return
	}
	r, err := s.Requests.SaveRoute(c.Request.Context(), requests.Route{Category: req.Category, Street: req.Street, DepartmentID: dept})
	respond(s, c, r, err)
}

func (s *Server) deleteRequestRoute(c *gin.Context) {
	if err := s.Requests.DeleteRoute(c.Request.Context(), c.Param("category"), c.Query("street")); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (s *Server) listHolidays(c *gin.Context) {
	since := c.Query("since")
	if _, err := time.Parse(time.DateOnly, since); since != "" && err != nil {
		s.fail(c, apperr.Field("since", "须为日期，如 2026-01-02"))
		return
	}
	hs, err := s.Requests.Holidays(c.Request.Context(), since)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newPage(hs, ""))
}

func (s *Server) saveHoliday(c *gin.Context) {
	var req struct {
		Kind string `json:"kind" binding:"required"`
		Name string `json:"name"`
	}
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	h, err := s.Requests.SaveHoliday(c.Request.Context(), requests.Holiday{Day: c.Param("day"), Kind: req.Kind, Name: req.Name})
	respond(s, c, h, err)
}

func (s *Server) deleteHoliday(c *gin.Context) {
	if err := s.Requests.DeleteHoliday(c.Request.Context(), c.Param("day")); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
