package api

import (
	"cmp"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/xuri/excelize/v2"

	"github.com/futian/ifutian/activities"
	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/district"
	"github.com/futian/ifutian/notify"
	"github.com/futian/ifutian/residents"
)

var getMemberCodeOp = op{
	Tag:     "activities",
	Summary: "我的会员码 My member code",
	Description: "Resident only. A new signed code valid about a minute: the mini program shows it as a QR code and fetches a new " +
		"one before expires_at. Staff resolve it (POST /admin/member-codes/resolve) or check the resident in with it. " +
		"404 for a resident erased meanwhile.",
	Replies: []reply{ok(residents.MemberCode{})},
	Errors:  []int{http.StatusBadRequest, http.StatusNotFound},
}

// getMemberCode issues the resident's member code, shown as a QR code.
func (s *Server) getMemberCode(c *gin.Context) {
	mc, err := s.Residents.MemberCode(c.Request.Context(), residentID(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, mc)
}

// memberCodeInput is a member code staff scanned or typed.
type memberCodeInput struct {
	Code string `json:"code" binding:"required,max=64" doc:"the resident's member code, scanned or typed" example:"AbCdEf0123"`
}

var resolveMemberCodeOp = op{
	Tag:     "admin-activities",
	Summary: "识别会员码 Resolve a member code",
	Description: "verifier, editor, dept_admin or points_officer. The masked profile of the resident a member code names, to award " +
		"points, check in or verify a voucher for them. Audited. A forged, tampered or expired code is 400 naming code " +
		"(details.reason invalid or expired); a resident on a street outside the caller's scope, or deleted, is 404.",
	Body:    memberCodeInput{},
	Replies: []reply{ok(residents.Masked{})},
	Errors:  []int{http.StatusNotFound},
}

// resolveMemberCode tells staff whom a member code names (masked).
func (s *Server) resolveMemberCode(c *gin.Context) {
	var req memberCodeInput
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	r, err := s.Residents.ResolveMemberCode(c.Request.Context(), actor(c).Scope(), strings.TrimSpace(req.Code))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, r)
}

// The descriptions of an activity's fields, shared by activityInput and
// activityPatch (a tag can't name a constant, so they repeat the words).

// activityInput is an activity as staff create it. Times are RFC 3339.
type activityInput struct {
	Kind           activities.Kind `json:"kind" binding:"required" doc:"volunteer 志愿服务, legal_education 普法宣传, public_benefit 惠民活动, other 其他" example:"volunteer"`
	Title          string          `json:"title" binding:"required,max=100" example:"社区清洁日"`
	Description    string          `json:"description" binding:"max=2000"`
	Place          string          `json:"place" binding:"required,max=200" example:"香蜜湖街道办事处"`
	Street         string          `json:"street" binding:"required" doc:"one of the district's streets (GET /regions); a street-scoped member only their streets (403 naming street)" example:"香蜜湖街道"`
	Community      string          `json:"community" doc:"a community of street, or empty"`
	StartsAt       string          `json:"starts_at" binding:"required" format:"date-time" example:"2030-01-02T09:00:00+08:00"`
	EndsAt         string          `json:"ends_at" binding:"required" format:"date-time" doc:"after starts_at, at most 31 days later, not past" example:"2030-01-02T11:00:00+08:00"`
	SignupDeadline string          `json:"signup_deadline" format:"date-time" doc:"sign-up and cancellation cut-off (default: starts_at); no later than ends_at, for a standing activity residents may join while it runs"`
	Capacity       int             `json:"capacity" binding:"required,min=1,max=100000" example:"30"`
	Waitlist       bool            `json:"waitlist" doc:"residents past capacity wait in order; a cancellation moves the first up"`
	WalkIns        bool            `json:"walk_ins" doc:"residents not signed up may check in at the door while places remain"`
	Audience       notify.Audience `json:"audience" doc:"who may see and join it; empty: every resident"`
	PointsRule     string          `json:"points_rule" binding:"max=64" doc:"code of a points rule the department may grant under (403 naming points_rule otherwise); empty for none"`
	Hours          float64         `json:"hours" binding:"min=0,max=24" doc:"volunteer hours credited for attending, at most the activity's length"`
}

