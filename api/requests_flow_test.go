package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/futian/ifutian/requests"
	"github.com/futian/ifutian/staff"
)

// flowActors are the work order's callers in the API tests: the dispatch
// centre, a centre limited to 莲花街道, unit X's officer and head, unit
// Y's officer and head, X's officer on 莲花街道, and a resident.
type flowActors struct {
	centre, centreLianhua           string
	officerX, headX, officerXStreet string
	officerY, headY                 string
	resident                        string
	residentID, x, y                int64
}

func newFlowActors(e *env) flowActors {
	var a flowActors
	a.x, a.y = e.dept, e.otherDepartment()
	a.centre, _ = e.stafferIn(nil, []staff.Role{staff.Dispatcher})
	a.centreLianhua, _ = e.stafferIn(nil, []staff.Role{staff.Dispatcher}, "莲花街道")
	a.officerX, _ = e.requestOfficer(a.x)
	a.officerXStreet, _ = e.requestOfficer(a.x, "莲花街道")
	a.headX, _ = e.stafferIn(&a.x, []staff.Role{staff.DeptAdmin})
	a.officerY, _ = e.requestOfficer(a.y)
	a.headY, _ = e.stafferIn(&a.y, []staff.Role{staff.DeptAdmin})
	a.resident, a.residentID = e.residentOn("flow", "华富街道")
	return a
}

// step is one call of a work order's endpoint with the four callers the
// contract asks about: bad input (400 naming field, nothing written), a
// role without the permission (403), a member outside the request's
// scope (404), and the one who may (200).
type step struct {
	method, path string
	bad          map[string]any
	field        string
	forbidden    string // a caller whose role may not
	outside      string // a caller whose scope does not reach it ("" when the route has none)
	ok           map[string]any
	by           string
}

func (e *env) flowStep(t *testing.T, s step) requests.StaffView {
	t.Helper()
	if s.bad != nil {
		wantError(t, e.do(s.method, s.path, s.by, s.bad), http.StatusBadRequest, "invalid_argument", s.field)
	}
	if s.forbidden != "" {
		wantError(t, e.do(s.method, s.path, s.forbidden, s.ok), http.StatusForbidden, "permission_denied", "")
	}
	if s.outside != "" {
		wantError(t, e.do(s.method, s.path, s.outside, s.ok), http.StatusNotFound, "not_found", "")
	}
	rec := e.do(s.method, s.path, s.by, s.ok)
	wantStatus(t, rec, http.StatusOK)
	var v requests.StaffView
	decode(t, rec, &v)
	return v
}

