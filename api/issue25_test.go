package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/futian/ifutian/knowledge"
	"github.com/futian/ifutian/requests"
	"github.com/futian/ifutian/staff"
)

// TestKnowledgeAPI: a desk writes its department's entries (bad input
// named, nothing written), another department's member finds them like
// missing ones, a role without knowledge.manage is refused, and residents
// (no token needed) find only what is published and valid.
func TestKnowledgeAPI(t *testing.T) {
	e := newEnv(t)
	desk, _ := e.requestOfficer(e.dept)
	other, _ := e.requestOfficer(e.otherDepartment())
	editor, _ := e.staffer([]staff.Role{staff.Editor})
	entry := map[string]any{"question": "居住证怎么办理？", "answer": "携带身份证和租赁合同到社区工作站办理。", "category": "consultation",
		"source": "《福田区12345事项分拨指引》", "status": "published"}

	// Bad input: named, nothing written.
	before := e.count("knowledge_entries")
	wantError(t, e.do("POST", "/api/v1/admin/knowledge", desk, map[string]any{"question": " ", "answer": "x"}), http.StatusBadRequest, "invalid_argument", "question")
	wantError(t, e.do("POST", "/api/v1/admin/knowledge", desk, map[string]any{"question": "x", "answer": "x", "category": "nope"}), http.StatusBadRequest, "invalid_argument", "category")
	wantError(t, e.do("POST", "/api/v1/admin/knowledge", desk, map[string]any{"question": "x", "answer": "x", "valid_until": "2026-02-30"}), http.StatusBadRequest, "invalid_argument", "valid_until")
	wantError(t, e.do("POST", "/api/v1/admin/knowledge", desk, map[string]any{"question": "x", "answer": "x", "status": "live"}), http.StatusBadRequest, "invalid_argument", "status")
	if e.count("knowledge_entries") != before {
		t.Fatal("a refused entry was written")
	}
	// A role without the permission.
	wantError(t, e.do("POST", "/api/v1/admin/knowledge", editor, entry), http.StatusForbidden, "permission_denied", "")

	rec := e.do("POST", "/api/v1/admin/knowledge", desk, entry)
	wantStatus(t, rec, http.StatusCreated)
	var k knowledge.Entry
	decode(t, rec, &k)
	id := itoa(k.ID)

	// Another department's member: like a missing one.
	wantError(t, e.do("GET", "/api/v1/admin/knowledge/"+id, other, nil), http.StatusNotFound, "not_found", "")
	wantError(t, e.do("PUT", "/api/v1/admin/knowledge/"+id, other, map[string]any{"question": "x", "answer": "y", "version": 1}), http.StatusNotFound, "not_found", "")
	wantError(t, e.do("DELETE", "/api/v1/admin/knowledge/"+id, other, nil), http.StatusNotFound, "not_found", "")
	rec = e.do("GET", "/api/v1/admin/knowledge", other, nil)
	wantStatus(t, rec, http.StatusOK)
	if strings.Contains(rec.Body.String(), "居住证") {
		t.Fatalf("another department lists the entry: %s", rec.Body.String())
	}

	// Change it: version required and guarded; never back to draft.
	wantError(t, e.do("PUT", "/api/v1/admin/knowledge/"+id, desk, map[string]any{"question": "x", "answer": "y"}), http.StatusBadRequest, "invalid_argument", "version")
	wantError(t, e.do("PUT", "/api/v1/admin/knowledge/"+id, desk, map[string]any{"question": "x", "answer": "y", "status": "draft", "version": k.Version}), http.StatusBadRequest, "invalid_argument", "status")
	wantError(t, e.do("PUT", "/api/v1/admin/knowledge/"+id, desk, map[string]any{"question": "x", "answer": "y", "version": k.Version + 1}), http.StatusConflict, "conflict", "")
	wantError(t, e.do("DELETE", "/api/v1/admin/knowledge/"+id, desk, nil), http.StatusConflict, "conflict", "")

	// Residents search without a token.
	rec = e.do("GET", "/api/v1/knowledge?q="+"居住证办理", "", nil)
	wantStatus(t, rec, http.StatusOK)
	if !strings.Contains(rec.Body.String(), `"id":"`+id+`"`) {
		t.Fatalf("search: %s", rec.Body.String())
	}
	wantStatus(t, e.do("GET", "/api/v1/knowledge/"+id, "", nil), http.StatusOK)
	wantError(t, e.do("GET", "/api/v1/knowledge?limit=0", "", nil), http.StatusBadRequest, "invalid_argument", "limit")
	wantError(t, e.do("GET", "/api/v1/knowledge?q="+strings.Repeat("长", 101), "", nil), http.StatusBadRequest, "invalid_argument", "q")
	// Retired: no longer found.
	rec = e.do("PUT", "/api/v1/admin/knowledge/"+id, desk, map[string]any{"question": k.Question, "answer": k.Answer, "status": "retired", "version": k.Version})
	wantStatus(t, rec, http.StatusOK)
	wantError(t, e.do("GET", "/api/v1/knowledge/"+id, "", nil), http.StatusNotFound, "not_found", "")
	// A draft is deleted.
	rec = e.do("POST", "/api/v1/admin/knowledge", desk, map[string]any{"question": "草稿", "answer": "草稿"})
	wantStatus(t, rec, http.StatusCreated)
	decode(t, rec, &k)
	wantStatus(t, e.do("DELETE", "/api/v1/admin/knowledge/"+itoa(k.ID), desk, nil), http.StatusNoContent)
}

