package api

import (
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
)

// getMemberCode issues the resident's member code, shown as a QR code.
func (s *Server) getMemberCode(c *gin.Context) {
	mc, err := s.Residents.MemberCode(c.Request.Context(), residentID(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, mc)
}

// resolveMemberCode tells staff whom a member code names (masked).
func (s *Server) resolveMemberCode(c *gin.Context) {
	var req struct {
		Code string `json:"code" binding:"required,max=64"`
	}
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

// activityRequest is an activity as staff send it; for a PATCH every field
// is optional.
type activityRequest struct {
	Kind           *string          `json:"kind"`
	Title          *string          `json:"title"`
	Description    *string          `json:"description"`
	Place          *string          `json:"place"`
	Street         *string          `json:"street"`
	Community      *string          `json:"community"`
	StartsAt       *string          `json:"starts_at"`
	EndsAt         *string          `json:"ends_at"`
	SignupDeadline *string          `json:"signup_deadline"`
	Capacity       *int             `json:"capacity"`
	Waitlist       *bool            `json:"waitlist"`
	WalkIns        *bool            `json:"walk_ins"`
	Audience       *notify.Audience `json:"audience"`
	PointsRule     *string          `json:"points_rule"`
	Hours          *float64         `json:"hours"`
}

// patch turns the request into a domain Patch, parsing its times; with
// create, an empty time is one not given (the domain names the missing
// ones with every other bad field), else it is refused.
func (r *activityRequest) patch(create bool) (activities.Patch, error) {
	p := activities.Patch{
		Kind: r.Kind, Title: r.Title, Description: r.Description, Place: r.Place, Street: r.Street,
		Community: r.Community, Capacity: r.Capacity, Waitlist: r.Waitlist, WalkIns: r.WalkIns,
		Audience: r.Audience, PointsRule: r.PointsRule, Hours: r.Hours,
	}
	times := []struct {
		field string
		in    *string
		out   **time.Time
	}{{"starts_at", r.StartsAt, &p.StartsAt}, {"ends_at", r.EndsAt, &p.EndsAt}, {"signup_deadline", r.SignupDeadline, &p.SignupDeadline}}
	fields := map[string]string{}
	for _, t := range times {
		if t.in == nil {
			continue
		}
		v, err := parseTime(t.field, *t.in)
		if err != nil {
			fields[t.field] = err.(*apperr.Error).Fields[t.field]
			continue
		}
		if v == nil {
			if !create {
				fields[t.field] = "不能为空"
			}
			continue
		}
		*t.out = v
	}
	return p, apperr.Fields(fields)
}

// input turns a create request into a domain Input.
func (r *activityRequest) input() (activities.Input, error) {
	p, err := r.patch(true)
	if err != nil {
		return activities.Input{}, err
	}
	var in activities.Input
	p.Apply(&in)
	return in, nil
}

func (s *Server) createActivity(c *gin.Context) {
	var req activityRequest
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

func (s *Server) updateActivity(c *gin.Context) {
	var req activityRequest
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	p, err := req.patch(false)
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

func (s *Server) getAdminActivity(c *gin.Context) { s.respondActivity(c) }

func (s *Server) publishActivity(c *gin.Context) {
	if _, err := s.Activities.Publish(c.Request.Context(), actor(c), pathID(c, "id")); err != nil {
		s.fail(c, err)
		return
	}
	s.respondActivity(c)
}

func (s *Server) cancelActivity(c *gin.Context) {
	var req struct {
		Reason string `json:"reason"`
	}
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

func (s *Server) listAdminActivities(c *gin.Context) {
	limit, before, err := parseIDPage(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	status := c.Query("status")
	switch status {
	case "", activities.Draft, activities.Published, activities.Cancelled:
	default:
		s.fail(c, apperr.Field("status", "须为 draft、published 或 cancelled"))
		return
	}
	vs, next, err := s.Activities.Find(c.Request.Context(), actor(c), activities.Filter{Status: status, Before: before, Limit: limit})
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newIDPage(vs, next))
}

func (s *Server) activityRoster(c *gin.Context) {
	limit, after, err := parseIDPage(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	es, next, err := s.Activities.Roster(c.Request.Context(), actor(c), pathID(c, "id"),
		activities.RosterFilter{Attendance: c.Query("attendance"), After: after, Limit: limit})
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newIDPage(es, next))
}

func (s *Server) exportRoster(c *gin.Context) {
	id := pathID(c, "id")
	format := c.DefaultQuery("format", "csv")
	if format != "csv" && format != "xlsx" {
		s.fail(c, apperr.Field("format", "须为 csv 或 xlsx"))
		return
	}
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

func (s *Server) getVenueCode(c *gin.Context) {
	vc, err := s.Activities.VenueCode(c.Request.Context(), actor(c), pathID(c, "id"), c.DefaultQuery("action", activities.CheckIn))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, vc)
}

// attendanceRequest names the resident staff record attendance for.
type attendanceRequest struct {
	MemberCode string `json:"member_code" binding:"max=64"`
	ResidentID string `json:"resident_id"`
	Reason     string `json:"reason"`
}

func (s *Server) recordAttendance(c *gin.Context, action string) {
	var req attendanceRequest
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	w := activities.Who{MemberCode: req.MemberCode, Reason: req.Reason}
	if req.ResidentID != "" {
		// A typed ID could be tried in bulk, unlike a scanned member code.
		if err := s.throttleLookup(c); err != nil {
			s.fail(c, err)
			return
		}
		id, err := parseID("resident_id", req.ResidentID)
		if err != nil {
			s.fail(c, err)
			return
		}
		w.ResidentID = id
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

func (s *Server) adjustHours(c *gin.Context) {
	var req struct {
		ResidentID string  `json:"resident_id" binding:"required"`
		Hours      float64 `json:"hours"`
		Reason     string  `json:"reason"`
	}
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	rid, err := parseID("resident_id", req.ResidentID)
	if err != nil {
		s.fail(c, err)
		return
	}
	out, err := s.Activities.AdjustHours(c.Request.Context(), actor(c), pathID(c, "id"), activities.Adjustment{
		ResidentID: rid, Hours: req.Hours, Reason: req.Reason, Key: strings.TrimSpace(c.GetHeader("Idempotency-Key")),
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

func (s *Server) listHoursApprovals(c *gin.Context) {
	limit, after, err := parseIDPage(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	ps, next, err := s.Activities.Approvals(c.Request.Context(), actor(c), pathID(c, "id"),
		activities.ApprovalFilter{Status: c.Query("status"), After: after, Limit: limit})
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newIDPage(ps, next))
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

// activityStats answers the figures of the caller's activities starting in
// [from, to): district dates, to inclusive; by default the last 30 days.
func (s *Server) activityStats(c *gin.Context) {
	today := district.DayStart(time.Now())
	from, to := today.AddDate(0, 0, -29), today.AddDate(0, 0, 1)
	for _, p := range []struct {
		name string
		dst  *time.Time
		next bool
	}{{"from", &from, false}, {"to", &to, true}} {
		v := c.Query(p.name)
		if v == "" {
			continue
		}
		d, err := district.ParseDate(v)
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

func (s *Server) listActivities(c *gin.Context) {
	p, err := parsePage(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	f := activities.OpenFilter{Q: c.Query("q"), Kind: c.Query("kind")}
	as, next, err := s.Activities.Search(c.Request.Context(), residentID(c), f, p.Cursor, p.Limit)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newPage(as, next))
}

func (s *Server) getActivity(c *gin.Context) {
	a, err := s.Activities.FindForResident(c.Request.Context(), residentID(c), pathID(c, "id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, a)
}

func (s *Server) signUp(c *gin.Context) {
	sg, repeated, err := s.Activities.SignUp(c.Request.Context(), residentID(c), pathID(c, "id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	respondCreated(c, !repeated, sg)
}

func (s *Server) cancelSignup(c *gin.Context) {
	sg, err := s.Activities.CancelSignup(c.Request.Context(), residentID(c), pathID(c, "id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, sg)
}

func (s *Server) scanVenueCode(c *gin.Context) {
	var req struct {
		Code string `json:"code" binding:"required,max=64"`
	}
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	sg, action, repeated, err := s.Activities.Scan(c.Request.Context(), residentID(c), req.Code)
	if err != nil {
		s.fail(c, err)
		return
	}
	respondCreated(c, !repeated, gin.H{"action": action, "signup": sg})
}

func (s *Server) myActivities(c *gin.Context) {
	p, err := parsePage(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	when := c.DefaultQuery("when", "upcoming")
	if when != "upcoming" && when != "past" {
		s.fail(c, apperr.Field("when", "须为 upcoming 或 past"))
		return
	}
	as, next, err := s.Activities.Mine(c.Request.Context(), residentID(c), when == "past", p.Cursor, p.Limit)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newPage(as, next))
}

func (s *Server) myVolunteerRecord(c *gin.Context) {
	r, err := s.Activities.VolunteerRecord(c.Request.Context(), residentID(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, r)
}