// activityPatch is any fields of an activity; the others stay.
type activityPatch struct {
	Kind           *activities.Kind `json:"kind" doc:"volunteer 志愿服务, legal_education 普法宣传, public_benefit 惠民活动, other 其他"`
	Title          *string          `json:"title" binding:"omitempty,max=100"`
	Description    *string          `json:"description" binding:"omitempty,max=2000"`
	Place          *string          `json:"place" binding:"omitempty,max=200"`
	Street         *string          `json:"street" doc:"one of the district's streets (GET /regions); a street-scoped member only their streets (403 naming street). Changing street clears community unless it is given too."`
	Community      *string          `json:"community" doc:"a community of street, or empty"`
	StartsAt       *string          `json:"starts_at" format:"date-time"`
	EndsAt         *string          `json:"ends_at" format:"date-time" doc:"after starts_at, at most 31 days later, not past"`
	SignupDeadline *string          `json:"signup_deadline" format:"date-time" doc:"sign-up and cancellation cut-off (default: starts_at); no later than ends_at, for a standing activity residents may join while it runs"`
	Capacity       *int             `json:"capacity" binding:"omitempty,min=1,max=100000"`
	Waitlist       *bool            `json:"waitlist" doc:"residents past capacity wait in order; a cancellation moves the first up"`
	WalkIns        *bool            `json:"walk_ins" doc:"residents not signed up may check in at the door while places remain"`
	Audience       *notify.Audience `json:"audience" doc:"who may see and join it; empty: every resident"`
	PointsRule     *string          `json:"points_rule" binding:"omitempty,max=64" doc:"code of a points rule the department may grant under (403 naming points_rule otherwise); empty for none"`
	Hours          *float64         `json:"hours" binding:"omitempty,min=0,max=24" doc:"volunteer hours credited for attending, at most the activity's length"`
}

// patch turns the request into a domain Patch, parsing its times (an
// empty one is refused: a time can't be unset).
func (r *activityPatch) patch() (activities.Patch, error) {
	p := activities.Patch{
		Kind: r.Kind, Title: r.Title, Description: r.Description, Place: r.Place, Street: r.Street,
		Community: r.Community, Capacity: r.Capacity, Waitlist: r.Waitlist, WalkIns: r.WalkIns,
		Audience: r.Audience, PointsRule: r.PointsRule, Hours: r.Hours,
	}
	fields := map[string]string{}
	for _, t := range []struct {
		field string
		in    *string
		out   **time.Time
	}{{"starts_at", r.StartsAt, &p.StartsAt}, {"ends_at", r.EndsAt, &p.EndsAt}, {"signup_deadline", r.SignupDeadline, &p.SignupDeadline}} {
		if t.in == nil {
			continue
		}
		v, err := parseTime(t.field, *t.in)
		switch {
		case err != nil:
			fields[t.field] = err.(*apperr.Error).Fields[t.field]
		case v == nil:
			fields[t.field] = "不能为空"
		default:
			*t.out = v
		}
	}
	return p, apperr.Fields(fields)
}

// input turns a create request into a domain Input, parsing its times.
func (r *activityInput) input() (activities.Input, error) {
	in := activities.Input{
		Kind: r.Kind, Title: r.Title, Description: r.Description, Place: r.Place, Street: r.Street,
		Community: r.Community, Capacity: r.Capacity, Waitlist: r.Waitlist, WalkIns: r.WalkIns,
		Audience: r.Audience, PointsRule: r.PointsRule, Hours: r.Hours,
	}
	fields := map[string]string{}
	for _, t := range []struct {
		field string
		in    string
		out   func(time.Time)
	}{
		{"starts_at", r.StartsAt, func(v time.Time) { in.StartsAt = v }},
		{"ends_at", r.EndsAt, func(v time.Time) { in.EndsAt = v }},
		{"signup_deadline", r.SignupDeadline, func(v time.Time) { in.SignupDeadline = &v }},
	} {
		v, err := parseTime(t.field, t.in)
		switch {
		case err != nil:
			fields[t.field] = err.(*apperr.Error).Fields[t.field]
		case v != nil:
			t.out(*v)
		}
	}
	return in, apperr.Fields(fields)
}

var createActivityOp = op{
	Tag:     "admin-activities",
	Summary: "创建活动 Create an activity",
	Description: "editor or dept_admin. A draft of the caller's department (a superadmin's is district-wide). Its street and " +
		"audience must lie within the caller's streets (403 naming street, audience.streets or audience.communities) and its " +
		"points rule be one the department may grant under (403 naming points_rule; 400 if unknown).",
	Body:    activityInput{},
	Replies: []reply{created(activities.StaffView{})},
}

