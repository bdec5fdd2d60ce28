package api

import (
	"cmp"
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

var uploadRequestPhotoOp = op{
	Tag:     "requests",
	Summary: "上传诉求照片",
	Description: "Resident. One photo per call, multipart/form-data with the file in `file` (as wx.uploadFile sends it). JPEG, " +
		"PNG or WebP, told by content; at most 10 MiB, 12,000 px a side, 40 million pixels and 128 MiB decoded (pixels × bit " +
		"depth × channels, as the header tells before anything is decoded: a 16-bit 6000×6666 PNG is refused). The photo is " +
		"turned upright, scaled to at most 2048 px and encoded again (WebP as JPEG), with a JPEG thumbnail of at most 320 px: " +
		"what is stored carries no EXIF (GPS position, device) or other metadata. Decoding waits for its turn under a limit " +
		"shared by the whole server (memory and CPUs); a photo that does not get it within 15 s is 429 with Retry-After, and " +
		"nothing is stored. Returns a token for the submit's `photos`; an upload no submit references within an hour is " +
		"deleted. A file that is no such image, too large or too many pixels is 400 naming `file`, and nothing is stored. A " +
		"body over 12 MiB is 413.",
	Body:    upload{Description: "the photo, in the part named file"},
	Replies: []reply{created(requests.Upload{})},
}

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

// submitRequestBody is a resident's new request.
type submitRequestBody struct {
	ClientKey   string   `json:"client_key" binding:"required,max=64" doc:"makes the submit idempotent: the same key returns the first request (200); with other content 409" example:"k-20261207-1"`
	Category    string   `json:"category" binding:"required,max=32" doc:"a code from GET /requests/categories" example:"noise"`
	Description string   `json:"description" binding:"required,max=1000" example:"楼下餐馆排风扇夜间噪音很大"`
	Street      string   `json:"street" binding:"required,max=32" doc:"a street from GET /regions" example:"华富街道"`
	Community   string   `json:"community" binding:"max=32" doc:"a community of that street"`
	Address     string   `json:"address" binding:"max=200"`
	Latitude    *float64 `json:"latitude" binding:"omitempty,gte=-90,lte=90"`
	Longitude   *float64 `json:"longitude" binding:"omitempty,gte=-180,lte=180"`
	Contact     string   `json:"contact" binding:"max=20" doc:"a number to call back on; staff see it in the request's detail (audited)"`
	Public      bool     `json:"public" doc:"may be shown publicly, anonymised, once its text passed WeChat's content check"`
	Photos      []string `json:"photos" doc:"upload tokens, in order: at most 6 (400 naming photos)"`
}

var submitRequestOp = op{
	Tag:     "requests",
	Summary: "提交诉求（民意速办）",
	Description: "Resident. The request goes to the unit the responsibility list (职责清单: category and street) names, to be signed " +
		"for (签收); with no entry it waits in the dispatch centre's queue (status dispatching, 待分拨) until the centre dispatches it. " +
		"It is due at the end of the category's working days (Monday to Friday and the official holiday calendar with its make-up " +
		"working days; deadline_text says it as people do). Idempotent on client_key. Unknown category or street, a community of " +
		"another street, text over its limit, more than 6 photos, a photo token that is not the caller's unused upload: 400 naming " +
		"the field, nothing written. A public request's text and photos go through WeChat's content check; the request reaches its " +
		"unit whatever the check says. Search the knowledge base first (GET /knowledge): a consultation it answers needs no request.",
	Body:    submitRequestBody{},
	Replies: []reply{created(requests.View{}), repeated(requests.View{})},
	Errors:  []int{http.StatusConflict},
}

func (s *Server) submitRequest(c *gin.Context) {
	var req submitRequestBody
	err := bindJSON(c, &req)
	n := requests.NewRequest{
		ClientKey: req.ClientKey, Category: req.Category, Description: req.Description, Street: req.Street,
		Community: req.Community, Address: req.Address, Latitude: req.Latitude, Longitude: req.Longitude,
		Contact: req.Contact, Public: req.Public, Photos: req.Photos,
	}
	if ae := (*apperr.Error)(nil); errors.As(err, &ae) && ae.Code == apperr.Invalid && len(ae.Fields) > 0 && ae.Fields["body"] == "" {
		// Name every bad field at once: the domain's too (an unknown
		// category or street).
		more, perr := s.Requests.Problems(c.Request.Context(), n)
		if perr != nil {
			s.fail(c, perr)
			return
		}
		for k, v := range ae.Fields {
			more[k] = v
		}
		err = apperr.Fields(more)
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	v, repeated, err := s.Requests.Submit(c.Request.Context(), residentID(c), n)
	if err != nil {
		s.fail(c, err)
		return
	}
	respondCreated(c, !repeated, v)
}

type listMyRequestsQuery struct {
	pageQuery
	Status requests.MineState `form:"status" doc:"open: not answered yet (at the dispatch centre or a unit, with its enterprise first, or merged into another); closed: answered (still to be rated, called back or reopened) or closed; all when left out"`
}

var listMyRequestsOp = op{
	Tag:     "requests",
	Summary: "我的诉求",
	Description: "Resident. My requests, newest first. status=open lists those not answered yet (a merged request too); " +
		"status=closed those answered (still to be rated: can_rate; waiting for the call-back; reopened) or closed; anything " +
		"else is 400 naming status. GET /api/v1/home counts them.",
	Query:   listMyRequestsQuery{},
	Replies: []reply{ok(page[requests.View]{})},
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
	vs, next, err := s.Requests.Mine(c.Request.Context(), residentID(c), string(q.Status), limit, before)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newIDPage(vs, next))
}

var getMyRequestOp = op{
	Tag:     "requests",
	Summary: "诉求详情",
	Description: "Resident. One of my requests with its history (the steps I am told of: submitted, dispatched, accepted, transferred, " +
		"an extension approved, answered, rated, called back, 重办, closed; never the units' and the centre's own business), the " +
		"unit handling it, the deadline (deadline_text: \"12月14日（周一）前办结\"), the answer and the knowledge entry it quotes. " +
		"Another resident's is 404.",
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

// photoPath names a request's photo: its number, 1–6 (another is 404).
type photoPath struct {
	N int `uri:"n" binding:"min=1,max=6" doc:"the photo's number (1–6)"`
}

// photoReply is a request's photo, never cached by shared caches.
var photoReply = file(http.StatusOK, "the photo (Cache-Control: private, no-store)", "image/jpeg", "image/png")

var getMyRequestPhotoOp = op{
	Tag:         "requests",
	Summary:     "诉求照片",
	Description: "Resident. Photo n of my request. Another resident's is 404.",
	Path:        photoPath{},
	Replies:     []reply{photoReply},
}

func (s *Server) getMyRequestPhoto(c *gin.Context) {
	p, err := s.Requests.Photo(c.Request.Context(), residentID(c), pathID(c, "id"), photoNumber(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	sendPhoto(c, p)
}

// rateBody is a resident's rating of an answer.
type rateBody struct {
	Rating  int    `json:"rating" binding:"required,min=1,max=5" example:"4"`
	Comment string `json:"comment" binding:"max=500"`
	Reopen  bool   `json:"reopen" doc:"with a rating of 1–2: send it back to the unit once, with a new deadline"`
}

var rateRequestOp = op{
	Tag:     "requests",
	Summary: "评价答复（好差评）",
	Description: "Resident. Rate the answer 1–5 with an optional comment, once per answer, within 7 days of it. A rating of 3–5 " +
		"closes it (办结), unless the dispatch centre draws it for its sample of call-backs; a rating of 1–2 (不满意) waits for the " +
		"centre's call-back (回访, status callback) before 办结, and 不满意 again then sends it back to the unit (重办). A rating of " +
		"1–2 with reopen=true sends it back to the unit at once, once, with a new deadline. Not answered or already rated: 409; " +
		"past 7 days: 409; a second reopen: 409; reopen with 3–5: 400 naming reopen.",
	Body:    rateBody{},
	Replies: []reply{ok(requests.View{})},
	Errors:  []int{http.StatusConflict},
}

func (s *Server) rateRequest(c *gin.Context) {
	var req rateBody
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

var listPublicRequestsOp = op{
	Tag:     "requests",
	Summary: "公开的诉求",
	Description: "Anyone. Answered requests whose residents allowed them to be shown, anonymised (no resident, address, " +
		"coordinates, community or photos), whose text and photos passed WeChat's content check; newest first.",
	Query:   pageQuery{},
	Replies: []reply{ok(page[requests.PublicRequest]{})},
}

func (s *Server) listPublicRequests(c *gin.Context) {
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
	rs, next, err := s.Requests.Public(c.Request.Context(), limit, before)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newIDPage(rs, next))
}

type categoriesQuery struct {
	All bool `form:"all" doc:"true: inactive categories too"`
}

var listRequestCategoriesOp = op{
	Tag:     "requests",
	Summary: "诉求类别",
	Description: "Anyone. The categories requests may have, in order, with their deadlines in working days; `all=true` " +
		"includes inactive ones.",
	Query:   categoriesQuery{},
	Replies: []reply{ok(page[requests.Category]{})},
}

func (s *Server) listRequestCategories(c *gin.Context) {
	var q categoriesQuery
	if err := bindQuery(c, &q); err != nil {
		s.fail(c, err)
		return
	}
	cs, err := s.Requests.Categories(c.Request.Context(), !q.All)
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
	Queue    requests.Queue  `form:"queue" doc:"a unit's: new or sign (to be signed for), open, overdue, due_soon (within 24 h), escalated (not accepted within a working day), flagged (content check risky), assisting (协办: another unit leads); the dispatch centre's: dispatch (待分拨), returns (退单待审), extensions (延期待批), callback (待回访)"`
	Status   requests.Status `form:"status"`
	Category string          `form:"category" binding:"max=32"`
	Street   string          `form:"street" binding:"max=32"`
}

var listRequestsOp = op{
	Tag:     "admin-requests",
	Summary: "诉求队列",
	Description: "requests.handle (request_officer, dept_admin). Requests of the caller's units and streets (a superadmin: all, with " +
		"the dispatch centre's queue), newest first, each with its sign-for limit and 剩余时限 (deadline_at). queue=assisting lists " +
		"those the caller's unit assists with. Merged requests wait for their main request off the queues (status merged lists " +
		"them). An audited read of personal data. The dispatch centre reads its queues through GET /admin/dispatch/requests.",
	Query:   listRequestsQuery{},
	Replies: []reply{ok(page[requests.StaffView]{})},
}

func (s *Server) listRequests(c *gin.Context) {
	s.findRequests(c)
}

// findRequests lists requests in the caller's scope by listRequestsQuery.
func (s *Server) findRequests(c *gin.Context) {
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
	f := requests.Filter{
		Queue: string(q.Queue), Status: string(q.Status), Category: q.Category, Street: q.Street,
		Before: before, Limit: limit,
	}
	vs, next, err := s.Requests.Find(c.Request.Context(), actor(c), f)
	if err != nil {
		s.fail(c, err)
		return
	}
	respondCounted(c, s, newIDPage(vs, next), func() (int64, bool, error) {
		return s.Requests.CountFound(c.Request.Context(), actor(c), f)
	})
}

var getRequestOp = op{
	Tag:     "admin-requests",
	Summary: "诉求详情（工作台）",
	Description: "requests.handle. One request of the caller's unit (or one it assists with, 协办) in its streets, with its photos, " +
		"history (each step with its actor), contact number, returns, extensions and supervision letters (else 404). An audited " +
		"read of personal data. Its photos carry signed links (url, thumb_url, links_expire_at) that need no header; the read's " +
		"audit entry counts the links issued (detail `photo links N`). Lists and the answers of transitions carry none.",
	Replies: []reply{ok(requests.StaffView{})},
}

// getRequest shows staff a request in their scope, with its photos'
// signed links; the audit entry of the read says how many it issued.
func (s *Server) getRequest(c *gin.Context) {
	v, err := s.Requests.FindForStaff(c.Request.Context(), actor(c), pathID(c, "id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	if n := len(v.Photos); n > 0 {
		auditDetail(c, "photo links "+strconv.Itoa(n))
	}
	c.JSON(http.StatusOK, v)
}

var getRequestPhotoOp = op{
	Tag:         "admin-requests",
	Summary:     "诉求照片（工作台）",
	Description: "requests.handle. Photo n of a request in scope (else 404). Audited.",
	Path:        photoPath{},
	Replies:     []reply{photoReply},
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
	Version int64 `json:"version" binding:"required,gt=0,lte=9223372036854775807" doc:"the version the officer saw; a changed one is 409" example:"1"`
}

const staleNote = " Transitions refuse a stale version: of two officers acting at once one wins, the other gets 409. Outside the caller's scope: 404."

var acceptRequestOp = op{
	Tag:     "admin-requests",
	Summary: "受理",
	Description: "requests.handle. Accept a request that reached the unit (routed, dispatched, transferred; signed for or not: " +
		"accepting signs for it too); the resident gets an acceptance notice (with the deadline as people say it)." + staleNote,
	Body:    versionBody{},
	Replies: []reply{ok(requests.StaffView{})},
	Errors:  []int{http.StatusConflict},
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

// transferBody moves a request to another unit.
type transferBody struct {
	Version      int64  `json:"version" binding:"required,gt=0,lte=9223372036854775807" doc:"the version the officer saw; a changed one is 409" example:"1"`
	DepartmentID int64  `json:"department_id,string" binding:"required" doc:"the unit it goes to" example:"1"`
	Reason       string `json:"reason" binding:"required,max=500" example:"属占道经营执法职责"`
}

var transferRequestOp = op{
	Tag:     "admin-requests",
	Summary: "转办",
	Description: "requests.handle. Move a request not yet answered to another unit with a reason (400 naming department_id or " +
		"reason). The deadline stays (首办负责制) and the transfer shows in the history; the new unit must sign for it within its " +
		"category's limit." + staleNote,
	Body:    transferBody{},
	Replies: []reply{ok(requests.StaffView{})},
	Errors:  []int{http.StatusConflict},
}

func (s *Server) transferRequest(c *gin.Context) {
	var req transferBody
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	v, err := s.Requests.Transfer(c.Request.Context(), actor(c), pathID(c, "id"), req.Version, req.DepartmentID, req.Reason)
	respond(s, c, v, err)
}

// answerBody is a unit's answer.
type answerBody struct {
	Version       int64  `json:"version" binding:"required,gt=0,lte=9223372036854775807" doc:"the version the officer saw; a changed one is 409" example:"1"`
	Answer        string `json:"answer" binding:"required,max=2000" example:"已约谈商户，22 点后停用排风扇"`
	Verified      bool   `json:"verified" doc:"the unit found the request true"`
	PointsRule    string `json:"points_rule" binding:"max=64" doc:"with verified: a points rule granting the resident points once"`
	ComplaintUSCC string `json:"complaint_uscc" binding:"max=18" doc:"with verified: 18-character unified social credit code of the enterprise complained about"`
	KnowledgeID   *int64 `json:"knowledge_id,string" doc:"a knowledge entry the answer quotes (published and valid), shown to the resident as its reference"`
}

var answerRequestOp = op{
	Tag:     "admin-requests",
	Summary: "答复",
	Description: "requests.handle. Answer an accepted request; the resident gets a notice and may rate it for 7 days; requests merged " +
		"into it are answered with it. verified: the unit found it true; then points_rule grants the resident points once (the rule " +
		"must be the request's unit's or district-wide: 403 naming points_rule; unknown: 400), and complaint_uscc records a " +
		"complaint credit record against that enterprise (needs credit.write and the enterprise in the caller's streets: 403 naming " +
		"complaint_uscc; unknown: 400). Both without verified: 400. knowledge_id quotes a knowledge entry (published and valid " +
		"today, else 400 naming knowledge_id)." + staleNote,
	Body:    answerBody{},
	Replies: []reply{ok(requests.StaffView{})},
	Errors:  []int{http.StatusConflict},
}

func (s *Server) answerRequest(c *gin.Context) {
	var req answerBody
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

type requestStatsQuery struct {
	Month   string           `form:"month" binding:"required" doc:"e.g. 2026-11 (a month in Asia/Shanghai)"`
	GroupBy requests.GroupBy `form:"group_by" doc:"default department"`
	Format  string           `form:"format" binding:"omitempty,oneof=json csv" doc:"csv: a download (UTF-8 with BOM); default json"`
}

var requestStatsOp = op{
	Tag:     "admin-requests",
	Summary: "民意速办统计",
	Description: "requests.read (request_officer, dept_admin, auditor). The figures of requests received in a month " +
		"(Asia/Shanghai) within the caller's scope, by department, category or street: received, response rate (accepted), " +
		"acceptance-notice rate, on-time rate, average handling time, satisfaction (mean rating, share of 4–5), reopened. " +
		"Erased requests still count. format=csv downloads them (UTF-8 with BOM). Bad month, group_by or format: 400 naming it.",
	Query: requestStatsQuery{},
	Replies: []reply{{Status: http.StatusOK, Description: "OK (JSON, or CSV with format=csv)", Body: requests.Stats{},
		Types: []string{"application/json", "text/csv"}}},
}

func (s *Server) requestStats(c *gin.Context) {
	var q requestStatsQuery
	if err := bindQuery(c, &q); err != nil {
		s.fail(c, err)
		return
	}
	st, err := s.Requests.Stats(c.Request.Context(), actor(c), q.Month, string(cmp.Or(q.GroupBy, requests.ByDepartment)))
	if err != nil {
		s.fail(c, err)
		return
	}
	switch q.Format {
	case "", "json":
		c.JSON(http.StatusOK, st)
	case "csv":
		name := "requests-" + st.Month + "-" + string(st.GroupBy) + ".csv"
		c.Header("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
		c.Status(http.StatusOK)
		c.Header("Content-Type", "text/csv; charset=utf-8")
		if err := st.WriteCSV(c.Writer); err != nil {
			s.Log.ErrorContext(c.Request.Context(), "write stats csv", "request_id", requestID(c), "err", err)
		}
	}
}

type categoryPath struct {
	Code requests.CategoryCode `uri:"code" doc:"2–32 lower-case letters, digits or _, a letter first"`
}

// requestCategoryInput is a request category as staff save it.
type requestCategoryInput struct {
	Name         string `json:"name" binding:"required,max=32" example:"噪音扰民"`
	DeadlineDays int    `json:"deadline_days" binding:"required,min=1,max=60" doc:"working days" example:"3"`
	Active       *bool  `json:"active" doc:"default true; an inactive category takes no new requests"`
	Sort         int    `json:"sort" doc:"the place in the list, ascending"` // the INT column's range (contract.go)
}

var saveRequestCategoryOp = op{
	Tag:     "admin-requests",
	Summary: "保存诉求类别",
	Description: "requests.admin (superadmin). Create (201) or replace (200) a category; deadline_days 1–60 working days; an " +
		"inactive category takes no new requests. A code not of its pattern is 400 naming code.",
	Path:    categoryPath{},
	Body:    requestCategoryInput{},
	Replies: []reply{created(requests.Category{}), ok(requests.Category{})},
}

func (s *Server) saveRequestCategory(c *gin.Context) {
	var req requestCategoryInput
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

var listRequestRoutesOp = op{
	Tag:     "admin-requests",
	Summary: "职责清单",
	Description: "requests.read. The responsibility list (职责清单, the routing table): per category and street (\"\": every other " +
		"street) the lead unit a new request goes to, and its assisting unit (协办) if any. A category with no entry for a street " +
		"waits in the dispatch centre's queue.",
	Replies: []reply{ok(page[requests.Route]{})},
	Errors:  []int{http.StatusBadRequest}, // every operation may answer 400 (the contract test's rule)
}

func (s *Server) listRequestRoutes(c *gin.Context) {
	rs, err := s.Requests.Routes(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newPage(rs, ""))
}

// routeBody is an entry of the responsibility list.
type routeBody struct {
	Category           string `json:"category" binding:"required,max=32" example:"noise"`
	Street             string `json:"street" binding:"max=32" doc:"\"\" for every street without its own entry"`
	DepartmentID       int64  `json:"department_id,string" binding:"required" doc:"the lead unit" example:"1"`
	AssistDepartmentID *int64 `json:"assist_department_id,string" doc:"the assisting unit (协办), if any"`
}

var saveRequestRouteOp = op{
	Tag:     "admin-requests",
	Summary: "保存职责清单条目",
	Description: "requests.duties (the dispatch centre, a superadmin). Creates or replaces the entry of a category and street. " +
		"Unknown category, street or unit, or an assisting unit that is the lead: 400 naming the field. Audited (target " +
		"request-route/{category}/{street}, detail the units).",
	Body:    routeBody{},
	Replies: []reply{ok(requests.Route{})},
}

func (s *Server) saveRequestRoute(c *gin.Context) {
	var req routeBody
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	r, err := s.Requests.SaveRoute(c.Request.Context(), requests.Route{Category: req.Category, Street: req.Street,
		DepartmentID: req.DepartmentID, AssistDepartmentID: req.AssistDepartmentID})
	respond(s, c, r, err)
}

type routePath struct {
	Category string `uri:"category" binding:"required,max=32" doc:"the category's code"`
}

type deleteRouteQuery struct {
	Street string `form:"street" binding:"max=32" doc:"the entry's street; left out: the category's entry for every street"`
}

var deleteRequestRouteOp = op{
	Tag:         "admin-requests",
	Summary:     "删除职责清单条目",
	Description: "requests.duties. Removes the entry of a category and street (404 if there is none); its requests then wait in the dispatch centre's queue. Audited.",
	Path:        routePath{},
	Query:       deleteRouteQuery{},
	Replies:     []reply{noContent()},
}

func (s *Server) deleteRequestRoute(c *gin.Context) {
	var q deleteRouteQuery
	if err := bindQuery(c, &q); err != nil {
		s.fail(c, err)
		return
	}
	if err := s.Requests.DeleteRoute(c.Request.Context(), c.Param("category"), q.Street); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

type holidaysQuery struct {
	Since string `form:"since" format:"date" doc:"the first day listed, YYYY-MM-DD; all when left out"`
}

var listHolidaysOp = op{
	Tag:         "admin-requests",
	Summary:     "节假日历",
	Description: "requests.read. The holiday calendar from ?since= (a date; another value is 400 naming since).",
	Query:       holidaysQuery{},
	Replies:     []reply{ok(page[requests.Holiday]{})},
}

func (s *Server) listHolidays(c *gin.Context) {
	var q holidaysQuery
	if err := bindQuery(c, &q); err != nil {
		s.fail(c, err)
		return
	}
	if _, err := time.Parse(time.DateOnly, q.Since); q.Since != "" && err != nil {
		s.fail(c, apperr.Field("since", "须为日期，如 2026-01-02"))
		return
	}
	hs, err := s.Requests.Holidays(c.Request.Context(), q.Since)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newPage(hs, ""))
}

type dayPath struct {
	Day string `uri:"day" pattern:"^[0-9]{4}-[0-9]{2}-[0-9]{2}$" doc:"a district date, e.g. 2026-10-01"`
}

// requestHolidayInput marks a day.
type requestHolidayInput struct {
	Kind requests.HolidayKind `json:"kind" binding:"required"`
	Name string               `json:"name" binding:"max=32" example:"国庆节"`
}

var saveHolidayOp = op{
	Tag:     "admin-requests",
	Summary: "标记节假日",
	Description: "requests.admin (superadmin). Mark a date as a holiday or a make-up working day. Deadlines already set stay; " +
		"new ones count it. Bad date or kind: 400 naming it.",
	Path:    dayPath{},
	Body:    requestHolidayInput{},
	Replies: []reply{ok(requests.Holiday{})},
}

func (s *Server) saveHoliday(c *gin.Context) {
	var req requestHolidayInput
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	h, err := s.Requests.SaveHoliday(c.Request.Context(), requests.Holiday{Day: c.Param("day"), Kind: req.Kind, Name: req.Name})
	respond(s, c, h, err)
}

var deleteHolidayOp = op{
	Tag:         "admin-requests",
	Summary:     "取消节假日标记",
	Description: "requests.admin. Unmark a date; 404 if it was not marked.",
	Path:        dayPath{},
	Replies:     []reply{noContent()},
}

func (s *Server) deleteHoliday(c *gin.Context) {
	if err := s.Requests.DeleteHoliday(c.Request.Context(), c.Param("day")); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
