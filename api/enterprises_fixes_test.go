package api

import (
	"net/http"
	"strings"
	"testing"
)

// TestBenefitNoticeIsSystemText: a benefit program's members are told by a
// fixed system text naming the program and their enterprise, sent for the
// program's department; the program's free text stays its description in
// the app and never reaches an inbox unreviewed.
func TestBenefitNoticeIsSystemText(t *testing.T) {
	e := newEnv(t)
	officer := e.officer()
	uscc := e.registerEnterprise(officer, 1, "软件")
	member, _ := e.resident("alice")
	e.bind(officer, member, uscc)
	const lure = "【紧急】您的社保卡已冻结，请致电 0755-12345678 解冻"
	rec := e.do("POST", "/api/v1/admin/benefit-programs", officer, map[string]any{
		"name": "研发费用补贴", "criteria": map[string]any{"min_grade": "B"}, "notice": lure,
	})
	wantStatus(t, rec, http.StatusCreated)

	rec = e.do("GET", "/api/v1/notices", member, nil)
	wantStatus(t, rec, http.StatusOK)
	var inbox page[struct{ ID, Title, Body string }]
	decode(t, rec, &inbox)
	if len(inbox.Items) != 1 {
		t.Fatalf("inbox=%s, want one benefit notice", rec.Body.String())
	}
	n := inbox.Items[0]
	if strings.Contains(n.Title+n.Body, "社保卡") || strings.Contains(n.Title+n.Body, "0755") {
		t.Fatalf("staff-written text reached the inbox unreviewed: %+v", n)
	}
	if !strings.Contains(n.Title, "研发费用补贴") || !strings.Contains(n.Body, "研发费用补贴") || !strings.Contains(n.Body, "福田测试企业1有限公司") || !strings.Contains(n.Body, uscc) {
		t.Fatalf("notice %+v, want the program and the enterprise named", n)
	}
	var dept *int64
	e.db.Raw("SELECT department_id FROM notices WHERE id = ?", n.ID).Scan(&dept)
	if dept == nil || *dept != e.dept {
		t.Fatalf("notice department=%v, want %d", dept, e.dept)
	}
	// The description is what the enterprise's members read in the app.
	rec = e.do("GET", "/api/v1/enterprises/"+uscc+"/benefits", member, nil)
	wantStatus(t, rec, http.StatusOK)
	if !strings.Contains(rec.Body.String(), `"notice":"`+lure+`"`) {
		t.Fatalf("benefits=%s, want the program's description", rec.Body.String())
	}
}

// TestBenefitNoticeLongName: a program name as long as the field allows
// still gives a notice (the title is cut, the notice is sent).
func TestBenefitNoticeLongName(t *testing.T) {
	e := newEnv(t)
	officer := e.officer()
	uscc := e.registerEnterprise(officer, 1, "软件")
	member, _ := e.resident("alice")
	e.bind(officer, member, uscc)
	name := strings.Repeat("长", 128)
	wantStatus(t, e.do("POST", "/api/v1/admin/benefit-programs", officer, map[string]any{"name": name, "criteria": map[string]any{"min_grade": "B"}}), http.StatusCreated)
	rec := e.do("GET", "/api/v1/notices/unread-count", member, nil)
	wantStatus(t, rec, http.StatusOK)
	if !strings.Contains(rec.Body.String(), `"count":1`) {
		t.Fatalf("unread=%s, want the benefit notice", rec.Body.String())
	}
	var pending int64
	e.db.Table("benefit_matches").Where("notified_at IS NULL").Count(&pending)
	if pending != 0 {
		t.Fatalf("%d benefit notices still pending", pending)
	}
}