func (s *Server) createActivity(c *gin.Context) {
	var req activityInput
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	in, err := req.input()
	if err != nil {
		s.fail(c, err)
		return
	}
	a, err := s.Activities.Create(c.Request.Context(), actor(c), in)
	if err != nil {
		s.fail(c, err)
		return
	}
	v, err := s.Activities.FindForStaff(c.Request.Context(), actor(c), a.ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, v)
}

var updateActivityOp = op{
	Tag:     "admin-activities",
	Summary: "修改活动 Edit an activity",
	Description: "editor or dept_admin, until the activity is over or cancelled (409). Fields left out stay; changing street " +
		"clears community unless it is given too. The capacity can't drop below the confirmed sign-ups, nor the waiting list " +
		"be turned off while someone waits (400 naming the field); raising the capacity moves waiting residents up in order.",
	Body:    activityPatch{},
	Replies: []reply{ok(activities.StaffView{})},
	Errors:  []int{http.StatusConflict},
}

func (s *Server) updateActivity(c *gin.Context) {
	var req activityPatch
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	p, err := req.patch()
	if err != nil {
		s.fail(c, err)
		return
	}
	if _, err := s.Activities.Update(c.Request.Context(), actor(c), pathID(c, "id"), p); err != nil {
		s.fail(c, err)
		return
	}
	s.respondActivity(c)
}

