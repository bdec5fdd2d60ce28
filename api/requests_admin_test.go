package api

import (
	"image/color"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/futian/ifutian/internal/district"
	"github.com/futian/ifutian/requests"
	"github.com/futian/ifutian/staff"
)

// TestRequestsDistrictData: categories, the routing table and the holiday
// calendar are the district's (requests.admin: superadmin); bad input is
// 400 naming the field with nothing written; a department member is 403.
func TestRequestsDistrictData(t *testing.T) {
	e := newEnv(t)
	admin, _ := e.staffer([]staff.Role{staff.Superadmin})
	officer, _ := e.requestOfficer(e.dept)
	deptAdmin, _ := e.staffer([]staff.Role{staff.DeptAdmin})

	rec := e.do("PUT", "/api/v1/admin/request-categories/pets", admin, map[string]any{"name": "宠物扰民", "deadline_days": 3})
	wantStatus(t, rec, http.StatusCreated)
	rec = e.do("PUT", "/api/v1/admin/request-categories/pets", admin, map[string]any{"name": "宠物扰民", "deadline_days": 4, "active": false})
	wantStatus(t, rec, http.StatusOK)
	if !strings.Contains(rec.Body.String(), `"active":false`) {
		t.Fatalf("category: %s", rec.Body.String())
	}
	before := e.count("request_categories")
	wantError(t, e.do("PUT", "/api/v1/admin/request-categories/bad-code", admin, map[string]any{"name": "x", "deadline_days": 3}), http.StatusBadRequest, "invalid_argument", "code")
	wantError(t, e.do("PUT", "/api/v1/admin/request-categories/fine", admin, map[string]any{"name": "x", "deadline_days": 99}), http.StatusBadRequest, "invalid_argument", "deadline_days")
	wantError(t, e.do("PUT", "/api/v1/admin/request-categories/fine", officer, map[string]any{"name": "x", "deadline_days": 3}), http.StatusForbidden, "permission_denied", "")
	if e.count("request_categories") != before {
		t.Fatal("a refused category was written")
	}
	// An inactive category takes no new requests.
	res, _ := e.resident("req-district")
	wantError(t, e.do("POST", "/api/v1/requests", res, map[string]any{"client_key": "p", "category": "pets", "description": "狗叫", "street": "华富街道"}), http.StatusBadRequest, "invalid_argument", "category")

	rec = e.do("PUT", "/api/v1/admin/request-routes", admin, map[string]any{"category": "noise", "street": "华富街道", "department_id": itoa(e.dept)})
	wantStatus(t, rec, http.StatusOK)
	for field, body := range map[string]map[string]any{
		"category":      {"category": "ufo", "department_id": itoa(e.dept)},
		"street":        {"category": "noise", "street": "火星街道", "department_id": itoa(e.dept)},
		"department_id": {"category": "noise", "department_id": "999999"},
	} {
		wantError(t, e.do("PUT", "/api/v1/admin/request-routes", admin, body), http.StatusBadRequest, "invalid_argument", field)
	}
	wantError(t, e.do("PUT", "/api/v1/admin/request-routes", deptAdmin, map[string]any{"category": "noise", "department_id": itoa(e.dept)}), http.StatusForbidden, "permission_denied", "")
	if e.count("request_routes") != 1 {
		t.Fatalf("%d routes, want 1", e.count("request_routes"))
	}
	rec = e.do("GET", "/api/v1/admin/request-routes", officer, nil)
	wantStatus(t, rec, http.StatusOK)
	if !strings.Contains(rec.Body.String(), `"street":"华富街道"`) {
		t.Fatalf("routes: %s", rec.Body.String())
	}
	v := e.submitRequest(res, "noise", "华富街道", nil)
	if v.DepartmentID == nil || *v.DepartmentID != e.dept {
		t.Fatalf("routed to %v", v.DepartmentID)
	}
	wantError(t, e.do("DELETE", "/api/v1/admin/request-routes/noise?street=莲花街道", admin, nil), http.StatusNotFound, "not_found", "")
	wantStatus(t, e.do("DELETE", "/api/v1/admin/request-routes/noise?street=华富街道", admin, nil), http.StatusNoContent)

	wantStatus(t, e.do("PUT", "/api/v1/admin/holidays/2026-10-01", admin, map[string]any{"kind": "holiday", "name": "国庆节"}), http.StatusOK)
	wantStatus(t, e.do("PUT", "/api/v1/admin/holidays/2026-10-11", admin, map[string]any{"kind": "workday", "name": "国庆调休"}), http.StatusOK)
	wantError(t, e.do("PUT", "/api/v1/admin/holidays/2026-02-30", admin, map[string]any{"kind": "holiday"}), http.StatusBadRequest, "invalid_argument", "day")
	wantError(t, e.do("PUT", "/api/v1/admin/holidays/2026-10-02", admin, map[string]any{"kind": "vacation"}), http.StatusBadRequest, "invalid_argument", "kind")
	wantError(t, e.do("PUT", "/api/v1/admin/holidays/2026-10-02", officer, map[string]any{"kind": "holiday"}), http.StatusForbidden, "permission_denied", "")
	rec = e.do("GET", "/api/v1/admin/holidays?since=2026-10-01", officer, nil)
	wantStatus(t, rec, http.StatusOK)
	if !strings.Contains(rec.Body.String(), `"day":"2026-10-11","kind":"workday"`) || e.count("holidays") != 2 {
		t.Fatalf("holidays: %s", rec.Body.String())
	}
	wantStatus(t, e.do("DELETE", "/api/v1/admin/holidays/2026-10-11", admin, nil), http.StatusNoContent)
	wantError(t, e.do("DELETE", "/api/v1/admin/holidays/2026-10-11", admin, nil), http.StatusNotFound, "not_found", "")
}

