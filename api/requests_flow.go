package api

import (
	"mime"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/requests"
)

// The work order (issue 25): the dispatch centre's queues and decisions,
// the units' sign-for, returns and extensions, supervision letters, the
// centre's settings and dispatch guides, and the monthly figures.

const centreNote = " Outside the caller's streets: 404. Recorded in the request's history with the actor."

var listDispatchRequestsOp = op{
	Tag:     "admin-requests",
	Summary: "分拨中心队列",
	Description: "requests.dispatch (the dispatch centre). Requests in the caller's scope (the whole district, or its streets), " +
		"newest first: queue=dispatch 待分拨 (the responsibility list placed them nowhere), returns 退单待审, extensions 延期待批, " +
		"callback 待回访, or any other queue of GET /admin/requests (overdue, due_soon, …) across every unit. An audited read of " +
		"personal data.",
	Query:   listRequestsQuery{},
	Replies: []reply{ok(page[requests.StaffView]{})},
}

func (s *Server) listDispatchRequests(c *gin.Context) { s.findRequests(c) }

var getDispatchRequestOp = op{
	Tag:     "admin-requests",
	Summary: "诉求详情（分拨中心）",
	Description: "requests.dispatch. One request in the caller's scope with its history (each step with its actor), contact number, " +
		"returns, extensions, supervision letters and its category's dispatch guide (分拨指引, guide). An audited read of personal " +
		"data; photos carry signed links as in GET /admin/requests/{id}.",
	Replies: []reply{ok(requests.StaffView{})},
}

func (s *Server) getDispatchRequest(c *gin.Context) { s.getRequest(c) }

// dispatchBody is the centre's 派单.
type dispatchBody struct {
	Version            int64  `json:"version" binding:"required,gt=0,lte=9223372036854775807" doc:"the version the centre saw; a changed one is 409" example:"1"`
	DepartmentID       int64  `json:"department_id,string" binding:"required" doc:"the lead unit (主办)" example:"1"`
	AssistDepartmentID *int64 `json:"assist_department_id,string" doc:"the assisting unit (协办), if any"`
	Note               string `json:"note" binding:"max=500" doc:"the centre's note, in the history (residents do not read it)"`
}

var dispatchRequestOp = op{
	Tag:     "admin-requests",
	Summary: "派单",
	Description: "requests.dispatch. Sends a request waiting at the centre (dispatching) or returned by a unit (returned: the " +
		"return is approved) to a lead unit, with an optional assisting unit; the unit must sign for it within its category's " +
		"limit in working hours. Unknown unit, the assisting unit the lead, or the unit that returned it: 400 naming the field " +
		"(refuse the return instead). Not at the centre, or a stale version: 409." + centreNote,
	Body:    dispatchBody{},
	Replies: []reply{ok(requests.StaffView{})},
	Errors:  []int{http.StatusConflict},
}

func (s *Server) dispatchRequest(c *gin.Context) {
	var req dispatchBody
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	v, err := s.Requests.Dispatch(c.Request.Context(), actor(c), pathID(c, "id"), requests.Dispatch{
		Version: req.Version, DepartmentID: req.DepartmentID, AssistID: req.AssistDepartmentID, Note: req.Note})
	respond(s, c, v, err)
}

// refuseReturnBody is the centre's refusal of a return.
type refuseReturnBody struct {
	Version int64  `json:"version" binding:"required,gt=0,lte=9223372036854775807" doc:"the version the centre saw; a changed one is 409" example:"1"`
	Note    string `json:"note" binding:"required,max=500" doc:"why the unit must handle it" example:"属你单位职责，请签收办理"`
}

var refuseReturnOp = op{
	Tag:     "admin-requests",
	Summary: "驳回退单",
	Description: "requests.dispatch. Refuses a unit's return with the reason: the request goes back to that unit, to be signed for " +
		"(with a new limit) if it had not been, else signed as it was; the return still counts against the unit's limit. Not " +
		"returned, or a stale version: 409." + centreNote,
	Body:    refuseReturnBody{},
	Replies: []reply{ok(requests.StaffView{})},
	Errors:  []int{http.StatusConflict},
}