// respondActivity answers with the staff view of the activity in the path.
func (s *Server) respondActivity(c *gin.Context) {
	v, err := s.Activities.FindForStaff(c.Request.Context(), actor(c), pathID(c, "id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, v)
}

var getAdminActivityOp = op{
	Tag:         "admin-activities",
	Summary:     "活动详情 One activity",
	Description: "As the list. Another department's activity, or one on a street outside the caller's, is 404.",
	Replies:     []reply{ok(activities.StaffView{})},
}

func (s *Server) getAdminActivity(c *gin.Context) { s.respondActivity(c) }

var publishActivityOp = op{
	Tag:         "admin-activities",
	Summary:     "发布活动 Publish",
	Description: "editor or dept_admin. Opens a draft to its audience. 409 if published or cancelled already, or over.",
	Replies:     []reply{ok(activities.StaffView{})},
	Errors:      []int{http.StatusConflict},
}

func (s *Server) publishActivity(c *gin.Context) {
	if _, err := s.Activities.Publish(c.Request.Context(), actor(c), pathID(c, "id")); err != nil {
		s.fail(c, err)
		return
	}
	s.respondActivity(c)
}

// cancelActivityInput is why staff cancel an activity.
type cancelActivityInput struct {
	Reason string `json:"reason" binding:"max=500" doc:"kept for staff; never sent to residents"`
}

var cancelActivityOp = op{
	Tag:     "admin-activities",
	Summary: "取消活动 Cancel",
	Description: "editor or dept_admin, before the activity is over (409 after). Everyone signed up (confirmed or waiting) gets a " +
		"fixed system notice naming the activity (kind activity_cancelled); the reason is kept for staff and never sent. " +
		"Cancelling again changes nothing.",
	Body:    cancelActivityInput{},
	Replies: []reply{ok(activities.StaffView{})},
	Errors:  []int{http.StatusConflict},
}

func (s *Server) cancelActivity(c *gin.Context) {
	var req cancelActivityInput
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	if _, err := s.Activities.Cancel(c.Request.Context(), actor(c), pathID(c, "id"), req.Reason); err != nil {
		s.fail(c, err)
		return
	}
	s.respondActivity(c)
}

type listAdminActivitiesQuery struct {
	pageQuery
	Status activities.Status `form:"status" doc:"only activities of this status; empty for all"`
}

var listAdminActivitiesOp = op{
	Tag:         "admin-activities",
	Summary:     "活动列表 Activities",
	Description: "editor, dept_admin, verifier, points_officer or auditor. The caller's department's activities on their streets, newest first.",
	Query:       listAdminActivitiesQuery{},
	Replies:     []reply{ok(page[activities.StaffView]{})},
}

func (s *Server) listAdminActivities(c *gin.Context) {
	var q listAdminActivitiesQuery
	if err := bindQuery(c, &q); err != nil {
		s.fail(c, err)
		return
	}
	limit, before, err := q.idPage()
	if err != nil {
		s.fail(c, err)
		return
	}
	f := activities.Filter{Status: q.Status, Before: before, Limit: limit}
	vs, next, err := s.Activities.List(c.Request.Context(), actor(c), f)
	if err != nil {
		s.fail(c, err)
		return
	}
	respondCounted(c, s, newIDPage(vs, next), func() (int64, bool, error) {
		return s.Activities.Count(c.Request.Context(), actor(c), f)
	})
}

type rosterQuery struct {
	pageQuery
	Attendance activities.Attendance `form:"attendance" doc:"only sign-ups in this state; empty for all"`
}

var activityRosterOp = op{
	Tag:     "admin-activities",
	Summary: "报名名单 Roster",
	Description: "As the list; audited (personal data). Sign-ups in order (the waiting list in its order), masked, with " +
		"attendance, hours and points: only residents of the caller's streets are listed, and to members without " +
		"residents.read street and community are empty.",
	Query:   rosterQuery{},
	Replies: []reply{ok(page[activities.RosterEntry]{})},
}

func (s *Server) activityRoster(c *gin.Context) {
	var q rosterQuery
	if err := bindQuery(c, &q); err != nil {
		s.fail(c, err)
		return
	}
	limit, after, err := q.idPage()
	if err != nil {
		s.fail(c, err)
		return
	}
	es, next, err := s.Activities.ListRoster(c.Request.Context(), actor(c), pathID(c, "id"),
		activities.RosterFilter{Attendance: q.Attendance, After: after, Limit: limit})
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newIDPage(es, next))
}

// rosterExportQuery is the roster export's format.
type rosterExportQuery struct {
	Format string `form:"format" binding:"omitempty,oneof=csv xlsx" doc:"csv (default) or xlsx"`
}

var exportRosterOp = op{
	Tag:     "admin-activities",
	Summary: "导出名单 Export the roster",
	Description: "As the roster (the same residents and fields); the whole roster as CSV (UTF-8 with a byte-order mark, the default) " +
		"or XLSX (format=xlsx), as an attachment named activity-{id}-roster.csv (or .xlsx), with Chinese headers (报名编号, 居民编号, " +
		"昵称, 手机号, 街道, 社区, 报名状态, 出勤, 现场登记, 报名时间, 签到时间, 签到方式, 签到说明, 签退时间, 签退方式, 签退说明, " +
		"志愿时长（小时）, 积分状态, 积分, 积分说明), states in Chinese, times in Asia/Shanghai; in XLSX hours and points are " +
		"numbers. Another format is 400 naming format.",
	Query:   rosterExportQuery{},
	Replies: []reply{file(http.StatusOK, "CSV or XLSX", "text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")},
}

func (s *Server) exportRoster(c *gin.Context) {
	id := pathID(c, "id")
	var q rosterExportQuery
	if err := bindQuery(c, &q); err != nil {
		s.fail(c, err)
		return
	}
	format := cmp.Or(q.Format, "csv")
	if _, err := s.Activities.FindForStaff(c.Request.Context(), actor(c), id); err != nil {
		s.fail(c, err)
		return
	}
	auditDetail(c, "roster export "+format)
	c.Header("Content-Disposition", `attachment; filename="activity-`+strconv.FormatInt(id, 10)+`-roster.`+format+`"`)
	c.Header("Cache-Control", "no-store")
	var err error
	if format == "csv" {
		c.Header("Content-Type", "text/csv; charset=utf-8")
		c.Status(http.StatusOK)
		err = s.Activities.WriteRosterCSV(c.Request.Context(), actor(c), id, c.Writer)
	} else {
		err = s.writeRosterXLSX(c, id)
	}
	if err != nil {
		// The status line is gone; all we can do is log and cut the body short.
		s.Log.ErrorContext(c.Request.Context(), "export failed", "request_id", requestID(c), "err", err)
		c.Abort()
	}
}

// writeRosterXLSX writes the roster as an XLSX workbook: hours and points
// as numbers, every other cell as text (never a formula).
func (s *Server) writeRosterXLSX(c *gin.Context, id int64) error {
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		return err
	}
	r := 1
	write := func(row []any) error {
		cell, err := excelize.CoordinatesToCellName(1, r)
		if err != nil {
			return err
		}
		r++
		return sw.SetRow(cell, row)
	}
	head := make([]any, len(activities.RosterHeader))
	for i, h := range activities.RosterHeader {
		head[i] = h
	}
	if err := write(head); err != nil {
		return err
	}
	if err := s.Activities.EachRosterRow(c.Request.Context(), actor(c), id, write); err != nil {
		return err
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	c.Header("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	c.Status(http.StatusOK)
	return f.Write(c.Writer)
}

type venueCodeQuery struct {
	Action activities.Action `form:"action" doc:"the action the code records (default check_in)"`
}

var getVenueCodeOp = op{
	Tag:     "admin-activities",
	Summary: "现场签到码 The door's rotating code",
	Description: "verifier, editor, dept_admin or points_officer. The current code of an action at a published activity, for " +
		"the phone-sized door page to show as a QR code; it changes every 30 s. 409 for a cancelled activity or once " +
		"check-out has closed.",
	Query:   venueCodeQuery{},
	Replies: []reply{ok(activities.VenueCode{})},
	Errors:  []int{http.StatusConflict},
}

func (s *Server) getVenueCode(c *gin.Context) {
	var q venueCodeQuery
	if err := bindQuery(c, &q); err != nil {
		s.fail(c, err)
		return
	}
	vc, err := s.Activities.VenueCode(c.Request.Context(), actor(c), pathID(c, "id"), cmp.Or(q.Action, activities.CheckIn))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, vc)
}

// attendanceInput names the resident staff record attendance for:
// member_code, or resident_id with a reason.
type attendanceInput struct {
	MemberCode string `json:"member_code" binding:"max=64" doc:"the resident's member code, scanned or typed"`
	ResidentID int64  `json:"resident_id,string" doc:"instead of member_code: a manual check-in, which needs a reason"`
	Reason     string `json:"reason" binding:"max=200" doc:"why a resident is recorded by hand (kept on the roster and audited)"`
}

const attendanceDescription = "verifier, editor, dept_admin or points_officer, at an activity of their department and streets. " +
	"The resident is named by their member code (400 naming member_code if bad or expired) or, by hand, by resident_id with a " +
	"reason (kept on the roster and in the audit log); a typed resident_id counts against the caller's resident look-ups, " +
	"shared with POST /admin/residents/lookup (30 per 10 minutes, 300 a day; 429 with Retry-After). The resident must live on " +
	"one of the caller's streets: any other, like a missing or erased one, is 404. Staff may check in a walk-in whatever the " +
	"audience. The answer is the resident's roster entry; to members without residents.read it shows the nickname and masked " +
	"phone (what confirms the person at the door) with street and community empty. Recording again changes nothing (200). " +
	"409 reasons as for POST /activities/scan."

var checkInResidentOp = op{
	Tag:         "admin-activities",
	Summary:     "签到 Check a resident in",
	Description: attendanceDescription,
	Body:        attendanceInput{},
	Replies: []reply{
		{Status: http.StatusCreated, Description: "Checked in", Body: activities.RosterEntry{}},
		{Status: http.StatusOK, Description: "Already checked in", Body: activities.RosterEntry{}},
	},
	Errors: []int{http.StatusConflict, http.StatusTooManyRequests},
}

var checkOutResidentOp = op{
	Tag:     "admin-activities",
	Summary: "签退 Check a resident out",
	Description: attendanceDescription + " Check-out credits the hours and the points as POST /activities/scan says (none " +
		"before half the activity's hours; refused before the start, 409 not_started), once per resident and activity.",
	Body: attendanceInput{},
	Replies: []reply{
		{Status: http.StatusCreated, Description: "Checked out", Body: activities.RosterEntry{}},
		{Status: http.StatusOK, Description: "Already checked out", Body: activities.RosterEntry{}},
	},
	Errors: []int{http.StatusConflict, http.StatusTooManyRequests},
}

func (s *Server) recordAttendance(c *gin.Context, action activities.Action) {
	var req attendanceInput
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	w := activities.Who{MemberCode: req.MemberCode, ResidentID: req.ResidentID, Reason: req.Reason}
	if req.ResidentID != 0 {
		// A typed ID could be tried in bulk, unlike a scanned member code.
		if err := s.throttleLookup(c); err != nil {
			s.fail(c, err)
			return
		}
	}
	e, repeated, err := s.Activities.Attend(c.Request.Context(), actor(c), pathID(c, "id"), action, w)
	if err != nil {
		s.fail(c, err)
		return
	}
	respondCreated(c, !repeated, e)
}

func (s *Server) checkInResident(c *gin.Context)  { s.recordAttendance(c, activities.CheckIn) }
func (s *Server) checkOutResident(c *gin.Context) { s.recordAttendance(c, activities.CheckOut) }

// hoursAdjustmentInput is a correction of a resident's hours.
type hoursAdjustmentInput struct {
	ResidentID int64   `json:"resident_id,string" binding:"required" doc:"a resident on the activity's roster" example:"1"`
	Hours      float64 `json:"hours" binding:"required,min=-24,max=24" doc:"non-zero, at most 24 either way"`
	Reason     string  `json:"reason" binding:"required,max=200" example:"签到漏记"`
}

var adjustHoursOp = op{
	Tag:     "admin-activities",
	Summary: "调整时长 Adjust hours",
	Description: "editor or dept_admin, for a rostered resident of their streets (any other, like a missing one, is 404). Appends " +
		"an adjustment (plus or minus) of the resident's hours for the activity; nothing is ever edited. Hours taken off apply " +
		"down to zero (below: 400 naming hours). Hours added apply while the resident's total for the activity (credit and " +
		"adjustments) stays within the activity's length (ends_at − starts_at); beyond it the adjustment is kept as a pending " +
		"approval (202) that a second member approves or rejects (GET …/hours-approvals, POST …/hours-approvals/{aid}/approve " +
		"or reject). A check-out's credit is cut to what is left under the length. With an Idempotency-Key, repeating returns " +
		"the first outcome (200 for an entry, 202 for an approval).",
	Body:           hoursAdjustmentInput{},
	IdempotencyKey: activities.MaxAdjustmentKey,
	Replies: []reply{
		created(activities.HoursEntry{}), repeated(activities.HoursEntry{}),
		{Status: http.StatusAccepted, Description: "Beyond the activity's length: pending a second member's approval", Body: activities.HoursApproval{}},
	},
}

func (s *Server) adjustHours(c *gin.Context) {
	var req hoursAdjustmentInput
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	out, err := s.Activities.AdjustHours(c.Request.Context(), actor(c), pathID(c, "id"), activities.Adjustment{
		ResidentID: req.ResidentID, Hours: req.Hours, Reason: req.Reason, Key: strings.TrimSpace(c.GetHeader("Idempotency-Key")),
	})
	if err != nil {
		s.fail(c, err)
		return
	}
	if out.Pending != nil {
		// Past the activity's length: waiting for a second member, new or
		// repeated alike.
		c.JSON(http.StatusAccepted, out.Pending)
		return
	}
	respondCreated(c, !out.Repeated, out.Entry)
}

type hoursApprovalsQuery struct {
	pageQuery
	Status activities.ApprovalStatus `form:"status" doc:"default pending"`
}

var listHoursApprovalsOp = op{
	Tag:     "admin-activities",
	Summary: "待批准的时长调整 Hours approvals",
	Description: "editor or dept_admin, at an activity of their department and streets. The activity's hours adjustments beyond " +
		"its length, of residents of the caller's streets, oldest first, by status (pending by default).",
	Query:   hoursApprovalsQuery{},
	Replies: []reply{ok(page[activities.HoursApproval]{})},
}

func (s *Server) listHoursApprovals(c *gin.Context) {
	var q hoursApprovalsQuery
	if err := bindQuery(c, &q); err != nil {
		s.fail(c, err)
		return
	}
	limit, after, err := q.idPage()
	if err != nil {
		s.fail(c, err)
		return
	}
	ps, next, err := s.Activities.ListApprovals(c.Request.Context(), actor(c), pathID(c, "id"),
		activities.ApprovalFilter{Status: q.Status, After: after, Limit: limit})
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newIDPage(ps, next))
}

