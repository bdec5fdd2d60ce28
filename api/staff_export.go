package api

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/futian/ifutian/staff"
)

type exportStaffQuery struct {
	DepartmentID int64      `form:"department_id,string" doc:"members of this department"`
	Role         staff.Role `form:"role" doc:"members holding this role"`
	Street       string     `form:"street" doc:"members limited to this street (among others)"`
	Q            string     `form:"q" doc:"part of the username"`
	Disabled     *bool      `form:"disabled" doc:"disabled (true) or active (false) members only"`
	exportFormat
}

var exportStaffOp = op{
	Tag: "admin-staff", Summary: "Export the staff list (superadmin, dept_admin)",
	Description: "The members the same filters list (`GET /admin/staff`, the same scope: a dept_admin their department's members, " +
		"limited to their streets if they are), by ID, at most 10000; as CSV (UTF-8 with BOM) or XLSX, with Chinese headers: " +
		"用户名, 部门, 角色, 负责街道, 状态, 创建时间; roles by their Chinese names (部门管理员, 编辑, …), the department by name " +
		"(区级 for none), the streets joined with 、 (全部街道 for every street). The export is itself audited (导出工作人员名单, " +
		"with its row count). A bad filter or format is 400 naming it.",
	Query:   exportStaffQuery{},
	Replies: []reply{file(http.StatusOK, "The staff list", exportTypes...)},
}

var staffHeaders = []string{"用户名", "部门", "角色", "负责街道", "状态", "创建时间"}

func (s *Server) exportStaff(c *gin.Context) {
	var q exportStaffQuery
	if err := bindQuery(c, &q); err != nil {
		s.fail(c, err)
		return
	}
	ctx, scope := c.Request.Context(), actor(c).Scope()
	f := staff.MemberFilter{DepartmentID: q.DepartmentID, Role: q.Role, Street: q.Street, Query: q.Q, Disabled: q.Disabled}
	all, err := collectPages(func(after int64, limit int) ([]staff.Member, int64, error) {
		f.After, f.Limit = after, limit
		return s.Staff.Find(ctx, scope, f)
	})
	if err != nil {
		s.fail(c, err)
		return
	}
	var depts []int64
	for _, m := range all {
		if m.DepartmentID != nil && !slices.Contains(depts, *m.DepartmentID) {
			depts = append(depts, *m.DepartmentID)
		}
	}
	names, err := s.Staff.DepartmentNames(ctx, depts)
	if err != nil {
		s.fail(c, err)
		return
	}
	format := q.format()
	auditDetail(c, "export "+format+" "+strconv.Itoa(len(all))+" staff")
	rows := make([][]string, 0, len(all))
	for _, m := range all {
		dept := "区级"
		if m.DepartmentID != nil {
			dept = names[*m.DepartmentID]
		}
		status := "在用"
		if m.Disabled {
			status = "已停用"
		}
		rows = append(rows, []string{m.Username, dept, m.RoleNames(), m.StreetNames(), status, exportTime(&m.CreatedAt)})
	}
	sendTable(c, s, "staff", format, staffHeaders, rows)
}
