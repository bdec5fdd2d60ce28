package api

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/futian/ifutian/notify"
	"github.com/futian/ifutian/staff"
)

// staffMarker is written into every field a member types (titles, places,
// names, case references, notes, reasons, descriptions): a phishing text
// with a URL, as issue 21 found one in activity notices.
const staffMarker = "PHISH请点击https://evil.example/x"

// allSystemKinds are every kind of system message.
var allSystemKinds = []notify.SystemKind{
	notify.KindBenefitMatched, notify.KindSurveyReminder, notify.KindDeductionRecorded, notify.KindAppealDecided,
	notify.KindCreditRecorded, notify.KindGradeChanged, notify.KindObjectionDecided, notify.KindActivityCancelled,
	notify.KindActivityPromoted, notify.KindRequestAccepted, notify.KindRequestAnswered,
	notify.KindRequestMerged, notify.KindEnterpriseReferral, notify.KindRepairDecided, notify.KindDeductionRepaired,
}

// TestSystemNoticesQuoteNoStaffText (issue 21 item 2): every kind of system
// message is made, through the API, from objects whose every staff-typed
// field carries a marker, with every kind mapped to a subscribe template
// whose keywords take the title, the body, the time and every field of the
// kind. The marker reaches no inbox item (list or detail), no stored
// notice and no subscribe message's values or page.
func TestSystemNoticesQuoteNoStaffText(t *testing.T) {
	w := newActWorld(t)
	e := w.env
	templates := map[notify.SystemKind]notify.KindTemplate{}
	for i, k := range allSystemKinds {
		fields, ok := notify.KindFields(k)
		if !ok {
			t.Fatalf("kind %s unknown", k)
		}
		kt := notify.KindTemplate{TemplateID: fmt.Sprintf("TPL_MARK_%d", i), Fields: map[string]string{"raw_a1": "title", "raw_b2": "body", "raw_c3": "time"}}
		for j, f := range fields {
			kt.Fields[fmt.Sprintf("raw_f%d", j+4)] = f
		}
		templates[k] = kt
	}
	e.notify.Configure(notify.Config{Templates: templates})
	ctx := context.Background()
	mark := func(s string) string { return s + staffMarker }
	// The department's and every request category's name are typed by staff too.
	if err := e.db.Exec("UPDATE departments SET name = ? WHERE id = ?", mark("部门"), e.dept).Error; err != nil {
		t.Fatal(err)
	}
	if err := e.db.Exec("UPDATE request_categories SET name = ?", mark("类别")).Error; err != nil {
		t.Fatal(err)
	}
	var residents []string
	residentOn := func(name string) (string, int64) {
		tok, id := e.residentOn(name, "华富街道")
		residents = append(residents, tok)
		for _, kt := range templates {
			if _, err := e.notify.SaveSubscriptions(ctx, id, map[string]string{kt.TemplateID: "accept"}); err != nil {
				t.Fatal(err)
			}
		}
		return tok, id
	}

	// Activities: a promotion from the waiting list, then the cancellation.
	alice, _ := residentOn("mark-alice")
	bob, _ := residentOn("mark-bob")
	act := w.published(w.editor, map[string]any{"title": mark("活动"), "place": mark("地点"), "description": mark("说明"), "capacity": 1})
	wantStatus(t, e.do("POST", "/api/v1/activities/"+act+"/signup", alice, nil), http.StatusCreated)
	wantStatus(t, e.do("POST", "/api/v1/activities/"+act+"/signup", bob, nil), http.StatusCreated)
	wantStatus(t, e.do("DELETE", "/api/v1/activities/"+act+"/signup", alice, nil), http.StatusOK)
	wantStatus(t, e.do("POST", "/api/v1/admin/activities/"+act+"/cancel", w.editor, map[string]any{"reason": mark("原因")}), http.StatusOK)

	// Points: a deduction and the appeal's decision.
	officer, _ := e.staffer([]staff.Role{staff.PointsOfficer})
	carol, carolID := residentOn("mark-carol")
	rec := e.do("POST", "/api/v1/admin/points/deductions", officer, map[string]any{
		"resident_id": strconv.FormatInt(carolID, 10), "points": 10, "case_ref": mark("案件"), "reason": mark("原因")})
	wantStatus(t, rec, http.StatusCreated)
	var ded idBody
	decode(t, rec, &ded)
	rec = e.do("POST", "/api/v1/points/appeals", carol, map[string]any{"transaction_id": ded.ID, "reason": "当天不在现场"})
	wantStatus(t, rec, http.StatusCreated)
	var ap idBody
	decode(t, rec, &ap)
	wantStatus(t, e.do("POST", "/api/v1/admin/points/appeals/"+ap.ID+"/decide", officer, map[string]any{"approve": true, "note": mark("说明")}), http.StatusOK)
	// A deduction under a repairable rule, repaired by a passed course (学法修复).
	e.bankQuestions(w.editor, map[string]any{"type": "single", "stem": mark("题"), "options": []string{"甲", "乙"}, "answer": []string{"乙"}, "tags": []string{"标记法"}})
	wantStatus(t, e.do("POST", "/api/v1/admin/points/rules", officer, map[string]any{
		"code": "mark_rule", "name": mark("规则"), "points": 10, "kind": "deduct",
		"repair": map[string]any{"repairable": true, "tag": "标记法", "questions": 1, "pass_score": 60, "share_percent": 50},
	}), http.StatusCreated)
	rec = e.do("POST", "/api/v1/admin/points/deductions", officer, map[string]any{
		"resident_id": strconv.FormatInt(carolID, 10), "points": 4, "case_ref": mark("另案"), "reason": mark("原因"), "rule_code": "mark_rule"})
	wantStatus(t, rec, http.StatusCreated)
	decode(t, rec, &ded)
	rec = e.do("POST", "/api/v1/points/deductions/"+ded.ID+"/repair", carol, nil)
	wantStatus(t, rec, http.StatusCreated)
	var course struct {
		Attempt struct {
			AttemptID string   `json:"attempt_id"`
			Questions []idBody `json:"questions"`
		} `json:"attempt"`
	}
	decode(t, rec, &course)
	wantStatus(t, e.do("POST", "/api/v1/attempts/"+course.Attempt.AttemptID+"/submit", carol,
		map[string]any{"answers": map[string][]string{course.Attempt.Questions[0].ID: {"乙"}}}), http.StatusOK)

	// Enterprises: a record that changes the grade, the objection decided,
	// a benefit program matched.
	credit := e.officer()
	dave, _ := residentOn("mark-dave")
	uscc := code(77)
	wantStatus(t, e.do("POST", "/api/v1/admin/enterprises", credit, map[string]string{
		"uscc": uscc, "name": mark("企业"), "industry": "软件", "street": "华富街道"}), http.StatusCreated)
	e.bind(credit, dave, uscc)
	rec = e.do("POST", "/api/v1/admin/credit-records", credit, map[string]string{
		"uscc": uscc, "kind": "penalty", "severity": "general", "occurred_at": time.Now().Add(-time.Hour).Format(time.RFC3339),
		"case_ref": mark("文号"), "note": mark("备注")})
	wantStatus(t, rec, http.StatusCreated)
	var cr idBody
	decode(t, rec, &cr)
	rec = e.do("POST", "/api/v1/enterprises/"+uscc+"/objections", dave, map[string]string{"factor_id": cr.ID, "reason": "罚款已缴清"})
	wantStatus(t, rec, http.StatusCreated)
	var ob idBody
	decode(t, rec, &ob)
	wantStatus(t, e.do("POST", "/api/v1/admin/objections/"+ob.ID+"/decide", credit, map[string]any{"approve": false, "reason": mark("理由")}), http.StatusOK)
	wantStatus(t, e.do("POST", "/api/v1/admin/benefit-programs", credit, map[string]any{
		"name": mark("政策"), "criteria": map[string]any{"min_grade": "D"}, "notice": mark("说明")}), http.StatusCreated)
	// A credit repair (issue 29) of a minor complaint, rejected.
	rec = e.do("POST", "/api/v1/admin/credit-records", credit, map[string]string{
		"uscc": uscc, "kind": "complaint", "severity": "minor", "occurred_at": time.Now().Add(-time.Hour).Format(time.RFC3339),
		"case_ref": mark("投诉"), "note": mark("备注")})
	wantStatus(t, rec, http.StatusCreated)
	var minor idBody
	decode(t, rec, &minor)
	rec = e.do("POST", "/api/v1/admin/questions", w.editor, []any{map[string]any{"type": "judge", "stem": mark("题干"), "answer": []string{"对"}}})
	wantStatus(t, rec, http.StatusCreated)
	var qs struct{ Items []idBody }
	decode(t, rec, &qs)
	quiz := e.createPublished(w.editor, map[string]any{"kind": "quiz", "title": mark("测验"), "questions": []string{qs.Items[0].ID}})
	wantStatus(t, e.do("PUT", "/api/v1/admin/credit-repair-courses", credit, map[string]any{"kind": "complaint", "survey_id": quiz, "pass_score": 60}), http.StatusCreated)
	rec = e.do("POST", "/api/v1/surveys/"+quiz+"/attempts", dave, nil)
	wantStatus(t, rec, http.StatusCreated)
	var at struct {
		AttemptID string `json:"attempt_id"`
	}
	decode(t, rec, &at)
	wantStatus(t, e.do("POST", "/api/v1/attempts/"+at.AttemptID+"/submit", dave, map[string]any{"answers": map[string][]string{qs.Items[0].ID: {"对"}}}), http.StatusOK)
	wantStatus(t, e.do("POST", "/api/v1/enterprises/"+uscc+"/records/"+minor.ID+"/repair", dave, map[string]string{"attempt_id": at.AttemptID}), http.StatusCreated)
	rec = e.do("PUT", "/api/v1/enterprises/"+uscc+"/records/"+minor.ID+"/repair/commitment", dave, map[string]string{"text": mark("承诺")})
	wantStatus(t, rec, http.StatusOK)
	var rv struct{ Repair idBody }
	decode(t, rec, &rv)
	wantStatus(t, e.do("POST", "/api/v1/admin/credit-repairs/"+rv.Repair.ID+"/decide", credit, map[string]any{"approve": false, "reason": mark("理由")}), http.StatusOK)

	// Requests (民意速办): accepted, then answered.
	erin, _ := residentOn("mark-erin")
	e.routeTo("noise", e.dept)
	desk, _ := e.requestOfficer(e.dept)
	v := e.submitRequest(erin, "noise", "华富街道", nil)
	a := e.act(desk, v.ID, "accept", map[string]any{"version": v.Version}, http.StatusOK)
	e.act(desk, v.ID, "answer", map[string]any{"version": a.Version, "answer": mark("答复")}, http.StatusOK)
	// Merged into another (the reason and descriptions marked), and a
	// complaint referred to dave's enterprise first.
	frank, _ := residentOn("mark-frank")
	main := e.submitRequest(erin, "noise", "华富街道", map[string]any{"description": mark("描述"), "address": mark("地址")})
	dup := e.submitRequest(frank, "noise", "华富街道", map[string]any{"description": mark("描述"), "address": mark("地址")})
	wantStatus(t, e.do("POST", "/api/v1/admin/requests/"+itoa(main.ID)+"/merge", desk, map[string]any{
		"duplicate_ids": []string{itoa(dup.ID)}, "reason": mark("理由")}), http.StatusOK)
	ref := e.act(desk, main.ID, "accept", map[string]any{"version": main.Version}, http.StatusOK)
	e.act(desk, main.ID, "referral", map[string]any{"version": ref.Version, "uscc": uscc}, http.StatusOK)

	// Surveys: a reminder.
	sid, _ := e.declarationFor(w.editor, map[string]any{"title": mark("问卷"), "description": mark("说明")}, "华富街道")
	wantStatus(t, e.do("POST", "/api/v1/admin/surveys/"+sid+"/remind", w.editor, nil), http.StatusOK)

	// Every kind was made, and mapped to its template.
	var made []string
	if err := e.db.Table("notices").Where("source IS NOT NULL").Distinct().Pluck("kind", &made).Error; err != nil {
		t.Fatal(err)
	}
	for _, k := range allSystemKinds {
		if !strings.Contains(strings.Join(made, ","), string(k)) {
			t.Errorf("no %s notice was made (made: %v)", k, made)
		}
	}

	// Stored: title, body, the subscribe values.
	var rows []struct {
		ID                               int64
		Kind, Title, Body, SubscribeData string
	}
	if err := e.db.Table("notices").Select("id, kind, title, body, subscribe_data").Where("source IS NOT NULL").Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if strings.Contains(r.Title+r.Body+r.SubscribeData, "PHISH") {
			t.Errorf("%s notice %d quotes staff text: %q / %q / %s", r.Kind, r.ID, r.Title, r.Body, r.SubscribeData)
		}
		if r.Kind != "" && r.SubscribeData == "" {
			t.Errorf("%s notice %d has no subscribe message", r.Kind, r.ID)
		}
	}
	// In the inboxes, listed and opened.
	for _, tok := range residents {
		rec := e.do("GET", "/api/v1/notices?page_size=100", tok, nil)
		wantStatus(t, rec, http.StatusOK)
		if strings.Contains(rec.Body.String(), "PHISH") {
			t.Errorf("inbox list quotes staff text: %s", rec.Body.String())
		}
		var p page[idBody]
		decode(t, rec, &p)
		for _, it := range p.Items {
			rec := e.do("GET", "/api/v1/notices/"+it.ID, tok, nil)
			wantStatus(t, rec, http.StatusOK)
			if strings.Contains(rec.Body.String(), "PHISH") {
				t.Errorf("inbox notice quotes staff text: %s", rec.Body.String())
			}
		}
	}
	// On the wire to WeChat.
	before := len(fakeWeChat.Messages())
	d := e.notify.NewDeliverer(e.srv.WeChat.(notify.Sender), notify.DeliveryConfig{Rate: 1000, Batch: 50})
	for range 10 {
		if _, err := d.DeliverOnce(ctx); err != nil {
			t.Fatal(err)
		}
	}
	sent := 0
	for _, m := range fakeWeChat.Messages()[before:] {
		if !strings.HasPrefix(m.TemplateID, "TPL_MARK_") {
			continue
		}
		sent++
		if strings.Contains(fmt.Sprint(m.Data)+m.Page, "PHISH") {
			t.Errorf("subscribe message quotes staff text: %+v", m)
		}
	}
	if sent == 0 {
		t.Fatal("no subscribe message was sent")
	}
}