var approveHoursOp = op{
	Tag:     "admin-activities",
	Summary: "批准时长调整 Approve an hours adjustment",
	Description: "editor or dept_admin other than the member who asked (403 otherwise), at an activity of their department and " +
		"streets, for a resident of their streets (else 404); aid is the approval's ID. Enters the adjustment in the ledger; " +
		"approving again changes nothing (200). 409 if it was rejected, or if it would take the total below zero.",
	Replies: []reply{{Status: http.StatusOK, Description: "Decided", Body: activities.HoursApproval{}}},
	Errors:  []int{http.StatusConflict},
}

var rejectHoursOp = op{
	Tag:     "admin-activities",
	Summary: "驳回时长调整 Reject an hours adjustment",
	Description: "editor or dept_admin, at an activity of their department and streets, for a resident of their streets (else " +
		"404); aid is the approval's ID. The member who asked may withdraw it so. No hours are entered; rejecting again " +
		"changes nothing (200); 409 if it was approved.",
	Replies: []reply{{Status: http.StatusOK, Description: "Decided", Body: activities.HoursApproval{}}},
	Errors:  []int{http.StatusConflict},
}

func (s *Server) decideHours(c *gin.Context, approve bool) {
	p, _, err := s.Activities.Decide(c.Request.Context(), actor(c), pathID(c, "id"), pathID(c, "aid"), approve)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, p)
}