// TestRequestsWorkOrderAPI walks the work order through the API (issue
// 25): the centre's queue, 派单, 签收, 退单 and its refusal, 受理, 延期 and
// its approval, 催办, 督办 and the head's answer, 答复, 不满意, 回访 and
// 重办, each endpoint with bad input, a forbidden role and an
// out-of-scope member; the resident is told of the extension and the 重办.
func TestRequestsWorkOrderAPI(t *testing.T) {
	e := newEnv(t)
	a := newFlowActors(e)
	const v1 = "/api/v1/admin"
	v := e.submitRequest(a.resident, "other", "华富街道", nil) // no entry on the list: the centre's queue
	if v.Status != requests.StatusDispatching {
		t.Fatalf("unplaced request: %s", v.Status)
	}
	id := itoa(v.ID)
	list := func(token, query string) string {
		rec := e.do("GET", v1+"/dispatch/requests?"+query, token, nil)
		wantStatus(t, rec, http.StatusOK)
		return rec.Body.String()
	}
	if !strings.Contains(list(a.centre, "queue=dispatch"), idOf(id)) || strings.Contains(list(a.centreLianhua, "queue=dispatch"), idOf(id)) {
		t.Fatal("the centre's 待分拨 queue is wrong")
	}
	wantError(t, e.do("GET", v1+"/dispatch/requests?queue=nope", a.centre, nil), http.StatusBadRequest, "invalid_argument", "queue")
	wantError(t, e.do("GET", v1+"/dispatch/requests", a.officerX, nil), http.StatusForbidden, "permission_denied", "")
	wantError(t, e.do("GET", v1+"/dispatch/requests/"+id, a.centreLianhua, nil), http.StatusNotFound, "not_found", "")
	sv := e.flowStep(t, step{method: "POST", path: v1 + "/dispatch/requests/" + id + "/dispatch", by: a.centre,
		bad: map[string]any{"version": v.Version, "department_id": "999999"}, field: "department_id",
		forbidden: a.officerX, outside: a.centreLianhua,
		ok: map[string]any{"version": v.Version, "department_id": itoa(a.x), "assist_department_id": itoa(a.y), "note": "按职责清单"}})
	if sv.Status != requests.StatusDispatched || *sv.AssistDepartmentID != a.y || sv.SignDeadlineAt == nil {
		t.Fatalf("dispatched: %+v", sv)
	}
	// The assisting unit reads it (协办), and lists it.
	wantStatus(t, e.do("GET", v1+"/requests/"+id, a.officerY, nil), http.StatusOK)
	if rec := e.do("GET", v1+"/requests?queue=assisting", a.officerY, nil); !strings.Contains(rec.Body.String(), idOf(id)) {
		t.Fatalf("Y's 协办 queue: %s", rec.Body.String())
	}

	unit := func(action string, bad map[string]any, field string, ok map[string]any) requests.StaffView {
		return e.flowStep(t, step{method: "POST", path: v1 + "/requests/" + id + "/" + action, by: a.officerX,
			bad: bad, field: field, forbidden: a.centre, outside: a.officerXStreet, ok: ok})
	}
	centre := func(action string, bad map[string]any, field string, ok map[string]any) requests.StaffView {
		return e.flowStep(t, step{method: "POST", path: v1 + "/dispatch/requests/" + id + "/" + action, by: a.centre,
			bad: bad, field: field, forbidden: a.officerX, outside: a.centreLianhua, ok: ok})
	}
	sv = unit("sign", map[string]any{"version": 0}, "version", map[string]any{"version": sv.Version})
	if sv.Status != requests.StatusSigned || sv.SignedAt == nil {
		t.Fatalf("signed: %+v", sv)
	}
	sv = unit("return", map[string]any{"version": sv.Version, "reason_code": "bored", "reason": "x"}, "reason_code",
		map[string]any{"version": sv.Version, "reason_code": "not_our_duty", "reason": "属施工噪音"})
	if sv.Status != requests.StatusReturned || len(sv.Returns) != 1 {
		t.Fatalf("returned: %+v", sv)
	}
	if !strings.Contains(list(a.centre, "queue=returns"), idOf(id)) {
		t.Fatal("the return is not in 退单待审")
	}
	sv = centre("refuse-return", map[string]any{"version": sv.Version, "note": " "}, "note",
		map[string]any{"version": sv.Version, "note": "属你单位职责"})
	if sv.Status != requests.StatusSigned || sv.Returns[0].Status != requests.Refused {
		t.Fatalf("return refused: %+v", sv)
	}
	sv = e.act(a.officerX, v.ID, "accept", map[string]any{"version": sv.Version}, http.StatusOK)
	deadline := sv.DeadlineAt
	sv = unit("extension", map[string]any{"days": 31, "reason": "x"}, "days", map[string]any{"days": 2, "reason": "需协调物业"})
	if !sv.DeadlineAt.Equal(deadline) || len(sv.Extensions) != 1 {
		t.Fatalf("asked: %+v", sv)
	}
	if !strings.Contains(list(a.centre, "queue=extensions"), idOf(id)) {
		t.Fatal("the extension is not in 延期待批")
	}
	sv = centre("extension-decision", map[string]any{"approve": true, "note": strings.Repeat("长", 501)}, "note", map[string]any{"approve": true})
	if !sv.DeadlineAt.After(deadline) || sv.ExtendedDays != 2 {
		t.Fatalf("approved: %+v", sv)
	}
	sv = centre("urge", map[string]any{"note": strings.Repeat("催", 1001)}, "note", map[string]any{"note": "请加快"})
	if sv.Urges != 1 {
		t.Fatalf("urged: %+v", sv)
	}
	sv = centre("supervise", map[string]any{"instruction": "请报告", "due_at": "2020-01-01T00:00:00+08:00"}, "due_at",
		map[string]any{"instruction": "请于三日内书面报告", "due_at": "2030-01-01T18:00:00+08:00"})
	letter := itoa(sv.Supervisions[0].ID)
	// The letter is listed apart: the centre and X see it, Y does not.
	for tok, want := range map[string]bool{a.centre: true, a.headX: true, a.officerY: false, a.centreLianhua: false} {
		rec := e.do("GET", v1+"/supervisions?state=open", tok, nil)
		wantStatus(t, rec, http.StatusOK)
		if strings.Contains(rec.Body.String(), idOf(letter)) != want {
			t.Fatalf("letters listed %v, want %v: %s", !want, want, rec.Body.String())
		}
	}
	answerPath := v1 + "/supervisions/" + letter + "/answer"
	wantError(t, e.do("POST", answerPath, a.headX, map[string]any{"answer": ""}), http.StatusBadRequest, "invalid_argument", "answer")
	wantError(t, e.do("POST", answerPath, a.officerX, map[string]any{"answer": "x"}), http.StatusForbidden, "permission_denied", "")
	wantError(t, e.do("POST", answerPath, a.headY, map[string]any{"answer": "x"}), http.StatusNotFound, "not_found", "")
	wantStatus(t, e.do("POST", answerPath, a.headX, map[string]any{"answer": "已约谈商铺"}), http.StatusOK)
	wantError(t, e.do("POST", answerPath, a.headX, map[string]any{"answer": "再答"}), http.StatusConflict, "conflict", "")

	// 答复, 不满意, 回访: 重办 at X.
	sv = e.act(a.officerX, v.ID, "answer", map[string]any{"version": sv.Version, "answer": "已处理"}, http.StatusOK)
	wantStatus(t, e.do("POST", "/api/v1/requests/"+id+"/rating", a.resident, map[string]any{"rating": 1}), http.StatusOK)
	if !strings.Contains(list(a.centre, "queue=callback"), idOf(id)) {
		t.Fatal("the rating is not in 待回访")
	}
	rec := e.do("GET", v1+"/dispatch/requests/"+id, a.centre, nil)
	decode(t, rec, &sv)
	sv = centre("callback", map[string]any{"version": sv.Version, "result": "maybe"}, "result",
		map[string]any{"version": sv.Version, "result": "unsatisfied", "note": "居民称未解决"})
	if sv.Status != requests.StatusAccepted || sv.Redone != 1 {
		t.Fatalf("重办: %+v", sv)
	}
	// Every step is in the history with its actor.
	actors := map[string]bool{}
	for _, h := range sv.History {
		actors[string(h.Action)+"/"+h.Actor] = true
		if h.Actor == "" {
			t.Fatalf("step without its actor: %+v", h)
		}
	}
	for _, want := range []string{"dispatched", "signed", "returned", "return_refused", "ext_asked", "ext_approved", "urged", "supervised", "sup_answered", "redone"} {
		found := false
		for k := range actors {
			found = found || strings.HasPrefix(k, want+"/")
		}
		if !found {
			t.Fatalf("history lacks %s: %v", want, actors)
		}
	}
	// The resident reads only what is theirs, and was told by fixed texts.
	rec = e.do("GET", "/api/v1/requests/"+id, a.resident, nil)
	for _, hidden := range []string{"属施工噪音", "请加快", "已约谈商铺", "居民称未解决", `"actor"`, `"returned"`, `"urged"`} {
		if strings.Contains(rec.Body.String(), hidden) {
			t.Fatalf("the resident reads %q: %s", hidden, rec.Body.String())
		}
	}
	// (Read from the inbox's table.)
	e.runJobs()
	var got []struct{ Kind, Body string }
	if err := e.db.Raw(`SELECT n.kind, n.body FROM notices n JOIN notice_recipients r ON r.notice_id = n.id
		WHERE r.resident_id = ? ORDER BY n.id`, a.residentID).Scan(&got).Error; err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	for _, n := range got {
		kinds[n.Kind] = true
		for _, typed := range []string{"需协调物业", "居民称未解决", "请加快"} {
			if strings.Contains(n.Body, typed) {
				t.Fatalf("a system text quotes staff: %q", n.Body)
			}
		}
	}
	if !kinds["request_extended"] || !kinds["request_redone"] {
		t.Fatalf("the resident's notices: %+v", got)
	}
}

