package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/notify"
)

func (s *Server) saveSubscriptions(c *gin.Context) {
	var req struct {
		Results map[string]string `json:"results" binding:"required"`
	}
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	qs, err := s.Notify.SaveSubscriptions(c.Request.Context(), residentID(c), req.Results)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newPage(qs, ""))
}

func (s *Server) listSubscriptions(c *gin.Context) {
	qs, err := s.Notify.Quotas(c.Request.Context(), residentID(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newPage(qs, ""))
}

func (s *Server) createNotice(c *gin.Context) {
	var req struct {
		Title      string            `json:"title" binding:"required"`
		Body       string            `json:"body" binding:"required"`
		Category   string            `json:"category" binding:"required"`
		Audience   notify.Audience   `json:"audience"`
		PublishAt  string            `json:"publish_at"`
		ExpiresAt  string            `json:"expires_at"`
		RequireAck bool              `json:"require_ack"`
		SMS        bool              `json:"sms"`
		Subscribe  *notify.Subscribe `json:"subscribe"`
	}
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	if err := s.checkTemplate(c, req.Subscribe); err != nil {
		s.fail(c, err)
		return
	}
	publishAt, err := parseTime("publish_at", req.PublishAt)
	if err != nil {
		s.fail(c, err)
		return
	}
	expiresAt, err := parseTime("expires_at", req.ExpiresAt)
	if err != nil {
		s.fail(c, err)
		return
	}
	n, err := s.Notify.Create(c.Request.Context(), actor(c), s.Residents.Regions(), notify.Draft{
		Title: req.Title, Body: req.Body, Category: req.Category, Audience: req.Audience, PublishAt: publishAt,
		ExpiresAt: expiresAt, RequireAck: req.RequireAck, SMS: req.SMS, Subscribe: req.Subscribe,
	})
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, n)
}

// updateNotice edits a draft (or a rejected notice, which goes back to
// draft). Fields absent from the body stay; publish_at, expires_at and
// subscribe may be null to clear them (publish_at null: on approval).
func (s *Server) updateNotice(c *gin.Context) {
	var req struct {
		Title      *string          `json:"title"`
		Body       *string          `json:"body"`
		Category   *string          `json:"category"`
		Audience   *notify.Audience `json:"audience"`
		PublishAt  json.RawMessage  `json:"publish_at"`
		ExpiresAt  json.RawMessage  `json:"expires_at"`
		RequireAck *bool            `json:"require_ack"`
		SMS        *bool            `json:"sms"`
		Subscribe  json.RawMessage  `json:"subscribe"`
	}
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	p := notify.Patch{Title: req.Title, Body: req.Body, Category: req.Category, Audience: req.Audience,
		RequireAck: req.RequireAck, SMS: req.SMS}
	var err error
	if p.SetPublishAt, p.PublishAt, err = nullableTime("publish_at", req.PublishAt); err != nil {
		s.fail(c, err)
		return
	}
	if p.SetExpiresAt, p.ExpiresAt, err = nullableTime("expires_at", req.ExpiresAt); err != nil {
		s.fail(c, err)
		return
	}
	if len(req.Subscribe) > 0 {
		p.SetSubscribe = true
		if err := json.Unmarshal(req.Subscribe, &p.Subscribe); err != nil {
			field := "subscribe"
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) && te.Field != "" {
				field += "." + te.Field
			}
			s.fail(c, apperr.Field(field, "须为对象 {template_id, data, page} 或 null；data 的值须为字符串或 {\"value\": 字符串}"))
			return
		}
		if err := s.checkTemplate(c, p.Subscribe); err != nil {
			s.fail(c, err)
			return
		}
	}
	id := pathID(c, "id")
	n, err := s.Notify.Update(c.Request.Context(), actor(c), s.Residents.Regions(), id, p)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, n)
}

// nullableTime reads a JSON value that may be absent (set false), null
// (set, nil) or an RFC 3339 string.
func nullableTime(field string, raw json.RawMessage) (set bool, t *time.Time, err error) {
	if len(raw) == 0 {
		return false, nil, nil
	}
	if string(raw) == "null" {
		return true, nil, nil
	}
	var v string
	if json.Unmarshal(raw, &v) != nil || v == "" {
		return false, nil, apperr.Field(field, "须为 RFC 3339 时间或 null")
	}
	t, err = parseTime(field, v)
	return true, t, err
}