func (s *Server) approveHours(c *gin.Context) { s.decideHours(c, true) }
func (s *Server) rejectHours(c *gin.Context)  { s.decideHours(c, false) }

type activityStatsQuery struct {
	From string `form:"from" format:"date" doc:"the first district date (default: 29 days before today)"`
	To   string `form:"to" format:"date" doc:"the last district date, inclusive (default: today)"`
}

var activityStatsOp = op{
	Tag:     "admin-activities",
	Summary: "活动统计 Statistics",
	Description: "editor, dept_admin, verifier, points_officer or auditor. Figures of the caller's activities (department and " +
		"streets) starting between from and to (district dates, both inclusive; by default the last 30 days; at most a year).",
	Query:   activityStatsQuery{},
	Replies: []reply{ok(activities.Stats{})},
}

// activityStats answers the figures of the caller's activities starting in
// [from, to): district dates, to inclusive; by default the last 30 days.
func (s *Server) activityStats(c *gin.Context) {
	var q activityStatsQuery
	if err := bindQuery(c, &q); err != nil {
		s.fail(c, err)
		return
	}
	today := district.DayStart(time.Now())
	from, to := today.AddDate(0, 0, -29), today.AddDate(0, 0, 1)
	for _, p := range []struct {
		name, v string
		dst     *time.Time
		next    bool
	}{{"from", q.From, &from, false}, {"to", q.To, &to, true}} {
		if p.v == "" {
			continue
		}
		d, err := district.ParseDate(p.v)
		if err != nil {
			s.fail(c, apperr.Field(p.name, "须为 YYYY-MM-DD"))
			return
		}
		if p.next {
			d = d.AddDate(0, 0, 1)
		}
		*p.dst = d
	}
	st, err := s.Activities.Stats(c.Request.Context(), actor(c), from, to)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, st)
}

