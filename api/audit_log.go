package api

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/district"
	"github.com/futian/ifutian/staff"
)

// auditView is an audit entry as an auditor reads it: the recorded entry
// and, beside it, the action and object in Chinese and the acting member's
// department.
type auditView struct {
	staff.AuditEntry
	ActionName   string        `json:"action_name" doc:"the action in Chinese (签退、查看名单、发放积分…)"`
	TargetName   string        `json:"target_name" doc:"the object in Chinese: its kind, ID and, for objects with a name (activities, rules, rewards, enterprises, programs, notices, surveys, staff, departments, knowledge entries), its name as it is now: 活动 3「社区义诊」; residents keep their ID only"`
	Changes      []auditChange `json:"changes" doc:"what an update changed, field by field (before → after; at most 12 fields, values cut to 120 characters, contact details masked); empty for other entries"`
	DepartmentID *int64        `json:"department_id,string" doc:"the acting member's department (as it is now); null for district-wide members"`
	Department   string        `json:"department" doc:"that department's name; empty for none"`
}

// auditFilters is the audit log's filters (list and export). The IDs are
// read as strings and checked by parseID (documented as IDs, with their
// pattern).
type auditFilters struct {
	ActorID      string `form:"actor_id" doc:"the acting member's ID"`
	Actor        string `form:"actor" binding:"max=64" doc:"part of the acting member's username"`
	DepartmentID string `form:"department_id" doc:"the acting members' department"`
	Action       string `form:"action" binding:"max=200" doc:"a route as recorded (POST /api/v1/admin/activities/:id/checkouts) or part of its Chinese name (签退); one matching nothing is 400"`
	TargetKind   string `form:"target_kind" binding:"max=64" doc:"what was acted on, e.g. staff, notices, activities"`
	TargetID     string `form:"target_id" binding:"max=64" doc:"the ID of what was acted on"`
	Since        string `form:"since" format:"date-time" doc:"RFC 3339; since inclusive, until exclusive"`
	Until        string `form:"until" format:"date-time" doc:"RFC 3339; since inclusive, until exclusive"`
}

// auditQuery is the audit log list's query: a page and the filters.
type auditQuery struct {
	pageQuery
	auditFilters
}

var listAuditLogOp = op{
	Tag: "admin-staff", Summary: "The audit log (auditor, superadmin)",
	Description: "Every staff write and every staff read of personal data, newest first, each with its action and object in " +
		"Chinese and the acting member's department. since/until are RFC 3339. An auditor " +
		"reads the entries of the members whose reach lies within their own scope: a department's auditor those of their " +
		"department's members (not a superadmin's or a district auditor's, even about the department's objects: the log records " +
		"who acted, not whose object it was); an auditor limited to streets those of members limited to some of the same " +
		"streets; a district auditor (no department) and a superadmin every entry.",
	Query:   auditQuery{},
	Replies: []reply{ok(page[auditView]{})},
}

// filter turns the query into the domain's filter, refusing each bad
// value with 400 naming it. An action matching no route's route or name
// is 400 too (a typo would otherwise read as "nothing happened").
func (q auditFilters) filter() (staff.AuditFilter, error) {
	f := staff.AuditFilter{ActorName: q.Actor, TargetKind: q.TargetKind, TargetID: q.TargetID}
	var err error
	if q.ActorID != "" {
		if f.ActorID, err = parseID("actor_id", q.ActorID); err != nil {
			return f, err
		}
	}
	if q.DepartmentID != "" {
		if f.DepartmentID, err = parseID("department_id", q.DepartmentID); err != nil {
			return f, err
		}
	}
	if a := strings.TrimSpace(q.Action); a != "" {
		if strings.Contains(a, " /") {
			f.Actions = []string{a}
		} else {
			for route, name := range auditActions {
				if strings.Contains(name, a) {
					f.Actions = append(f.Actions, route)
				}
			}
			if len(f.Actions) == 0 {
				return f, apperr.Field("action", "没有这样的操作")
			}
		}
	}
	for name, dst := range map[string]*time.Time{"since": &f.Since, "until": &f.Until} {
		v := q.Since
		if name == "until" {
			v = q.Until
		}
		t, err := parseTime(name, v)
		if err != nil {
			return f, err
		}
		if t != nil {
			*dst = *t
		}
	}
	return f, nil
}