func (s *Server) previewAudience(c *gin.Context) {
	var req struct {
		Audience   notify.Audience `json:"audience"`
		TemplateID string          `json:"template_id" binding:"max=64"`
	}
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	p, err := s.Notify.PreviewAudience(c.Request.Context(), actor(c), s.Residents.Regions(), req.Audience, req.TemplateID)
	if err != nil {
		s.fail(c, err)
		return
	}
	detail := "audience " + auditAudience(req.Audience)
	if req.TemplateID != "" {
		detail += " template_id " + req.TemplateID
	}
	auditDetail(c, detail)
	c.JSON(http.StatusOK, p)
}

// maxAuditAudience bounds an audience's JSON in an audit entry.
const maxAuditAudience = 8 << 10

// auditAudience writes an audience for the audit log as JSON. One too long
// keeps the first 20 values of each list and says so.
func auditAudience(a notify.Audience) string {
	b, _ := json.Marshal(a)
	if len(b) <= maxAuditAudience {
		return string(b)
	}
	total := len(a.Streets) + len(a.Communities) + len(a.Tags) + len(a.EnterpriseGrades) + len(a.EnterpriseIndustries) + len(a.ResidentIDs)
	a.Streets, a.Communities, a.Tags = a.Streets[:min(20, len(a.Streets))], a.Communities[:min(20, len(a.Communities))], a.Tags[:min(20, len(a.Tags))]
	a.EnterpriseGrades, a.EnterpriseIndustries = a.EnterpriseGrades[:min(20, len(a.EnterpriseGrades))], a.EnterpriseIndustries[:min(20, len(a.EnterpriseIndustries))]
	a.ResidentIDs = a.ResidentIDs[:min(20, len(a.ResidentIDs))]
	b, _ = json.Marshal(a)
	return string(b) + " (each list cut to its first 20 values; " + strconv.Itoa(total) + " values in all)"
}

// noticeStep runs one lifecycle step on the notice in the path.
func (s *Server) noticeStep(c *gin.Context, step func(id int64, reason string) (*notify.Notice, error)) {
	var req struct {
		Reason string `json:"reason"`
	}
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	id := pathID(c, "id")
	n, err := step(id, req.Reason)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, n)
}

func (s *Server) submitNotice(c *gin.Context) {
	s.noticeStep(c, func(id int64, _ string) (*notify.Notice, error) {
		return s.Notify.Submit(c.Request.Context(), actor(c), s.Residents.Regions(), id)
	})
}

func (s *Server) approveNotice(c *gin.Context) {
	s.noticeStep(c, func(id int64, _ string) (*notify.Notice, error) {
		return s.Notify.Approve(c.Request.Context(), actor(c), s.Residents.Regions(), id)
	})
}

func (s *Server) rejectNotice(c *gin.Context) {
	s.noticeStep(c, func(id int64, reason string) (*notify.Notice, error) {
		return s.Notify.Reject(c.Request.Context(), actor(c), s.Residents.Regions(), id, reason)
	})
}

func (s *Server) withdrawNotice(c *gin.Context) {
	s.noticeStep(c, func(id int64, reason string) (*notify.Notice, error) {
		return s.Notify.Withdraw(c.Request.Context(), actor(c), s.Residents.Regions(), id, reason)
	})
}

func (s *Server) listNotices(c *gin.Context) {
	limit, before, err := parseIDPage(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	f := notify.Filter{Status: c.Query("status"), Category: c.Query("category"), Author: c.Query("author"), Q: c.Query("q"),
		Before: before, Limit: limit}
	switch c.Query("reviewable") {
	case "", "false":
	case "true":
		f.ReviewableBy = actor(c).ID
	default:
		s.fail(c, apperr.Field("reviewable", "须为 true 或 false"))
		return
	}
	if v := c.Query("author_id"); v != "" {
		if f.AuthorID, err = parseID("author_id", v); err != nil {
			s.fail(c, err)
			return
		}
	}
	if f.Since, err = parseTime("since", c.Query("since")); err != nil {
		s.fail(c, err)
		return
	}
	if f.Until, err = parseTime("until", c.Query("until")); err != nil {
		s.fail(c, err)
		return
	}
	items, next, err := s.Notify.Find(c.Request.Context(), actor(c), s.Residents.Regions(), f)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newIDPage(items, next))
}