func (s *Server) refuseReturn(c *gin.Context) {
	var req refuseReturnBody
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	v, err := s.Requests.RefuseReturn(c.Request.Context(), actor(c), pathID(c, "id"), req.Version, req.Note)
	respond(s, c, v, err)
}

// extensionDecisionBody is the centre's decision on an extension.
type extensionDecisionBody struct {
	Approve bool   `json:"approve" doc:"true: the deadline moves by the days asked; false: it stays"`
	Note    string `json:"note" binding:"max=500"`
}

var decideExtensionOp = op{
	Tag:     "admin-requests",
	Summary: "审批延期",
	Description: "requests.dispatch. Approves or refuses the extension a unit asked for. Approved, the deadline moves by the working " +
		"days asked, counted from the present deadline, and the resident is told the new deadline (a fixed system text, " +
		"request_extended); both the request and the decision show in the history. No extension waiting: 409." + centreNote,
	Body:    extensionDecisionBody{},
	Replies: []reply{ok(requests.StaffView{})},
	Errors:  []int{http.StatusConflict},
}

func (s *Server) decideExtension(c *gin.Context) {
	var req extensionDecisionBody
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	v, err := s.Requests.DecideExtension(c.Request.Context(), actor(c), pathID(c, "id"), req.Approve, req.Note)
	respond(s, c, v, err)
}

// urgeBody is a 催办.
type urgeBody struct {
	Note string `json:"note" binding:"max=1000" doc:"what the centre tells the unit"`
}

var urgeRequestOp = op{
	Tag:     "admin-requests",
	Summary: "催办",
	Description: "requests.dispatch. Urges the unit a request is at (signed for or not, not answered); counted in the request's " +
		"urges and the unit's figures. Keeps the version (an officer acting meanwhile is not refused). Not at a unit: 409." +
		centreNote,
	Body:    urgeBody{},
	Replies: []reply{ok(requests.StaffView{})},
	Errors:  []int{http.StatusConflict},
}

func (s *Server) urgeRequest(c *gin.Context) {
	var req urgeBody
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	v, err := s.Requests.Urge(c.Request.Context(), actor(c), pathID(c, "id"), req.Note)
	respond(s, c, v, err)
}

// superviseBody is a supervision letter (督办函).
type superviseBody struct {
	Instruction string `json:"instruction" binding:"required,max=1000" example:"请于 3 个工作日内书面报告整改情况"`
	DueAt       string `json:"due_at" binding:"required" format:"date-time" doc:"the letter's own deadline (RFC 3339); in the future" example:"2030-01-01T18:00:00+08:00"`
}

var superviseRequestOp = op{
	Tag:     "admin-requests",
	Summary: "督办",
	Description: "requests.dispatch. Sends the unit a request is at a supervision letter: an instruction with its own deadline " +
		"(400 naming due_at if not in the future), which the unit's head answers (POST /admin/supervisions/{id}/answer); letters " +
		"are listed apart (GET /admin/supervisions). Not at a unit: 409." + centreNote,
	Body:    superviseBody{},
	Replies: []reply{ok(requests.StaffView{})},
	Errors:  []int{http.StatusConflict},
}

func (s *Server) superviseRequest(c *gin.Context) {
	var req superviseBody
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	due, err := time.Parse(time.RFC3339, req.DueAt)
	if err != nil {
		s.fail(c, apperr.Field("due_at", "须为时间，如 2026-12-10T18:00:00+08:00"))
		return
	}
	v, err := s.Requests.Supervise(c.Request.Context(), actor(c), pathID(c, "id"), req.Instruction, due)
	respond(s, c, v, err)
}