// TestRequestsStatsAPI: the month's figures in the caller's scope, as JSON
// and CSV; bad parameters name themselves; a role without requests.read
// is 403.
func TestRequestsStatsAPI(t *testing.T) {
	e := newEnv(t)
	x, y := e.dept, e.otherDepartment()
	e.routeTo("noise", x)
	e.routeTo("repair", y)
	res, _ := e.resident("req-stats")
	ox, _ := e.requestOfficer(x)
	v := e.submitRequest(res, "noise", "华富街道", nil)
	e.submitRequest(res, "repair", "华富街道", nil)
	e.act(ox, v.ID, "accept", map[string]any{"version": v.Version}, http.StatusOK)
	month := district.Date(time.Now())[:7]
	rec := e.do("GET", "/api/v1/admin/request-stats?month="+month+"&group_by=category", ox, nil)
	wantStatus(t, rec, http.StatusOK)
	var st struct {
		Rows []struct {
			Key          string   `json:"key"`
			Received     int      `json:"received"`
			ResponseRate *float64 `json:"response_rate"`
		} `json:"rows"`
		Total struct {
			Received int `json:"received"`
		} `json:"total"`
	}
	decode(t, rec, &st)
	if len(st.Rows) != 1 || st.Rows[0].Key != "noise" || st.Total.Received != 1 || st.Rows[0].ResponseRate == nil || *st.Rows[0].ResponseRate != 1 {
		t.Fatalf("department x's stats: %s", rec.Body.String())
	}
	auditor := e.districtAuditor()
	rec = e.do("GET", "/api/v1/admin/request-stats?month="+month+"&format=csv", auditor, nil)
	wantStatus(t, rec, http.StatusOK)
	if ct := rec.Header().Get("Content-Type"); ct != "text/csv; charset=utf-8" || !strings.Contains(rec.Body.String(), "合计") || !strings.Contains(rec.Body.String(), ",2,1,50.0,") {
		t.Fatalf("csv (%s): %s", ct, rec.Body.String())
	}
	for field, q := range map[string]string{"month": "month=2026-13", "group_by": "month=" + month + "&group_by=planet", "format": "month=" + month + "&format=pdf"} {
		wantError(t, e.do("GET", "/api/v1/admin/request-stats?"+q, ox, nil), http.StatusBadRequest, "invalid_argument", field)
	}
	wantError(t, e.do("GET", "/api/v1/admin/request-stats?month="+month, e.officer(), nil), http.StatusForbidden, "permission_denied", "")
}