// TestRequestsWorkOrderSettingsAPI: the centre's settings, dispatch guides,
// responsibility list and figures: who may read and change them, and bad
// input named.
func TestRequestsWorkOrderSettingsAPI(t *testing.T) {
	e := newEnv(t)
	a := newFlowActors(e)
	const v1 = "/api/v1/admin"
	// Settings.
	wantStatus(t, e.do("GET", v1+"/dispatch/settings", a.officerX, nil), http.StatusOK)
	wantError(t, e.do("PUT", v1+"/dispatch/settings", a.centre, map[string]any{"max_returns": 11, "callback_sample": 0}), http.StatusBadRequest, "invalid_argument", "max_returns")
	wantError(t, e.do("PUT", v1+"/dispatch/settings", a.headX, map[string]any{"max_returns": 3}), http.StatusForbidden, "permission_denied", "")
	rec := e.do("PUT", v1+"/dispatch/settings", a.centre, map[string]any{"max_returns": 3, "callback_sample": 10})
	wantStatus(t, rec, http.StatusOK)
	var fs requests.FlowSettings
	decode(t, e.do("GET", v1+"/dispatch/settings", a.officerX, nil), &fs)
	if fs.MaxReturns != 3 || fs.CallbackSample != 10 {
		t.Fatalf("settings: %+v", fs)
	}
	// Guides.
	wantError(t, e.do("PUT", v1+"/request-guides/noise", a.centre, map[string]any{"guide": "x", "sign_hours": 0}), http.StatusBadRequest, "invalid_argument", "sign_hours")
	wantError(t, e.do("PUT", v1+"/request-guides/noise", a.officerX, map[string]any{"guide": "x", "sign_hours": 4}), http.StatusForbidden, "permission_denied", "")
	wantError(t, e.do("PUT", v1+"/request-guides/nope", a.centre, map[string]any{"guide": "x", "sign_hours": 4}), http.StatusNotFound, "not_found", "")
	wantStatus(t, e.do("PUT", v1+"/request-guides/noise", a.centre, map[string]any{"guide": "施工噪音派住建局", "sign_hours": 4}), http.StatusOK)
	if rec := e.do("GET", v1+"/request-guides", a.officerX, nil); !strings.Contains(rec.Body.String(), "施工噪音派住建局") {
		t.Fatalf("guides: %s", rec.Body.String())
	}
	// The responsibility list, with an assisting unit; the centre edits it.
	route := map[string]any{"category": "noise", "street": "华富街道", "department_id": itoa(a.x), "assist_department_id": itoa(a.y)}
	wantError(t, e.do("PUT", v1+"/request-routes", a.officerX, route), http.StatusForbidden, "permission_denied", "")
	wantError(t, e.do("PUT", v1+"/request-routes", a.centre, map[string]any{"category": "noise", "department_id": itoa(a.x), "assist_department_id": itoa(a.x)}),
		http.StatusBadRequest, "invalid_argument", "assist_department_id")
	wantStatus(t, e.do("PUT", v1+"/request-routes", a.centre, route), http.StatusOK)
	v := e.submitRequest(a.resident, "noise", "华富街道", nil)
	var sv requests.StaffView
	decode(t, e.do("GET", v1+"/requests/"+itoa(v.ID), a.officerX, nil), &sv)
	if *sv.DepartmentID != a.x || sv.AssistDepartmentID == nil || *sv.AssistDepartmentID != a.y || sv.Status != requests.StatusSubmitted {
		t.Fatalf("routed by the list: %+v", sv)
	}
	wantStatus(t, e.do("DELETE", v1+"/request-routes/noise?street=华富街道", a.centre, nil), http.StatusNoContent)
	// Figures: a unit sees its own rows; CSV; bad month named.
	month := sv.CreatedAt.In(sv.DeadlineAt.Location()).Format("2006-01")
	wantError(t, e.do("GET", v1+"/request-flow-stats?month=2026/11", a.centre, nil), http.StatusBadRequest, "invalid_argument", "month")
	wantError(t, e.do("GET", v1+"/request-flow-stats?month="+month, a.resident, nil), http.StatusForbidden, "permission_denied", "")
	var st requests.FlowStats
	decode(t, e.do("GET", v1+"/request-flow-stats?month="+month, a.centre, nil), &st)
	if st.Total.Assigned < 1 || st.Total.Received < 1 {
		t.Fatalf("figures: %+v", st.Total)
	}
	var own requests.FlowStats
	decode(t, e.do("GET", v1+"/request-flow-stats?month="+month, a.officerY, nil), &own)
	if own.Total.Assigned != 0 {
		t.Fatalf("Y sees X's figures: %+v", own.Total)
	}
	rec = e.do("GET", v1+"/request-flow-stats?month="+month+"&group_by=street&format=csv", a.centre, nil)
	wantStatus(t, rec, http.StatusOK)
	if !strings.Contains(rec.Body.String(), "签收率%") || !strings.Contains(rec.Body.String(), "华富街道") {
		t.Fatalf("csv: %s", rec.Body.String())
	}
}