// Residents' side.

type listActivitiesQuery struct {
	pageQuery
	Q    string          `form:"q" binding:"max=100" doc:"words the title or place contains (all of them, separated by spaces; % and _ are plain characters)"`
	Kind activities.Kind `form:"kind" doc:"the activity's kind; empty for every kind"`
}

var listActivitiesOp = op{
	Tag:     "activities",
	Summary: "可报名的活动 Activities open to me",
	Description: "Resident only. Published activities whose sign-up cut-off has not passed and whose audience includes me, " +
		"soonest first, with remaining places, points and hours, and my sign-up if any. `q` keeps those whose title or place " +
		"contains every one of its words (separated by spaces; % and _ are plain characters); `kind` keeps one kind. 400 " +
		"naming q or kind when bad.",
	Query:   listActivitiesQuery{},
	Replies: []reply{ok(page[activities.PublicActivity]{})},
}

func (s *Server) listActivities(c *gin.Context) {
	var q listActivitiesQuery
	if err := bindQuery(c, &q); err != nil {
		s.fail(c, err)
		return
	}
	p, err := q.page()
	if err != nil {
		s.fail(c, err)
		return
	}
	as, next, err := s.Activities.Search(c.Request.Context(), residentID(c), activities.OpenFilter{Q: q.Q, Kind: q.Kind}, p.Cursor, p.Limit)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newPage(as, next))
}

var getActivityOp = op{
	Tag:         "activities",
	Summary:     "活动详情 One activity",
	Description: "Resident only. A published or cancelled activity whose audience includes me, or that I signed up for; anything else is 404.",
	Replies:     []reply{ok(activities.PublicActivity{})},
}

