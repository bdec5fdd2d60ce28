package api

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/futian/ifutian/staff"
)

// listTotal reads a counting list's page and returns its total and how
// many items the page holds.
func (e *env) listTotal(t *testing.T, path, tok string) (total int64, items int) {
	t.Helper()
	rec := e.do("GET", path, tok, nil)
	wantStatus(t, rec, http.StatusOK)
	var p struct {
		Items       []map[string]any
		Total       *int64
		TotalCapped bool `json:"total_capped"`
	}
	decode(t, rec, &p)
	if p.Total == nil || p.TotalCapped {
		t.Fatalf("%s: no total: %s", path, rec.Body.String())
	}
	return *p.Total, len(p.Items)
}

// TestListTotals: the request queues, deductions, appeals, rewards and the
// objections queue count what their filters select within the caller's
// scope over all pages; another department's or another street's member
// counts none of it; a role without the permission is refused.
func TestListTotals(t *testing.T) {
	e := newEnv(t)
	x, y := e.dept, e.otherDepartment()
	editor, _ := e.staffer([]staff.Role{staff.Editor})

	e.routeTo("noise", x)
	res, rid := e.residentOn("totals-a", "华富街道")
	e.submitRequest(res, "noise", "华富街道", nil)
	e.submitRequest(res, "noise", "华富街道", nil)
	ox, _ := e.requestOfficer(x)
	oy, _ := e.requestOfficer(y)
	oxLianhua, _ := e.requestOfficer(x, "莲花街道")

	px, _ := e.staffer([]staff.Role{staff.PointsOfficer})
	py, _ := e.stafferIn(&y, []staff.Role{staff.PointsOfficer})
	pxLianhua, _ := e.staffer([]staff.Role{staff.PointsOfficer}, "莲花街道")
	ridStr := strconv.FormatInt(rid, 10)
	wantStatus(t, e.do("POST", "/api/v1/admin/points/rules", px, map[string]any{"code": "volunteer", "name": "志愿服务", "points": 50}), http.StatusCreated)
	wantStatus(t, e.do("POST", "/api/v1/admin/points/awards", px, map[string]any{"resident_id": ridStr, "rule_code": "volunteer", "external_id": "totals-1"}), http.StatusCreated)
	var deduction struct{ ID string }
	for i, ref := range []string{"FT-2026-101", "FT-2026-102"} {
		rec := e.do("POST", "/api/v1/admin/points/deductions", px, map[string]any{"resident_id": ridStr, "points": 5, "case_ref": ref, "reason": "占道经营"})
		wantStatus(t, rec, http.StatusCreated)
		if i == 0 {
			decode(t, rec, &deduction)
		}
	}
	wantStatus(t, e.do("POST", "/api/v1/points/appeals", res, map[string]any{"transaction_id": deduction.ID, "reason": "当时已离开"}), http.StatusCreated)
	for _, name := range []string{"公园年卡", "图书馆借阅卡"} {
		wantStatus(t, e.do("POST", "/api/v1/admin/rewards", px, map[string]any{"name": name, "points": 10, "stock": 3}), http.StatusCreated)
	}

	credit := e.officer()
	creditY, _ := e.stafferIn(&y, []staff.Role{staff.CreditOfficer})
	uscc := e.registerEnterprise(credit, 31, "软件")
	e.bind(credit, res, uscc)
	factor := e.credit(credit, uscc, "arrears", "general")
	wantStatus(t, e.do("POST", "/api/v1/enterprises/"+uscc+"/objections", res, map[string]string{"factor_id": factor, "reason": "已缴清"}), http.StatusCreated)

	cases := []struct {
		name, path   string
		in           string
		want         int64
		outOfScope   []string
		pageSizeOne  bool
		filteredPath string
		filtered     int64
	}{
		{name: "Requests", path: "/api/v1/admin/requests", in: ox, want: 2, outOfScope: []string{oy, oxLianhua}, pageSizeOne: true,
			filteredPath: "/api/v1/admin/requests?queue=overdue", filtered: 0},
		{name: "Deductions", path: "/api/v1/admin/points/deductions", in: px, want: 2, outOfScope: []string{py, pxLianhua}, pageSizeOne: true,
			filteredPath: "/api/v1/admin/points/deductions?case_ref=FT-2026-102", filtered: 1},
		{name: "Appeals", path: "/api/v1/admin/points/appeals", in: px, want: 1, outOfScope: []string{py, pxLianhua},
			filteredPath: "/api/v1/admin/points/appeals?status=approved", filtered: 0},
		{name: "Rewards", path: "/api/v1/admin/rewards", in: px, want: 2, outOfScope: []string{py}, pageSizeOne: true,
			filteredPath: "/api/v1/admin/rewards?q=" + "%E5%85%AC%E5%9B%AD", filtered: 1},
		{name: "Objections", path: "/api/v1/admin/objections", in: credit, want: 1, outOfScope: []string{creditY, e.officer("莲花街道")}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if n, items := e.listTotal(t, c.path, c.in); n != c.want || int64(items) != c.want {
				t.Fatalf("total %d, %d items; want %d", n, items, c.want)
			}
			if c.pageSizeOne {
				if n, items := e.listTotal(t, c.path+"?page_size=1", c.in); n != c.want || items != 1 {
					t.Fatalf("page of one: total %d, %d items; want %d", n, items, c.want)
				}
			}
			if c.filteredPath != "" {
				if n, _ := e.listTotal(t, c.filteredPath, c.in); n != c.filtered {
					t.Fatalf("%s: total %d, want %d", c.filteredPath, n, c.filtered)
				}
			}
			for _, tok := range c.outOfScope {
				if n, items := e.listTotal(t, c.path, tok); n != 0 || items != 0 {
					t.Fatalf("out of scope: total %d, %d items", n, items)
				}
			}
			wantStatus(t, e.do("GET", c.path, editor, nil), http.StatusForbidden)
		})
	}
}

// emptyPage says whether body is a list's empty page: no items, no next
// page and, for a list that counts, a total of 0.
func emptyPage(body string) bool {
	return body == `{"items":[],"next_page_token":""}` || body == `{"items":[],"next_page_token":"","total":0}`
}