func (s *Server) getAdminNotice(c *gin.Context) {
	n, events, err := s.Notify.FindByID(c.Request.Context(), actor(c), s.Residents.Regions(), pathID(c, "id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"notice": n, "events": events})
}

func (s *Server) noticeStats(c *gin.Context) {
	st, err := s.Notify.Stats(c.Request.Context(), actor(c), s.Residents.Regions(), pathID(c, "id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, st)
}

func (s *Server) listInbox(c *gin.Context) {
	p, err := parsePage(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	f := notify.InboxFilter{Cursor: p.Cursor, Limit: p.Limit}
	switch c.Query("unread") {
	case "", "false", "0":
	case "true", "1":
		f.Unread = true
	default:
		s.fail(c, apperr.Field("unread", "须为 true 或 false"))
		return
	}
	items, next, err := s.Notify.Inbox(c.Request.Context(), residentID(c), f)
	if errors.Is(err, notify.ErrBadCursor) {
		err = apperr.Field("page_token", "无效的分页标记")
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newPage(items, next))
}

func (s *Server) unreadCount(c *gin.Context) {
	n, err := s.Notify.UnreadCount(c.Request.Context(), residentID(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"count": n})
}

func (s *Server) getNotice(c *gin.Context) {
	it, err := s.Notify.Open(c.Request.Context(), residentID(c), pathID(c, "id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, it)
}

func (s *Server) ackNotice(c *gin.Context) {
	it, err := s.Notify.Ack(c.Request.Context(), residentID(c), pathID(c, "id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, it)
}

// checkTemplate refuses a subscribe message whose template is not among
// the account's (with VerifyTemplates), so that a channel that cannot be
// sent is never saved. A malformed template is left to the draft's
// validation; when WeChat can't answer, the template is taken as given
// (the send then fails for good, 40037, and the statistics say so).
func (s *Server) checkTemplate(c *gin.Context, sub *notify.Subscribe) error {
	if sub == nil || !s.VerifyTemplates || !notify.ValidTemplateID(sub.TemplateID) {
		return nil
	}
	ok, err := s.WeChat.HasTemplate(c.Request.Context(), sub.TemplateID)
	if err != nil {
		s.Log.WarnContext(c.Request.Context(), "subscribe template not verified", "err", err)
		return nil
	}
	if !ok {
		return apperr.Field("subscribe.template_id", "不是本小程序的订阅消息模板，请从模板列表中选择")
	}
	return nil
}

// wechatTemplate is one of the account's subscribe templates, as the
// console's picker shows it.
type wechatTemplate struct {
	TemplateID string          `json:"template_id"`
	Title      string          `json:"title"`
	Type       string          `json:"type"` // one_time or long_term
	Content    string          `json:"content"`
	Keywords   []wechatKeyword `json:"keywords"`
}

type wechatKeyword struct {
	Name  string `json:"name"`
	Label string `json:"label"`
}

// listWeChatTemplates answers the account's subscribe-message templates
// (kept a minute by the WeChat client); 503 when WeChat can't answer.
func (s *Server) listWeChatTemplates(c *gin.Context) {
	list, err := s.WeChat.Templates(c.Request.Context())
	if err != nil {
		s.Log.WarnContext(c.Request.Context(), "list subscribe templates", "err", err)
		s.fail(c, apperr.New(apperr.Unavailable, "暂时无法从微信获取订阅消息模板，请稍后再试"))
		return
	}
	items := make([]wechatTemplate, len(list))
	for i, t := range list {
		typ := "one_time"
		if t.LongTerm {
			typ = "long_term"
		}
		kws := make([]wechatKeyword, len(t.Keywords))
		for j, k := range t.Keywords {
			kws[j] = wechatKeyword{Name: k.Name, Label: k.Label}
		}
		items[i] = wechatTemplate{TemplateID: t.ID, Title: t.Title, Type: typ, Content: t.Content, Keywords: kws}
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}