// callbackBody is the centre's call-back (回访).
type callbackBody struct {
	Version int64                    `json:"version" binding:"required,gt=0,lte=9223372036854775807" doc:"the version the centre saw; a changed one is 409" example:"1"`
	Result  requests.CallbackOutcome `json:"result" binding:"required" doc:"what the resident said" example:"satisfied"`
	Note    string                   `json:"note" binding:"max=500"`
}

var callBackRequestOp = op{
	Tag:     "admin-requests",
	Summary: "回访",
	Description: "requests.dispatch. Records the call-back of a request waiting for it (rated 不满意, or drawn for the sample): " +
		"satisfied closes it (办结); unsatisfied sends it back to the same unit (重办, with a new deadline; the resident is told by a " +
		"fixed system text, request_redone) once, after which 不满意 closes it. Not waiting for a call-back, or a stale version: " +
		"409." + centreNote,
	Body:    callbackBody{},
	Replies: []reply{ok(requests.StaffView{})},
	Errors:  []int{http.StatusConflict},
}

func (s *Server) callBackRequest(c *gin.Context) {
	var req callbackBody
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	v, err := s.Requests.CallBack(c.Request.Context(), actor(c), pathID(c, "id"), req.Version, string(req.Result), req.Note)
	respond(s, c, v, err)
}

// The units' steps.

var signRequestOp = op{
	Tag:     "admin-requests",
	Summary: "签收",
	Description: "requests.handle. The unit signs for a request that reached it (routed, dispatched, transferred), separate from " +
		"accepting it; signed after its category's limit it counts as late (sign_late, and the figures' late_signed)." + staleNote,
	Body:    versionBody{},
	Replies: []reply{ok(requests.StaffView{})},
	Errors:  []int{http.StatusConflict},
}

func (s *Server) signRequest(c *gin.Context) {
	var req versionBody
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	v, err := s.Requests.Sign(c.Request.Context(), actor(c), pathID(c, "id"), req.Version)
	respond(s, c, v, err)
}

// returnBody is a unit's 退单.
type returnBody struct {
	Version    int64               `json:"version" binding:"required,gt=0,lte=9223372036854775807" doc:"the version the officer saw; a changed one is 409" example:"1"`
	ReasonCode requests.ReturnCode `json:"reason_code" binding:"required" doc:"not_our_duty 不属于本单位职责, insufficient_info 信息不全, duplicate 重复诉求, out_of_district 非本区管辖, other 其他" example:"not_our_duty"`
	Reason     string              `json:"reason" binding:"required,max=500" doc:"what the unit says" example:"属施工噪音，应由住建局主办"`
}

var returnRequestOp = op{
	Tag:     "admin-requests",
	Summary: "退单",
	Description: "requests.handle. Sends a request the unit has not accepted back to the dispatch centre with a reason from the " +
		"fixed list and a text; the centre re-dispatches it or refuses the return. A unit may return one request at most the " +
		"centre's max_returns times (409 past it)." + staleNote,
	Body:    returnBody{},
	Replies: []reply{ok(requests.StaffView{})},
	Errors:  []int{http.StatusConflict},
}

func (s *Server) returnRequest(c *gin.Context) {
	var req returnBody
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	v, err := s.Requests.Return(c.Request.Context(), actor(c), pathID(c, "id"), requests.ReturnInput{
		Version: req.Version, ReasonCode: string(req.ReasonCode), Reason: req.Reason})
	respond(s, c, v, err)
}

// extensionBody is a unit's 延期申请.
type extensionBody struct {
	Days   int    `json:"days" binding:"required,min=1,max=30" doc:"more working days" example:"3"`
	Reason string `json:"reason" binding:"required,max=500" example:"需协调供电部门现场勘查"`
}

var askExtensionOp = op{
	Tag:     "admin-requests",
	Summary: "延期申请",
	Description: "requests.handle. Asks the dispatch centre for more working days for a request signed for and not answered; the " +
		"deadline moves only when the centre approves. One waiting at a time (409 for a second); not signed for, or answered: " +
		"409. Outside the caller's scope: 404.",
	Body:    extensionBody{},
	Replies: []reply{ok(requests.StaffView{})},
	Errors:  []int{http.StatusConflict},
}

