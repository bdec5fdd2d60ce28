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

func (s *Server) submitRequest(c *gin.Context) {
	var req struct {
		// Required, checked with every other field by Submit, so that a
		// 400 names every bad field at once.
		ClientKey   string   `json:"client_key"`
		Category    string   `json:"category"`
		Description string   `json:"description"`
		Street      string   `json:"street"`
		Community   string   `json:"community"`
		Address     string   `json:"address"`
		Latitude    *float64 `json:"latitude"`
		Longitude   *float64 `json:"longitude"`
		Contact     string   `json:"contact"`
		Public      bool     `json:"public"`
		Photos      []string `json:"photos"`
	}
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

func (s *Server) listMyRequests(c *gin.Context) {
	limit, before, err := parseIDPage(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	vs, next, err := s.Requests.Mine(c.Request.Context(), residentID(c), c.Query("status"), limit, before)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newIDPage(vs, next))
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

func (s *Server) rateRequest(c *gin.Context) {
	var req struct {
		Rating  int    `json:"rating" binding:"required"`
		Comment string `json:"comment"`
		Reopen  bool   `json:"reopen"`
	}
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

func (s *Server) listRequests(c *gin.Context) {
	limit, before, err := parseIDPage(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	vs, next, err := s.Requests.Find(c.Request.Context(), actor(c), requests.Filter{
		Queue: c.Query("queue"), Status: c.Query("status"), Category: c.Query("category"), Street: c.Query("street"),
		Before: before, Limit: limit,
	})
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newIDPage(vs, next))
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
	Version int64 `json:"version" binding:"required,gt=0"`
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

func (s *Server) startRequest(c *gin.Context) {
	var req versionBody
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	v, err := s.Requests.Start(c.Request.Context(), actor(c), pathID(c, "id"), req.Version)
	respond(s, c, v, err)
}

func (s *Server) transferRequest(c *gin.Context) {
	var req struct {
		Version      int64  `json:"version" binding:"required,gt=0"`
		DepartmentID string `json:"department_id" binding:"required"`
		Reason       string `json:"reason" binding:"required"`
	}
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	to, err := parseID("department_id", req.DepartmentID)
	if err != nil {
		s.fail(c, err)
		return
	}
	v, err := s.Requests.Transfer(c.Request.Context(), actor(c), pathID(c, "id"), req.Version, to, req.Reason)
	respond(s, c, v, err)
}

func (s *Server) answerRequest(c *gin.Context) {
	var req struct {
		Version       int64  `json:"version" binding:"required,gt=0"`
		Answer        string `json:"answer" binding:"required"`
		Verified      bool   `json:"verified"`
		PointsRule    string `json:"points_rule"`
		ComplaintUSCC string `json:"complaint_uscc"`
	}
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	v, err := s.Requests.Answer(c.Request.Context(), actor(c), pathID(c, "id"), requests.Answer{
		Version: req.Version, Text: req.Answer, Verified: req.Verified, PointsRule: req.PointsRule, ComplaintUSCC: req.ComplaintUSCC,
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