func (s *Server) listAuditLog(c *gin.Context) {
	var q auditQuery
	if err := bindQuery(c, &q); err != nil {
		s.fail(c, err)
		return
	}
	limit, before, err := q.idPage()
	if err != nil {
		s.fail(c, err)
		return
	}
	f, err := q.filter()
	if err != nil {
		s.fail(c, err)
		return
	}
	f.Before, f.Limit = before, limit
	es, next, err := s.Staff.FindAudit(c.Request.Context(), actor(c).Scope(), f)
	if err != nil {
		s.fail(c, err)
		return
	}
	vs, err := s.auditViews(c.Request.Context(), es)
	if err != nil {
		s.fail(c, err)
		return
	}
	respondCounted(c, s, newIDPage(vs, next), func() (int64, bool, error) {
		return s.Staff.CountAudit(c.Request.Context(), actor(c).Scope(), f)
	})
}

// auditViews adds the Chinese names and the actors' departments.
func (s *Server) auditViews(ctx context.Context, es []staff.AuditEntry) ([]auditView, error) {
	ids := make([]int64, 0, len(es))
	for _, e := range es {
		ids = append(ids, e.ActorID)
	}
	deps, err := s.Staff.ActorDepartments(ctx, ids)
	if err != nil {
		return nil, err
	}
	names, err := s.auditObjectNames(ctx, es)
	if err != nil {
		return nil, err
	}
	vs := make([]auditView, 0, len(es))
	for _, e := range es {
		v := auditView{AuditEntry: e, ActionName: auditActionName(e.Action), TargetName: auditTargetName(e.TargetKind, e.TargetID),
			Changes: auditChanges(e.Changes)}
		if n := names[e.TargetKind][e.TargetID]; n != "" {
			v.TargetName += "「" + n + "」"
		}
		if d, ok := deps[e.ActorID]; ok {
			id := d.ID
			v.DepartmentID, v.Department = &id, d.Name
		}
		vs = append(vs, v)
	}
	return vs, nil
}

type auditExportQuery struct {
	auditFilters
	exportFormat
}

var exportAuditLogOp = op{
	Tag:     "admin-staff",
	Summary: "Export the audit log (auditor, superadmin)",
	Description: "The entries the same filters list (GET /admin/audit-log, the same scope: a department's auditor exports the " +
		"entries of their department's members only), newest first, at most 10000; as CSV (UTF-8 with BOM) or XLSX, with " +
		"Chinese headers: 时间, 工作人员, 部门, 操作, 对象, 变更, 说明, 路由, IP, 请求号 (变更: each changed field as 字段：前 → 后). The export is itself audited " +
		"(导出审计日志, with its filters' row count).",
	Query:   auditExportQuery{},
	Replies: []reply{file(http.StatusOK, "The entries", exportTypes...)},
}

var auditHeaders = []string{"时间", "工作人员", "部门", "操作", "对象", "变更", "说明", "路由", "IP", "请求号"}

func (s *Server) exportAuditLog(c *gin.Context) {
	var q auditExportQuery
	if err := bindQuery(c, &q); err != nil {
		s.fail(c, err)
		return
	}
	f, err := q.filter()
	if err != nil {
		s.fail(c, err)
		return
	}
	ctx := c.Request.Context()
	var all []auditView
	for {
		f.Limit = 100
		es, next, err := s.Staff.FindAudit(ctx, actor(c).Scope(), f)
		if err != nil {
			s.fail(c, err)
			return
		}
		vs, err := s.auditViews(ctx, es)
		if err != nil {
			s.fail(c, err)
			return
		}
		all = append(all, vs...)
		if next == 0 || len(all) >= exportLimit {
			break
		}
		f.Before = next
	}
	if len(all) > exportLimit {
		all = all[:exportLimit]
	}
	format := q.format()
	auditDetail(c, "export "+format+" "+strconv.Itoa(len(all))+" entries")
	rows := make([][]string, 0, len(all))
	for _, v := range all {
		rows = append(rows, []string{
			v.CreatedAt.In(district.Zone).Format("2006-01-02 15:04:05"), v.Actor, v.Department, v.ActionName, v.TargetName,
			auditChangesText(v.Changes), v.Detail, v.Action, v.IP, v.RequestID,
		})
	}
	sendTable(c, s, "audit-log", format, auditHeaders, rows)
}

// safeCells defuses spreadsheet formulas in what staff typed (CSV
// injection): a cell starting with = + - @ that is not a number gets a
// leading apostrophe.
func safeCells(row []string) []string {
	out := make([]string, len(row))
	for i, v := range row {
		out[i] = v
		if v != "" && strings.ContainsRune("=+-@", rune(v[0])) {
			if _, err := strconv.ParseFloat(v, 64); err != nil {
				out[i] = "'" + v
			}
		}
	}
	return out
}