// TestRequestsExportAndDelete: my requests are in /me/export; DELETE /me
// erases their text, contact and photos (the files once swept), while the
// statistics keep counting them.
func TestRequestsExportAndDelete(t *testing.T) {
	e := newEnv(t)
	e.routeTo("noise", e.dept)
	res, _ := e.resident("req-erase")
	up := e.uploadToken(res, solidJPEG(t, 16, 16, color.White))
	v := e.submitRequest(res, "noise", "华富街道", map[string]any{"description": "夜间施工噪音", "contact": "13900001111", "photos": []string{up}})
	rec := e.do("GET", "/api/v1/me/export", res, nil)
	wantStatus(t, rec, http.StatusOK)
	if !strings.Contains(rec.Body.String(), "夜间施工噪音") || !strings.Contains(rec.Body.String(), "13900001111") {
		t.Fatalf("export: %s", rec.Body.String())
	}
	wantStatus(t, e.do("DELETE", "/api/v1/me", res, nil), http.StatusNoContent)
	var desc string
	e.db.Table("requests").Where("id = ?", v.ID).Pluck("description", &desc)
	if desc != "" || e.count("request_photos") != 0 {
		t.Fatalf("after deletion: description %q, %d photos", desc, e.count("request_photos"))
	}
	if n := e.queued("requests.delete_object"); n != 2 {
		t.Fatalf("%d deletions queued, want 2 (the photo and its thumbnail)", n)
	}
	e.runJobs()
	admin, _ := e.staffer([]staff.Role{staff.Superadmin})
	rec = e.do("GET", "/api/v1/admin/request-stats?month="+district.Date(time.Now())[:7], admin, nil)
	if !strings.Contains(rec.Body.String(), `"total":{"key":"","name":"合计","received":1`) {
		t.Fatalf("stats after erasure: %s", rec.Body.String())
	}
}

// TestRequestContactAfterTransition: the view a transition answers shows
// the call-back number as the detail view does, and the read is in the
// transition's audit entry; after a transfer out of the member's scope it
// is not shown. Regression: 联系电话 turned into 未留 after each transition.
func TestRequestContactAfterTransition(t *testing.T) {
	e := newEnv(t)
	x, y := e.dept, e.otherDepartment()
	e.routeTo("noise", x)
	res, _ := e.resident("req-contact")
	ox, _ := e.requestOfficer(x)
	v := e.submitRequest(res, "noise", "华富街道", map[string]any{"contact": "13900002222"})
	contact := func(sv requests.StaffView) string {
		if sv.Contact == nil {
			return "<nil>"
		}
		return *sv.Contact
	}
	got := e.act(ox, v.ID, "accept", map[string]any{"version": v.Version}, http.StatusOK)
	if contact(got) != "13900002222" {
		t.Fatalf("contact after accept: %s", contact(got))
	}
	got = e.act(ox, v.ID, "start", map[string]any{"version": got.Version}, http.StatusOK)
	if contact(got) != "13900002222" {
		t.Fatalf("contact after start: %s", contact(got))
	}
	var detail string
	if err := e.db.Raw("SELECT detail FROM audit_log WHERE action = 'POST /api/v1/admin/requests/:id/start' AND target_id = ? ORDER BY id DESC LIMIT 1", itoa(v.ID)).Scan(&detail).Error; err != nil {
		t.Fatal(err)
	}
	if detail != "request "+itoa(v.ID)+" started, contact shown" {
		t.Fatalf("audit detail of start: %q, want the contact's read recorded", detail)
	}
	got = e.act(ox, v.ID, "transfer", map[string]any{"version": got.Version, "department_id": itoa(y), "reason": "属对方职责"}, http.StatusOK)
	if got.Contact != nil {
		t.Fatalf("contact after a transfer out of scope: %s", *got.Contact)
	}
}