// TestAnswerQuotesKnowledge: an answer's knowledge_id is shown to the
// resident; an unknown one is 400 naming it.
func TestAnswerQuotesKnowledge(t *testing.T) {
	e := newEnv(t)
	e.routeTo("consultation", e.dept)
	desk, _ := e.requestOfficer(e.dept)
	res, _ := e.residentOn("kb-res", "华富街道")
	rec := e.do("POST", "/api/v1/admin/knowledge", desk, map[string]any{"question": "加装电梯有补贴吗？", "answer": "有。", "status": "published"})
	wantStatus(t, rec, http.StatusCreated)
	var k knowledge.Entry
	decode(t, rec, &k)
	v := e.submitRequest(res, "consultation", "华富街道", nil)
	a := e.act(desk, v.ID, "accept", map[string]any{"version": v.Version}, http.StatusOK)
	wantError(t, e.do("POST", "/api/v1/admin/requests/"+itoa(v.ID)+"/answer", desk, map[string]any{"version": a.Version, "answer": "见知识库", "knowledge_id": "999999"}),
		http.StatusBadRequest, "invalid_argument", "knowledge_id")
	wantError(t, e.do("POST", "/api/v1/admin/requests/"+itoa(v.ID)+"/answer", desk, map[string]any{"version": a.Version, "answer": "见知识库", "knowledge_id": "x"}),
		http.StatusBadRequest, "invalid_argument", "knowledge_id")
	e.act(desk, v.ID, "answer", map[string]any{"version": a.Version, "answer": "见知识库", "knowledge_id": itoa(k.ID)}, http.StatusOK)
	rec = e.do("GET", "/api/v1/requests/"+itoa(v.ID), res, nil)
	wantStatus(t, rec, http.StatusOK)
	var got requests.View
	decode(t, rec, &got)
	if got.Knowledge == nil || got.Knowledge.ID != k.ID || got.DeadlineText == "" {
		t.Fatalf("resident's view: %+v %q", got.Knowledge, got.DeadlineText)
	}
}