func (s *Server) askExtension(c *gin.Context) {
	var req extensionBody
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	v, err := s.Requests.AskExtension(c.Request.Context(), actor(c), pathID(c, "id"), req.Days, req.Reason)
	respond(s, c, v, err)
}

// Supervision letters.

type listSupervisionsQuery struct {
	pageQuery
	State requests.LetterState `form:"state" doc:"open: not answered; answered; all when left out"`
}

var listSupervisionsOp = op{
	Tag:     "admin-requests",
	Summary: "督办函",
	Description: "requests.read. Supervision letters (督办函), newest first, listed apart from the requests: the dispatch centre sees " +
		"every one in its streets, a unit its own. overdue: not answered by its deadline, or answered after it.",
	Query:   listSupervisionsQuery{},
	Replies: []reply{ok(page[requests.Urge]{})},
}

func (s *Server) listSupervisions(c *gin.Context) {
	var q listSupervisionsQuery
	if err := bindQuery(c, &q); err != nil {
		s.fail(c, err)
		return
	}
	limit, before, err := q.idPage()
	if err != nil {
		s.fail(c, err)
		return
	}
	us, next, err := s.Requests.Supervisions(c.Request.Context(), actor(c), requests.SupervisionFilter{
		State: string(q.State), Before: before, Limit: limit})
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newIDPage(us, next))
}

// supervisionAnswerBody is the unit head's answer.
type supervisionAnswerBody struct {
	Answer string `json:"answer" binding:"required,max=2000" example:"已约谈商铺，限期三日整改"`
}

var answerSupervisionOp = op{
	Tag:     "admin-requests",
	Summary: "答复督办函",
	Description: "requests.supervise (the unit's head: dept_admin). Answers a supervision letter of the caller's unit, once (409 " +
		"for a second); another unit's letter is 404. The answer shows in the request's history.",
	Body:    supervisionAnswerBody{},
	Replies: []reply{ok(requests.Urge{})},
	Errors:  []int{http.StatusConflict},
}

func (s *Server) answerSupervision(c *gin.Context) {
	var req supervisionAnswerBody
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	u, err := s.Requests.AnswerSupervision(c.Request.Context(), actor(c), pathID(c, "id"), req.Answer)
	respond(s, c, u, err)
}

// The centre's settings and dispatch guides.

var getFlowSettingsOp = op{
	Tag:         "admin-requests",
	Summary:     "分拨设置",
	Description: "requests.read. The dispatch centre's settings: how often one unit may return one request (max_returns) and the share (percent) of satisfied ratings also called back (callback_sample).",
	Replies:     []reply{ok(requests.FlowSettings{})},
	Errors:      []int{http.StatusBadRequest},
}

func (s *Server) getFlowSettings(c *gin.Context) {
	fs, err := s.Requests.Settings(c.Request.Context())
	respond(s, c, fs, err)
}

// flowSettingsBody changes the centre's settings.
type flowSettingsBody struct {
	MaxReturns     int `json:"max_returns" binding:"min=0,max=10" doc:"returns one unit may make of one request" example:"2"`
	CallbackSample int `json:"callback_sample" binding:"min=0,max=100" doc:"percent of satisfied ratings also called back" example:"10"`
}

var saveFlowSettingsOp = op{
	Tag:         "admin-requests",
	Summary:     "保存分拨设置",
	Description: "requests.duties (the dispatch centre, a superadmin). Replaces the centre's settings. Audited.",
	Body:        flowSettingsBody{},
	Replies:     []reply{ok(requests.FlowSettings{})},
}

