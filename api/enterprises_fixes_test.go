package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
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

// TestCreditRecordOneCaseOneRecord: a credit record is idempotent on
// (enterprise, kind, case_ref): a repeat answers 200 with the first record
// and rates nothing, a repeat with other content is 409, and nothing is
// written for either.
func TestCreditRecordOneCaseOneRecord(t *testing.T) {
	e := newEnv(t)
	officer := e.officer()
	uscc := e.registerEnterprise(officer, 1, "软件")
	other := e.registerEnterprise(officer, 2, "软件")
	occurred := time.Now().Add(-48 * time.Hour).UTC().Truncate(time.Second)
	body := func(changes ...string) map[string]string {
		b := map[string]string{"uscc": uscc, "kind": "penalty", "severity": "general",
			"occurred_at": occurred.Format(time.RFC3339), "case_ref": "深福市监罚〔2026〕12号", "note": "超范围经营"}
		for i := 0; i+1 < len(changes); i += 2 {
			b[changes[i]] = changes[i+1]
		}
		return b
	}
	type result struct {
		ID     string
		Rating struct{ Score int }
	}
	post := func(b map[string]string, status int) result {
		t.Helper()
		rec := e.do("POST", "/api/v1/admin/credit-records", officer, b)
		wantStatus(t, rec, status)
		var r result
		decode(t, rec, &r)
		return r
	}
	first := post(body(), http.StatusCreated)
	records, ratings := e.count("credit_records"), e.count("ratings")
	t.Run("Repeat", func(t *testing.T) {
		for _, b := range []map[string]string{
			body(),
			body("case_ref", "  深福市监罚〔2026〕12号 "),
			body("uscc", strings.ToLower(uscc)),
			body("occurred_at", occurred.In(time.FixedZone("CST", 8*3600)).Format(time.RFC3339)),
			body("expires_at", occurred.AddDate(1, 0, 0).Format(time.RFC3339)), // the general default
		} {
			r := post(b, http.StatusOK)
			if r.ID != first.ID || r.Rating.Score != first.Rating.Score {
				t.Fatalf("repeat=%+v, want the first record %+v", r, first)
			}
		}
		if got := e.count("credit_records"); got != records {
			t.Fatalf("records=%d, want %d", got, records)
		}
		if got := e.count("ratings"); got != ratings {
			t.Fatalf("ratings=%d, want %d: a repeat re-rated", got, ratings)
		}
	})
	t.Run("ErrOtherContent", func(t *testing.T) {
		for _, b := range []map[string]string{
			body("severity", "serious"),
			body("occurred_at", occurred.Add(-time.Hour).Format(time.RFC3339)),
			body("expires_at", occurred.AddDate(0, 8, 0).Format(time.RFC3339)),
			body("note", "另一案情"),
		} {
			wantError(t, e.do("POST", "/api/v1/admin/credit-records", officer, b), http.StatusConflict, "conflict", "")
		}
		if got := e.count("credit_records"); got != records {
			t.Fatalf("records=%d, want %d", got, records)
		}
		if got := e.count("ratings"); got != ratings {
			t.Fatalf("ratings=%d, want %d", got, ratings)
		}
	})
	t.Run("OtherCases", func(t *testing.T) {
		ids := map[string]bool{first.ID: true}
		for _, b := range []map[string]string{
			body("kind", "complaint", "severity", "minor"), // same reference, another kind
			body("uscc", other),                            // same reference, another enterprise
			body("case_ref", "深福市监罚〔2026〕13号"),
			body("case_ref", ""), // no reference: every record is a new one
			body("case_ref", ""),
		} {
			ids[post(b, http.StatusCreated).ID] = true
		}
		if len(ids) != 6 {
			t.Fatalf("records %v, want 6 distinct", ids)
		}
	})
}

// TestCreditRecordConcurrentRepeats: many requests for one case at once
// make one record, and the enterprise is rated once for it.
func TestCreditRecordConcurrentRepeats(t *testing.T) {
	e := newEnv(t)
	officer := e.officer()
	uscc := e.registerEnterprise(officer, 1, "软件")
	ratings := e.count("ratings")
	body := map[string]string{"uscc": uscc, "kind": "arrears", "severity": "serious",
		"occurred_at": time.Now().Add(-time.Hour).UTC().Format(time.RFC3339Nano), "case_ref": "福人社欠〔2026〕5号"}
	const n = 16
	type answer struct {
		status int
		id     string
	}
	answers := make(chan answer, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			rec := e.do("POST", "/api/v1/admin/credit-records", officer, body)
			var r struct{ ID string }
			json.Unmarshal(rec.Body.Bytes(), &r)
			answers <- answer{rec.Code, r.ID}
		})
	}
	wg.Wait()
	close(answers)
	created, ids := 0, map[string]bool{}
	for a := range answers {
		switch a.status {
		case http.StatusCreated:
			created++
		case http.StatusOK:
		default:
			t.Fatalf("status %d", a.status)
		}
		ids[a.id] = true
	}
	if created != 1 || len(ids) != 1 {
		t.Fatalf("created=%d ids=%v, want one record created and returned to all", created, ids)
	}
	if got := e.count("credit_records"); got != 1 {
		t.Fatalf("records=%d, want 1", got)
	}
	if got := e.count("ratings"); got != ratings+1 {
		t.Fatalf("ratings=%d, want %d: rated once for the case", got, ratings+1)
	}
	rec := e.do("GET", "/api/v1/enterprises/"+uscc+"/rating", "", nil)
	if !strings.Contains(rec.Body.String(), `"grade":"C"`) {
		t.Fatalf("rating=%s, want C (85-20 counted once; twice is D)", rec.Body.String())
	}
}