// TestMergeAPI: candidates and a merge by the desk; bad input named, a
// role without requests.handle refused, another department's desk finds
// nothing; the main request's answer answers the merged one.
func TestMergeAPI(t *testing.T) {
	e := newEnv(t)
	e.routeTo("noise", e.dept)
	desk, _ := e.requestOfficer(e.dept)
	other, _ := e.requestOfficer(e.otherDepartment())
	streetDesk, _ := e.requestOfficer(e.dept, "莲花街道")
	editor, _ := e.staffer([]staff.Role{staff.Editor})
	a, _ := e.residentOn("merge-a", "华富街道")
	b, _ := e.residentOn("merge-b", "华富街道")
	main := e.submitRequest(a, "noise", "华富街道", nil)
	dup := e.submitRequest(b, "noise", "华富街道", nil)
	path := "/api/v1/admin/requests/" + itoa(main.ID)

	rec := e.do("GET", path+"/merge-candidates", desk, nil)
	wantStatus(t, rec, http.StatusOK)
	if !strings.Contains(rec.Body.String(), `"id":"`+itoa(dup.ID)+`"`) {
		t.Fatalf("candidates: %s", rec.Body.String())
	}
	for _, tok := range []string{other, streetDesk} {
		wantError(t, e.do("GET", path+"/merge-candidates", tok, nil), http.StatusNotFound, "not_found", "")
		wantError(t, e.do("POST", path+"/merge", tok, map[string]any{"duplicate_ids": []string{itoa(dup.ID)}, "reason": "同一事项"}), http.StatusNotFound, "not_found", "")
	}
	wantError(t, e.do("POST", path+"/merge", editor, map[string]any{"duplicate_ids": []string{itoa(dup.ID)}, "reason": "同一事项"}), http.StatusForbidden, "permission_denied", "")
	wantError(t, e.do("POST", path+"/merge", desk, map[string]any{"duplicate_ids": []string{"abc"}, "reason": "同一事项"}), http.StatusBadRequest, "invalid_argument", "duplicate_ids[0]")
	wantError(t, e.do("POST", path+"/merge", desk, map[string]any{"duplicate_ids": []string{}, "reason": "同一事项"}), http.StatusBadRequest, "invalid_argument", "duplicate_ids")
	wantError(t, e.do("POST", path+"/merge", desk, map[string]any{"duplicate_ids": []string{itoa(dup.ID)}, "reason": " "}), http.StatusBadRequest, "invalid_argument", "reason")
	if e.count("request_events") != 2 {
		t.Fatal("a refused merge wrote history")
	}
	rec = e.do("POST", path+"/merge", desk, map[string]any{"duplicate_ids": []string{itoa(dup.ID)}, "reason": "同一处工地噪音"})
	wantStatus(t, rec, http.StatusOK)
	rec = e.do("GET", "/api/v1/requests/"+itoa(dup.ID), b, nil)
	wantStatus(t, rec, http.StatusOK)
	var d requests.View
	decode(t, rec, &d)
	if d.Status != requests.StatusMerged || d.MergedInto == nil || *d.MergedInto != main.ID {
		t.Fatalf("merged: %+v", d)
	}
	// Unmerge: bad input, then back; merge again and answer the main one.
	wantError(t, e.do("POST", "/api/v1/admin/requests/"+itoa(dup.ID)+"/unmerge", desk, map[string]any{"reason": ""}), http.StatusBadRequest, "invalid_argument", "reason")
	wantError(t, e.do("POST", "/api/v1/admin/requests/"+itoa(dup.ID)+"/unmerge", other, map[string]any{"reason": "x"}), http.StatusNotFound, "not_found", "")
	wantStatus(t, e.do("POST", "/api/v1/admin/requests/"+itoa(dup.ID)+"/unmerge", desk, map[string]any{"reason": "并非同一事项"}), http.StatusOK)
	wantStatus(t, e.do("POST", path+"/merge", desk, map[string]any{"duplicate_ids": []string{itoa(dup.ID)}, "reason": "确为同一事项"}), http.StatusOK)
	acc := e.act(desk, main.ID, "accept", map[string]any{"version": main.Version}, http.StatusOK)
	e.act(desk, main.ID, "answer", map[string]any{"version": acc.Version, "answer": "已责令停工"}, http.StatusOK)
	rec = e.do("GET", "/api/v1/requests/"+itoa(dup.ID), b, nil)
	decode(t, rec, &d)
	if d.Status != requests.StatusAnswered || d.Answer != "已责令停工" {
		t.Fatalf("the merged request after the main's answer: %s %q", d.Status, d.Answer)
	}
}