func (s *Server) saveFlowSettings(c *gin.Context) {
	var req flowSettingsBody
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	fs, err := s.Requests.SaveSettings(c.Request.Context(), requests.FlowSettings{MaxReturns: req.MaxReturns, CallbackSample: req.CallbackSample})
	respond(s, c, fs, err)
}

var listRequestGuidesOp = op{
	Tag:         "admin-requests",
	Summary:     "分拨指引",
	Description: "requests.read. Every category's dispatch guide (分拨指引, shown when dispatching) and sign-for limit in working hours (09:00–18:00 on working days; 9 is one working day).",
	Replies:     []reply{ok(page[requests.Guide]{})},
	Errors:      []int{http.StatusBadRequest},
}

func (s *Server) listRequestGuides(c *gin.Context) {
	gs, err := s.Requests.Guides(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newPage(gs, ""))
}

type guidePath struct {
	Code string `uri:"code" binding:"required,max=32" doc:"the category's code"`
}

// guideBody is a category's dispatch guide and sign-for limit.
type guideBody struct {
	Guide     string `json:"guide" binding:"max=2000" doc:"the dispatch guide's text for the category"`
	SignHours int    `json:"sign_hours" binding:"required,min=1,max=90" doc:"the sign-for limit in working hours" example:"9"`
}

var saveRequestGuideOp = op{
	Tag:         "admin-requests",
	Summary:     "保存分拨指引",
	Description: "requests.duties. Sets a category's dispatch guide and sign-for limit (unknown category: 404). Limits already given stay; new arrivals get the new one. Audited.",
	Path:        guidePath{},
	Body:        guideBody{},
	Replies:     []reply{ok(requests.Guide{})},
}

func (s *Server) saveRequestGuide(c *gin.Context) {
	var req guideBody
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	g, err := s.Requests.SaveGuide(c.Request.Context(), c.Param("code"), req.Guide, req.SignHours)
	respond(s, c, g, err)
}

// Figures.

type flowStatsQuery struct {
	Month   string             `form:"month" binding:"required" doc:"the month, district time" example:"2026-11"`
	GroupBy requests.FlowGroup `form:"group_by" doc:"department (default) or street"`
	Format  string             `form:"format" binding:"omitempty,oneof=json csv" doc:"csv: a file (UTF-8 with a BOM, for Excel)"`
}

var requestFlowStatsOp = op{
	Tag:     "admin-requests",
	Summary: "工单统计",
	Description: "requests.read. The work order's figures of a month by unit or street: 签收率 (sign_rate: stays at a unit begun in the " +
		"month signed for within the limit), late_signed, 退单率 (return_rate), 按时办结率 (on_time_rate), 延期率 (extension_rate), " +
		"重办率 (redo_rate), 满意率 (satisfied_rate: the call-back's result where there was one, else a rating of 4–5), 催办 and 督办 " +
		"counts. The dispatch centre sees every unit; a unit its own rows only (its scope). format=csv downloads them.",
	Query: flowStatsQuery{},
	Replies: []reply{{Status: http.StatusOK, Description: "The figures; format=csv: as CSV", Body: requests.FlowStats{},
		Types: []string{"application/json", "text/csv"}}},
}

func (s *Server) requestFlowStats(c *gin.Context) {
	var q flowStatsQuery
	if err := bindQuery(c, &q); err != nil {
		s.fail(c, err)
		return
	}
	if q.GroupBy == "" {
		q.GroupBy = requests.ByDepartment
	}
	st, err := s.Requests.FlowStats(c.Request.Context(), actor(c), q.Month, string(q.GroupBy))
	if err != nil {
		s.fail(c, err)
		return
	}
	if q.Format != "csv" {
		c.JSON(http.StatusOK, st)
		return
	}
	name := "work-orders-" + st.Month + "-" + st.GroupBy + ".csv"
	c.Header("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Status(http.StatusOK)
	if err := st.WriteCSV(c.Writer); err != nil {
		s.Log.ErrorContext(c.Request.Context(), "write flow stats csv", "request_id", requestID(c), "err", err)
	}
}
