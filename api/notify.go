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

// subscriptionResults is what wx.requestSubscribeMessage answered.
type subscriptionResults struct {
	Results map[string]string `json:"results" binding:"required" doc:"wx.requestSubscribeMessage's result object as it comes: template_id → accept, acceptWithAudio, acceptWithAlert, reject, ban or filter, 1–20 templates, plus its errMsg (ignored)"`
}

var saveSubscriptionsOp = op{
	Tag:     "notices",
	Summary: "记录订阅消息授权结果",
	Description: "The result object of `wx.requestSubscribeMessage` as it comes, under `results`: its `errMsg` key is ignored. " +
		"Each `accept`, `acceptWithAudio` or `acceptWithAlert` adds one send to my quota for that template; `reject` and `ban` " +
		"set it to 0; `filter` changes nothing. Every template's result is kept in the consent ledger as given. Answers my " +
		"quotas (next_page_token is always empty).",
	Body:    subscriptionResults{},
	Replies: []reply{ok(page[notify.Quota]{})},
}

func (s *Server) saveSubscriptions(c *gin.Context) {
	var req subscriptionResults
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

var listSubscriptionsOp = op{
	Tag:         "notices",
	Summary:     "我的订阅消息额度",
	Description: "My subscribe-message quota. Sends left per template (next_page_token is always empty).",
	Replies:     []reply{ok(page[notify.Quota]{})},
	Errors:      []int{http.StatusBadRequest}, // a query string that is not UTF-8 (checkUTF8)
}

func (s *Server) listSubscriptions(c *gin.Context) {
	qs, err := s.Notify.Quotas(c.Request.Context(), residentID(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newPage(qs, ""))
}

var createNoticeOp = op{
	Tag:     "admin-notices",
	Summary: "Create a notice draft",
	Description: "Editor of a department. The draft then goes submit → approve (by a reviewer of the same department who is " +
		"not the author) → published at publish_at. 403 `permission_denied` naming `audience.streets` or " +
		"`audience.communities` when the audience reaches beyond my streets; the notice belongs to my department. " + audienceDoc,
	Body:    notify.Draft{},
	Replies: []reply{created(notify.Notice{})},
}

// audienceDoc is what an audience means, as the operations taking one say.
const audienceDoc = "An audience: fields AND together; the values inside a field OR; an empty audience is every resident. " +
	"Enterprise grades and industries match residents with an approved binding to such an enterprise. `resident_ids` can't be " +
	"combined with any other field (400 naming `audience.resident_ids`). A street-scoped member's audience must stay within " +
	"their streets: its `streets`, and the streets of its `communities` (403 naming the field otherwise; an audience naming " +
	"neither reaches every street)."

func (s *Server) createNotice(c *gin.Context) {
	var d notify.Draft
	if err := bindJSON(c, &d); err != nil {
		s.fail(c, err)
		return
	}
	if err := s.checkTemplate(c, d.Subscribe); err != nil {
		s.fail(c, err)
		return
	}
	n, err := s.Notify.Create(c.Request.Context(), actor(c), s.Residents.Regions(), d)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, n)
}

var updateNoticeOp = op{
	Tag:     "admin-notices",
	Summary: "Edit a draft",
	Description: "Edit a draft, or a rejected notice, which goes back to draft (its reject reason stays in its history). " +
		"Fields absent stay; publish_at, expires_at and subscribe may be null to clear them (publish_at null: on approval). " +
		"The result is checked whole, like a new draft: 400 names the bad fields and changes nothing; 403 names " +
		"audience.streets or audience.communities for an audience beyond my streets; 404 for a notice outside my scope; 409 " +
		"once submitted. A system message (of my scope) is 409 `conflict` with `details.reason` `system_notice`: it is never " +
		"edited, reviewed or withdrawn.",
	Body:    notify.Patch{},
	Replies: []reply{ok(notify.Notice{})},
	Errors:  []int{http.StatusConflict},
}

// updateNotice edits a draft (or a rejected notice, which goes back to
// draft). Fields absent from the body stay; publish_at, expires_at and
// subscribe may be null to clear them (publish_at null: on approval).
func (s *Server) updateNotice(c *gin.Context) {
	var p notify.Patch
	if err := bindJSON(c, &p); err != nil {
		s.fail(c, err)
		return
	}
	if err := s.checkTemplate(c, p.Subscribe.Value); err != nil {
		s.fail(c, err)
		return
	}
	n, err := s.Notify.Update(c.Request.Context(), actor(c), s.Residents.Regions(), pathID(c, "id"), p)
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

// audiencePreview asks how many an audience reaches.
type audiencePreview struct {
	Audience   notify.Audience `json:"audience"`
	TemplateID string          `json:"template_id" binding:"max=64" doc:"a subscribe template: also count those with consent left for it"`
}

var previewAudienceOp = op{
	Tag:     "admin-notices",
	Summary: "Count an audience",
	Description: "How many live residents of my streets the audience selects now and, given `template_id`, how many of them " +
		"have consent left for that subscribe message (`wechat_reachable`). A count below 5 is not stated, so that a preview " +
		"never tells whether one resident is in an audience: it is `null` and `count_fewer_than` (or " +
		"`wechat_reachable_fewer_than`) is 5 (show \"少于 5 人\"). The audience is checked as for a notice (400, or 403 naming " +
		"the field reaching beyond my streets). Audited with its audience. The body may be left out (every resident). " + audienceDoc,
	Body:         audiencePreview{},
	BodyOptional: true,
	Replies:      []reply{ok(notify.Preview{})},
}

func (s *Server) previewAudience(c *gin.Context) {
	var req audiencePreview
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
	total := len(a.Streets) + len(a.Communities) + len(a.Tags) + len(a.EnterpriseGrades) + len(a.EnterpriseIndustries) +
		len(a.EnterpriseRecordKinds) + len(a.EnterpriseRecordSeverities) + len(a.ResidentIDs)
	a.Streets, a.Communities, a.Tags = a.Streets[:min(20, len(a.Streets))], a.Communities[:min(20, len(a.Communities))], a.Tags[:min(20, len(a.Tags))]
	a.EnterpriseGrades, a.EnterpriseIndustries = a.EnterpriseGrades[:min(20, len(a.EnterpriseGrades))], a.EnterpriseIndustries[:min(20, len(a.EnterpriseIndustries))]
	a.EnterpriseRecordKinds = a.EnterpriseRecordKinds[:min(20, len(a.EnterpriseRecordKinds))]
	a.EnterpriseRecordSeverities = a.EnterpriseRecordSeverities[:min(20, len(a.EnterpriseRecordSeverities))]
	a.ResidentIDs = a.ResidentIDs[:min(20, len(a.ResidentIDs))]
	b, _ = json.Marshal(a)
	return string(b) + " (each list cut to its first 20 values; " + strconv.Itoa(total) + " values in all)"
}

// noticeStepDoc is what every step of a notice's review says of itself.
const noticeStepDoc = " A system message (of my scope) is 409 `conflict` with `details.reason` `system_notice`: it is never " +
	"edited, reviewed or withdrawn."

var submitNoticeOp = op{
	Tag:     "admin-notices",
	Summary: "Submit for review",
	Description: "From draft or rejected. Editor of the owning department; 404 for a notice outside my scope (as " +
		"`GET /admin/notices/{id}`). 409 in any other state." + noticeStepDoc,
	Replies: []reply{ok(notify.Notice{})},
	Errors:  []int{http.StatusConflict},
}

func (s *Server) submitNotice(c *gin.Context) {
	n, err := s.Notify.Submit(c.Request.Context(), actor(c), s.Residents.Regions(), pathID(c, "id"))
	s.answerNotice(c, n, err)
}

var approveNoticeOp = op{
	Tag:     "admin-notices",
	Summary: "Approve",
	Description: "Reviewer of the owning department who is not the author (403 for the author); 404 for a notice outside my " +
		"scope (as `GET /admin/notices/{id}`: a street-scoped reviewer sees only notices whose audience lies in their " +
		"streets). The notice is published at publish_at (at once if that has passed): its audience is then frozen into " +
		"recipients." + noticeStepDoc,
	Replies: []reply{ok(notify.Notice{})},
	Errors:  []int{http.StatusConflict},
}

func (s *Server) approveNotice(c *gin.Context) {
	n, err := s.Notify.Approve(c.Request.Context(), actor(c), s.Residents.Regions(), pathID(c, "id"))
	s.answerNotice(c, n, err)
}

// noticeRejection is why a reviewer sends a notice back.
type noticeRejection struct {
	Reason string `json:"reason" binding:"required,max=500" doc:"shown to the author" example:"受众范围过大，请限定街道"`
}

var rejectNoticeOp = op{
	Tag:     "admin-notices",
	Summary: "Reject",
	Description: "Back to the author with a reason (required). Reviewer of the owning department who is not the author (403 " +
		"for the author); 404 for a notice outside my scope (as `GET /admin/notices/{id}`)." + noticeStepDoc,
	Body:    noticeRejection{},
	Replies: []reply{ok(notify.Notice{})},
	Errors:  []int{http.StatusConflict},
}

func (s *Server) rejectNotice(c *gin.Context) {
	var req noticeRejection
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	n, err := s.Notify.Reject(c.Request.Context(), actor(c), s.Residents.Regions(), pathID(c, "id"), req.Reason)
	s.answerNotice(c, n, err)
}

// noticeWithdrawal is why a notice is taken back (optional; an empty
// body is {}).
type noticeWithdrawal struct {
	Reason string `json:"reason" binding:"max=500" doc:"optional; kept in the notice's history"`
}

var withdrawNoticeOp = op{
	Tag:     "admin-notices",
	Summary: "Withdraw",
	Description: "From submitted, approved or published. A published notice stays in exactly its original recipients' " +
		"inboxes, marked withdrawn and without its body; WeChat sends not yet made are cancelled and their consent returned. " +
		"404 for a notice outside my scope (as `GET /admin/notices/{id}`). The body may be left out." + noticeStepDoc,
	Body:         noticeWithdrawal{},
	BodyOptional: true,
	Replies:      []reply{ok(notify.Notice{})},
	Errors:       []int{http.StatusConflict},
}

func (s *Server) withdrawNotice(c *gin.Context) {
	var req noticeWithdrawal
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	n, err := s.Notify.Withdraw(c.Request.Context(), actor(c), s.Residents.Regions(), pathID(c, "id"), req.Reason)
	s.answerNotice(c, n, err)
}

// answerNotice answers a step's notice, or its error.
func (s *Server) answerNotice(c *gin.Context, n *notify.Notice, err error) {
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, n)
}

type listNoticesQuery struct {
	pageQuery
	Status     notify.Status   `form:"status" doc:"as shown; submitted is the review queue"`
	Category   notify.Category `form:"category"`
	AuthorID   int64           `form:"author_id,string" doc:"the author's staff ID"`
	Author     string          `form:"author" binding:"max=64" doc:"the author's username"`
	Since      string          `form:"since" format:"date-time" doc:"created at or after (RFC 3339)"`
	Until      string          `form:"until" format:"date-time" doc:"created before (RFC 3339)"`
	Q          string          `form:"q" binding:"max=100" doc:"words the title or body contains"`
	Reviewable bool            `form:"reviewable" doc:"true: only the submitted notices I may review (not written by me); status then must be submitted or absent"`
}

var listNoticesOp = op{
	Tag:     "admin-notices",
	Summary: "List my department's notices",
	Description: "Notices within my scope (those `GET /admin/notices/{id}` shows, system notices of my department included), " +
		"newest first. Filters: `status` as shown (draft, submitted, approved, rejected, published, expired, withdrawn; " +
		"`submitted` is the review queue), `category`, `author_id` or `author` (the author's username), `since`/`until` " +
		"(creation time, RFC 3339), `q` (words in the title or body), `reviewable=true` (the review queue: submitted notices I " +
		"did not write, so may review; `status` then must be `submitted` or absent). A bad filter is 400 naming it. System " +
		"messages (fixed texts the system sends residents about their own affairs: `您的诉求已受理`, `积分扣减通知`, …) are no " +
		"department's notices and are not listed. `total` counts what the filters select over all pages.",
	Query:   listNoticesQuery{},
	Replies: []reply{ok(page[notify.Notice]{})},
}

func (s *Server) listNotices(c *gin.Context) {
	var q listNoticesQuery
	if err := bindQuery(c, &q); err != nil {
		s.fail(c, err)
		return
	}
	limit, before, err := q.idPage()
	if err != nil {
		s.fail(c, err)
		return
	}
	f := notify.Filter{Status: q.Status, Category: q.Category, Author: q.Author, AuthorID: q.AuthorID, Q: q.Q, Before: before, Limit: limit}
	if q.Reviewable {
		f.ReviewableBy = actor(c).ID
	}
	var sinceErr, untilErr error
	f.Since, sinceErr = parseTime("since", q.Since)
	f.Until, untilErr = parseTime("until", q.Until)
	if err := mergeFields(sinceErr, untilErr); err != nil {
		s.fail(c, err)
		return
	}
	items, next, err := s.Notify.Find(c.Request.Context(), actor(c), f)
	if err != nil {
		s.fail(c, err)
		return
	}
	respondCounted(c, s, newIDPage(items, next), func() (int64, bool, error) {
		return s.Notify.CountFound(c.Request.Context(), actor(c), f)
	})
}

// noticeHistory is a notice with every step of its life.
type noticeHistory struct {
	Notice notify.Notice  `json:"notice"`
	Events []notify.Event `json:"events" doc:"every step with who and when, oldest first"`
}

var getAdminNoticeOp = op{
	Tag:     "admin-notices",
	Summary: "One notice with its history",
	Description: "Every step with who and when. 404, as for a missing notice, for one outside my scope: another department's " +
		"(a district-wide one is the district's), or one whose audience reaches beyond my streets. System notices of my " +
		"department are shown like any other. A system message is 404, as it is not a department's notice.",
	Replies: []reply{ok(noticeHistory{})},
}

func (s *Server) getAdminNotice(c *gin.Context) {
	n, events, err := s.Notify.FindByID(c.Request.Context(), actor(c), s.Residents.Regions(), pathID(c, "id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	if events == nil {
		events = []notify.Event{}
	}
	c.JSON(http.StatusOK, noticeHistory{Notice: *n, Events: events})
}

var noticeStatsOp = op{
	Tag:     "admin-notices",
	Summary: "Delivery and read statistics",
	Description: "Targeted (frozen at publication), read, acknowledged and WeChat sends, in all and by street; a " +
		"street-scoped member counts only their streets' recipients. 404 for a notice outside my scope (as " +
		"`GET /admin/notices/{id}`).",
	Replies: []reply{ok(notify.Stats{})},
}

func (s *Server) noticeStats(c *gin.Context) {
	st, err := s.Notify.Stats(c.Request.Context(), actor(c), s.Residents.Regions(), pathID(c, "id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, st)
}

type inboxQuery struct {
	pageQuery
	Unread bool `form:"unread" doc:"true: only published notices I have not opened"`
}

var listInboxOp = op{
	Tag:     "notices",
	Summary: "我的通知",
	Description: "My inbox. Notices I received, newest first; expired ones are left out. `?unread=true` lists only published " +
		"notices I have not opened. Items carry a `summary` of the body (the body itself is read with `GET /notices/{id}`), " +
		"and system messages their `kind` and `target`.",
	Query:   inboxQuery{},
	Replies: []reply{ok(page[notify.InboxItem]{})},
}

func (s *Server) listInbox(c *gin.Context) {
	var q inboxQuery
	if err := bindQuery(c, &q); err != nil {
		s.fail(c, err)
		return
	}
	p, err := q.page()
	if err != nil {
		s.fail(c, err)
		return
	}
	items, next, err := s.Notify.Inbox(c.Request.Context(), residentID(c), notify.InboxFilter{Unread: q.Unread, Cursor: p.Cursor, Limit: p.Limit})
	if errors.Is(err, notify.ErrBadCursor) {
		err = apperr.Field("page_token", "无效的分页标记")
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newPage(items, next))
}

// unreadReply is how many notices wait to be opened.
type unreadReply struct {
	Count int64 `json:"count"`
}

var unreadCountOp = op{
	Tag:         "notices",
	Summary:     "未读通知数",
	Description: "Unread count. Published, unexpired notices I have not opened.",
	Replies:     []reply{ok(unreadReply{})},
	Errors:      []int{http.StatusBadRequest}, // a query string that is not UTF-8 (checkUTF8)
}

func (s *Server) unreadCount(c *gin.Context) {
	n, err := s.Notify.UnreadCount(c.Request.Context(), residentID(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, unreadReply{n})
}

var getNoticeOp = op{
	Tag:         "notices",
	Summary:     "查看通知（标记已读）",
	Description: "One notice; marks it read. 404 unless I was among its recipients at publication.",
	Replies:     []reply{ok(notify.InboxNotice{})},
}

func (s *Server) getNotice(c *gin.Context) {
	it, err := s.Notify.Open(c.Request.Context(), residentID(c), pathID(c, "id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, it)
}

var ackNoticeOp = op{
	Tag:     "notices",
	Summary: "确认已知悉通知",
	Description: "Acknowledge. For a require_ack notice (409 otherwise, or when withdrawn or expired); also marks it read. " +
		"Repeating it keeps the first time.",
	Replies: []reply{ok(notify.InboxNotice{})},
	Errors:  []int{http.StatusConflict},
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

// weChatTemplate is one of the account's subscribe templates, as the
// console's picker shows it.
type weChatTemplate struct {
	TemplateID string          `json:"template_id" doc:"WeChat's priTmplId: what subscribe.template_id names and wx.requestSubscribeMessage asks consent for"`
	Title      string          `json:"title" doc:"the template's title, e.g. 活动报名结果通知"`
	Type       templateType    `json:"type"`
	Content    string          `json:"content" doc:"WeChat's content, e.g. 活动名称:{{thing1.DATA}}\\n活动时间:{{time2.DATA}}\\n"`
	Keywords   []weChatKeyword `json:"keywords" doc:"the template's fields in order: name is the key of subscribe.data (its type, thing, time, phrase …, bounds the value), label what WeChat shows beside it"`
}

// templateType is how long a consent lasts: one_time, each consent allows
// one message (WeChat type 2); long_term: 长期订阅 (type 3).
type templateType string

func (templateType) Enum() []string { return []string{"one_time", "long_term"} }

type weChatKeyword struct {
	Name  string `json:"name" example:"thing1"`
	Label string `json:"label" example:"活动名称"`
}

// templateList is the account's subscribe templates.
type templateList struct {
	Items []weChatTemplate `json:"items"`
}

var listWeChatTemplatesOp = op{
	Tag:     "admin-notices",
	Summary: "The account's subscribe-message templates",
	Description: "The mini program's subscribe-message templates (WeChat's 个人模板 list, `wxaapi/newtmpl/gettemplate`), for " +
		"the compose form's picker: a notice's `subscribe.template_id` must be one of them (400 otherwise). Kept by the server " +
		"for a minute, so a template added in WeChat shows within a minute. 503 `upstream_unavailable` when WeChat can't " +
		"answer or refuses. type: one_time, each consent allows one message (WeChat type 2); long_term: 长期订阅 (type 3).",
	Replies: []reply{ok(templateList{})},
	Errors:  []int{http.StatusBadRequest}, // a query string that is not UTF-8 (checkUTF8)
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
	items := make([]weChatTemplate, len(list))
	for i, t := range list {
		typ := templateType("one_time")
		if t.LongTerm {
			typ = "long_term"
		}
		kws := make([]weChatKeyword, len(t.Keywords))
		for j, k := range t.Keywords {
			kws[j] = weChatKeyword{Name: k.Name, Label: k.Label}
		}
		items[i] = weChatTemplate{TemplateID: t.ID, Title: t.Title, Type: typ, Content: t.Content, Keywords: kws}
	}
	c.JSON(http.StatusOK, templateList{Items: items})
}