// TestReferralAPI: a desk refers a complaint to the enterprise first; its
// bound member reads and answers it; bad input named, roles and scope
// refused; the request is back at the desk.
func TestReferralAPI(t *testing.T) {
	e := newEnv(t)
	e.routeTo("noise", e.dept)
	desk, _ := e.requestOfficer(e.dept)
	other, _ := e.requestOfficer(e.otherDepartment())
	editor, _ := e.staffer([]staff.Role{staff.Editor})
	credit := e.officer()
	uscc := e.registerEnterprise(credit, 2501, "餐饮")
	boss, _ := e.residentOn("ref-boss", "华富街道")
	stranger, _ := e.residentOn("ref-stranger", "华富街道")
	e.bind(credit, boss, uscc)
	res, _ := e.residentOn("ref-res", "华富街道")
	v := e.submitRequest(res, "noise", "华富街道", nil)
	acc := e.act(desk, v.ID, "accept", map[string]any{"version": v.Version}, http.StatusOK)
	path := "/api/v1/admin/requests/" + itoa(v.ID) + "/referral"

	wantError(t, e.do("POST", path, desk, map[string]any{"version": acc.Version, "uscc": "123"}), http.StatusBadRequest, "invalid_argument", "uscc")
	wantError(t, e.do("POST", path, desk, map[string]any{"version": acc.Version, "uscc": code(2502)}), http.StatusBadRequest, "invalid_argument", "uscc") // not registered
	wantError(t, e.do("POST", path, editor, map[string]any{"version": acc.Version, "uscc": uscc}), http.StatusForbidden, "permission_denied", "")
	wantError(t, e.do("POST", path, other, map[string]any{"version": acc.Version, "uscc": uscc}), http.StatusNotFound, "not_found", "")
	rec := e.do("POST", path, desk, map[string]any{"version": acc.Version, "uscc": uscc})
	wantStatus(t, rec, http.StatusOK)
	var sv requests.StaffView
	decode(t, rec, &sv)
	if sv.Status != requests.StatusWithEnterprise || sv.Referral == nil {
		t.Fatalf("referred: %s %+v", sv.Status, sv.Referral)
	}

	cases := "/api/v1/enterprises/" + uscc + "/referrals"
	wantError(t, e.do("GET", cases, stranger, nil), http.StatusForbidden, "permission_denied", "")
	wantError(t, e.do("GET", cases, desk, nil), http.StatusForbidden, "permission_denied", "")
	rec = e.do("GET", cases, boss, nil)
	wantStatus(t, rec, http.StatusOK)
	if !strings.Contains(rec.Body.String(), `"request_id":"`+itoa(v.ID)+`"`) || strings.Contains(rec.Body.String(), "resident") {
		t.Fatalf("cases: %s", rec.Body.String())
	}
	answer := cases + "/" + itoa(v.ID) + "/response"
	wantError(t, e.do("POST", answer, boss, map[string]any{"response": "已整改"}), http.StatusBadRequest, "invalid_argument", "resolved")
	wantError(t, e.do("POST", answer, boss, map[string]any{"resolved": true, "response": " "}), http.StatusBadRequest, "invalid_argument", "response")
	wantError(t, e.do("POST", answer, stranger, map[string]any{"resolved": true, "response": "已整改"}), http.StatusForbidden, "permission_denied", "")
	wantError(t, e.do("POST", cases+"/999999/response", boss, map[string]any{"resolved": true, "response": "已整改"}), http.StatusNotFound, "not_found", "")
	wantStatus(t, e.do("POST", answer, boss, map[string]any{"resolved": true, "response": "已更换静音设备"}), http.StatusOK)
	wantError(t, e.do("POST", answer, boss, map[string]any{"resolved": false, "response": "再说一次"}), http.StatusConflict, "conflict", "")
	rec = e.do("GET", "/api/v1/admin/requests/"+itoa(v.ID), desk, nil)
	decode(t, rec, &sv)
	if sv.Status != requests.StatusAccepted || sv.Referral.Outcome != requests.ReferralResolved || sv.Referral.Response != "已更换静音设备" {
		t.Fatalf("back at the desk: %s %+v", sv.Status, sv.Referral)
	}
}

// TestHolidayImportAPI: an .ics upload marks days; a file that is no
// calendar is 400 naming file; a desk may not load the calendar.
func TestHolidayImportAPI(t *testing.T) {
	e := newEnv(t)
	super, _ := e.staffer([]staff.Role{staff.Superadmin})
	desk, _ := e.requestOfficer(e.dept)
	ics := "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20270101\r\nDTEND;VALUE=DATE:20270104\r\nSUMMARY:元旦\r\nEND:VEVENT\r\n" +
		"BEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20270206\r\nSUMMARY:春节调休上班\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	before := e.count("holidays")
	wantError(t, e.uploadTo("/api/v1/admin/holidays/import", super, "file", []byte("hello")), http.StatusBadRequest, "invalid_argument", "file")
	wantError(t, e.uploadTo("/api/v1/admin/holidays/import", desk, "file", []byte(ics)), http.StatusForbidden, "permission_denied", "")
	if e.count("holidays") != before {
		t.Fatal("a refused import wrote days")
	}
	rec := e.uploadTo("/api/v1/admin/holidays/import?replace=true", super, "file", []byte(ics))
	wantStatus(t, rec, http.StatusOK)
	var res requests.ImportResult
	decode(t, rec, &res)
	if res.Added != 4 || len(res.Years) != 1 || res.Years[0] != 2027 {
		t.Fatalf("import: %+v", res)
	}
	wantError(t, e.uploadTo("/api/v1/admin/holidays/import?replace=maybe", super, "file", []byte(ics)), http.StatusBadRequest, "invalid_argument", "replace")
}
