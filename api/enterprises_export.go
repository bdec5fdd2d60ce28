package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/futian/ifutian/enterprises"
	"github.com/futian/ifutian/internal/district"
)

// The exports of the enterprise registry's console lists: what the list's
// filters and scope select, every page, through sendTable.

// collectPages reads the pages of an ID-keyed list from the first, up to
// exportLimit items: find reads the page after a cursor (0: the first)
// and returns the next one's (0 on the last).
func collectPages[T any](find func(after int64, limit int) ([]T, int64, error)) ([]T, error) {
	var all []T
	var after int64
	for {
		items, next, err := find(after, maxPageSize)
		if err != nil {
			return nil, err
		}
		all = append(all, items...)
		if next == 0 || len(all) >= exportLimit {
			break
		}
		after = next
	}
	if len(all) > exportLimit {
		all = all[:exportLimit]
	}
	return all, nil
}

// exportTime formats an export's time in the district's zone ("" for none).
func exportTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.In(district.Zone).Format("2006-01-02 15:04:05")
}

type exportEnterprisesQuery struct {
	enterprises.EnterpriseFilter
	exportFormat
}

var exportEnterprisesOp = op{
	Tag:     "admin-enterprises",
	Summary: "Export the enterprise registry",
	Description: "Staff with enterprises.manage (credit_officer, dept_admin). The enterprises the same filters list (GET " +
		"/admin/enterprises, the same scope: the member's streets only), newest registration first, at most 10000; as CSV " +
		"(UTF-8 with BOM) or XLSX, with Chinese headers: 统一社会信用代码, 企业名称, 行业, 街道, 评级, 得分, 评价时间, 有效期至, 登记时间. " +
		"The export is itself audited (导出企业名录, with its row count). A bad filter is 400 naming it.",
	Query:   exportEnterprisesQuery{},
	Replies: []reply{file(http.StatusOK, "The enterprises", exportTypes...)},
}

var enterpriseHeaders = []string{"统一社会信用代码", "企业名称", "行业", "街道", "评级", "得分", "评价时间", "有效期至", "登记时间"}

func (s *Server) exportEnterprises(c *gin.Context) {
	var q exportEnterprisesQuery
	if err := bindQuery(c, &q); err != nil {
		s.fail(c, err)
		return
	}
	f := q.EnterpriseFilter
	all, err := collectPages(func(after int64, limit int) ([]enterprises.Enterprise, int64, error) {
		f.After, f.Limit = after, limit
		return s.Enterprises.Find(c.Request.Context(), actor(c).Scope(), f)
	})
	if err != nil {
		s.fail(c, err)
		return
	}
	format := q.format()
	auditDetail(c, "export "+format+" "+strconv.Itoa(len(all))+" enterprises")
	rows := make([][]string, 0, len(all))
	for _, e := range all {
		score := ""
		if e.Score != nil {
			score = strconv.Itoa(*e.Score)
		}
		rows = append(rows, []string{e.USCC, e.Name, e.Industry, e.Street, string(e.Grade), score,
			exportTime(e.RatedAt), exportTime(e.ValidUntil), exportTime(&e.CreatedAt)})
	}
	sendTable(c, s, "enterprises", format, enterpriseHeaders, rows)
}

type exportCreditRecordsQuery struct {
	enterprises.CreditRecordFilter
	exportFormat
}

var exportCreditRecordsOp = op{
	Tag:     "admin-enterprises",
	Summary: "Export credit records",
	Description: "Staff with credit.write (credit_officer). The credit records the same filters list (GET /admin/credit-records, the " +
		"same scope: the member's department's records about enterprises of the member's streets), newest first, at most " +
		"10000; as CSV (UTF-8 with BOM) or XLSX, with Chinese headers: 统一社会信用代码, 企业名称, 类别, 程度, 发生时间, 公示截止, " +
		"案号, 说明, 登记部门, 登记时间, 撤销时间. The export is itself audited (导出信用记录, with its row count). A bad filter is 400 " +
		"naming it.",
	Query:   exportCreditRecordsQuery{},
	Replies: []reply{file(http.StatusOK, "The credit records", exportTypes...)},
}

var creditRecordHeaders = []string{"统一社会信用代码", "企业名称", "类别", "程度", "发生时间", "公示截止", "案号", "说明", "登记部门", "登记时间", "撤销时间"}

func (s *Server) exportCreditRecords(c *gin.Context) {
	var q exportCreditRecordsQuery
	if err := bindQuery(c, &q); err != nil {
		s.fail(c, err)
		return
	}
	ctx := c.Request.Context()
	f := q.CreditRecordFilter
	all, err := collectPages(func(after int64, limit int) ([]enterprises.ListedCreditRecord, int64, error) {
		f.After, f.Limit = after, limit
		return s.Enterprises.FindCreditRecords(ctx, actor(c).Scope(), f)
	})
	if err != nil {
		s.fail(c, err)
		return
	}
	var ids []int64
	for _, r := range all {
		if r.DepartmentID != nil {
			ids = append(ids, *r.DepartmentID)
		}
	}
	deps, err := s.Staff.DepartmentNames(ctx, ids)
	if err != nil {
		s.fail(c, err)
		return
	}
	format := q.format()
	auditDetail(c, "export "+format+" "+strconv.Itoa(len(all))+" credit records")
	rows := make([][]string, 0, len(all))
	for _, r := range all {
		dep := ""
		if r.DepartmentID != nil {
			dep = deps[*r.DepartmentID]
		}
		rows = append(rows, []string{r.USCC, r.EnterpriseName, r.Kind.Name(), r.Severity.Name(), exportTime(&r.OccurredAt),
			exportTime(&r.ExpiresAt), r.CaseRef, r.Note, dep, exportTime(&r.CreatedAt), exportTime(r.RevokedAt)})
	}
	sendTable(c, s, "credit-records", format, creditRecordHeaders, rows)
}