func (s *Server) getActivity(c *gin.Context) {
	a, err := s.Activities.FindForResident(c.Request.Context(), residentID(c), pathID(c, "id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, a)
}

var signUpOp = op{
	Tag:     "activities",
	Summary: "报名 Sign up",
	Description: "Resident only, in the activity's audience, before its cut-off. Confirmed while places remain, else on the " +
		"waiting list (if the activity has one), else 409 with details.reason full. Exact under a rush: places are taken by a " +
		"conditional update of the activity's counter. Signing up again while signed up returns the sign-up (200); after " +
		"cancelling, I join again at the end. 409 reasons: full, closed (cut-off passed), cancelled.",
	Replies: []reply{
		{Status: http.StatusCreated, Description: "Signed up", Body: activities.MySignup{}},
		{Status: http.StatusOK, Description: "Already signed up", Body: activities.MySignup{}},
	},
	Errors: []int{http.StatusConflict},
}

func (s *Server) signUp(c *gin.Context) {
	sg, repeated, err := s.Activities.SignUp(c.Request.Context(), residentID(c), pathID(c, "id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	respondCreated(c, !repeated, sg)
}

var cancelSignupOp = op{
	Tag:     "activities",
	Summary: "取消报名 Cancel my sign-up",
	Description: "Resident only, before the cut-off and before checking in. A confirmed place goes to the first on the waiting " +
		"list at once. Cancelling again returns the cancelled sign-up. 404 if I have no sign-up; 409 reasons: closed, " +
		"checked_in, cancelled (the activity was).",
	Replies: []reply{ok(activities.MySignup{})},
	Errors:  []int{http.StatusConflict},
}

func (s *Server) cancelSignup(c *gin.Context) {
	sg, err := s.Activities.CancelSignup(c.Request.Context(), residentID(c), pathID(c, "id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, sg)
}

// scanInput is the venue code a resident scanned.
type scanInput struct {
	Code string `json:"code" binding:"required,max=64" doc:"the code shown at the door (GET /admin/activities/{id}/venue-code)" example:"AbCdEf0123"`
}

// scanReply is what a scan recorded.
type scanReply struct {
	Action activities.Action   `json:"action" doc:"what the code recorded"`
	Signup activities.MySignup `json:"signup" doc:"my sign-up after it"`
}

var scanVenueCodeOp = op{
	Tag:     "activities",
	Summary: "扫码签到/签退 Scan the venue's code",
	Description: "Resident only. The code shown on the staff phone at the door (GET /admin/activities/{id}/venue-code) checks me " +
		"in or out. It changes every 30 s and is accepted for 30–60 s: an old or tampered code is 400 naming code " +
		"(details.reason expired or invalid). Check-in opens 30 minutes before the start and closes at the end, for confirmed " +
		"residents or, when the activity takes walk-ins, residents of its audience while places remain; check-out opens at the " +
		"start (before it, 409 not_started: the resident stays checked in) and closes 30 minutes after the end. It credits the " +
		"hours (time present within the schedule, to the nearest quarter hour, at most the activity's hours) and, when present " +
		"at least half the activity's hours (rounded up to the quarter hour, and at least a quarter hour), the rule's points; a " +
		"shorter attendance gets none (points_status refused, points_detail attendance_too_short). Those still checked in when " +
		"check-out closes are credited the activity's hours and points. Scanning again changes nothing (200). 409 reasons: " +
		"outside_window, not_started, not_signed_up, waiting, full, not_checked_in, cancelled. 404 for an activity gone.",
	Body: scanInput{},
	Replies: []reply{
		{Status: http.StatusCreated, Description: "Recorded", Body: scanReply{}},
		{Status: http.StatusOK, Description: "Already recorded", Body: scanReply{}},
	},
	Errors: []int{http.StatusConflict, http.StatusNotFound},
}

func (s *Server) scanVenueCode(c *gin.Context) {
	var req scanInput
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	sg, action, repeated, err := s.Activities.Scan(c.Request.Context(), residentID(c), req.Code)
	if err != nil {
		s.fail(c, err)
		return
	}
	respondCreated(c, !repeated, scanReply{Action: action, Signup: *sg})
}

type myActivitiesQuery struct {
	pageQuery
	When string `form:"when" binding:"omitempty,oneof=upcoming past" doc:"upcoming (the default): not over, soonest first; past: latest first"`
}

var myActivitiesOp = op{
	Tag:     "activities",
	Summary: "我的活动 My activities",
	Description: "Resident only. Activities I signed up for (and did not withdraw from): upcoming ones (not over) soonest " +
		"first, or past ones latest first, with my attendance and the hours credited.",
	Query:   myActivitiesQuery{},
	Replies: []reply{ok(page[activities.PublicActivity]{})},
}

func (s *Server) myActivities(c *gin.Context) {
	var q myActivitiesQuery
	if err := bindQuery(c, &q); err != nil {
		s.fail(c, err)
		return
	}
	p, err := q.page()
	if err != nil {
		s.fail(c, err)
		return
	}
	as, next, err := s.Activities.Mine(c.Request.Context(), residentID(c), q.When == "past", p.Cursor, p.Limit)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newPage(as, next))
}

var myVolunteerRecordOp = op{
	Tag:     "activities",
	Summary: "我的志愿时长 My volunteer record",
	Description: "Resident only. Total hours by year (of the activity's start) and by kind, and each entry with its activity, " +
		"newest first. Part of /me/export; erased by DELETE /me.",
	Replies: []reply{ok(activities.Record{})},
	Errors:  []int{http.StatusBadRequest},
}

func (s *Server) myVolunteerRecord(c *gin.Context) {
	r, err := s.Activities.VolunteerRecord(c.Request.Context(), residentID(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, r)
}
